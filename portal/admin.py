from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from portal.models import AccessLog, RoleAssignment, User


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    raw_id_fields = ["org_node", "cell"]


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + ((_("门户"), {"fields": ["display_name"]}),)
    inlines = [RoleAssignmentInline]
    list_display = ["username", "display_name", "is_active", "last_login"]


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Read-only: the access log is evidence, nobody edits or deletes it here."""

    list_display = ["created_at", "username", "action", "what", "count", "ip_address"]
    list_filter = ["action", "what"]
    search_fields = ["username", "what", "path"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
