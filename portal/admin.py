from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from portal.models import RoleAssignment, User


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    raw_id_fields = ["org_node", "cell"]


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("门户", {"fields": ["display_name"]}),)
    inlines = [RoleAssignmentInline]
    list_display = ["username", "display_name", "is_active", "last_login"]
