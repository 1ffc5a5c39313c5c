"""Back-office views of the organisations.

Tree nodes are created, moved and deleted only through ``orgs.services`` (which
take the writer lock), so the admin shows them read-only in their tree fields
and offers no add or delete; seats are vacated, never deleted.
"""

from django.contrib import admin

from orgs.models import (
    Committee,
    OrgNode,
    PartyMember,
    Person,
    ResidentialCompound,
    Seat,
)


@admin.register(OrgNode)
class OrgNodeAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "unit_kind",
        "community",
        "directly_managed",
    ]
    list_filter = ["kind", "unit_kind", "directly_managed"]
    search_fields = ["code", "name"]
    readonly_fields = [
        "kind",
        "code",
        "parent",
        "street",
        "community",
        "tree_id",
        "lft",
        "rght",
        "level",
    ]
    raw_id_fields = ["head", "secretary"]
    list_select_related = ["community"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Only plain columns: never write lft/rght that may be stale in memory.
        fields = [f for f in form.changed_data if f not in self.readonly_fields]
        if fields:
            obj.save(update_fields=[*fields, "updated_at"])


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "unit", "birth_year"]
    search_fields = ["name"]
    raw_id_fields = ["street", "community", "unit", "user"]
    list_select_related = ["community", "unit"]


@admin.register(PartyMember)
class PartyMemberAdmin(admin.ModelAdmin):
    list_display = ["person", "party_org", "status", "directly_managed"]
    list_filter = ["status", "directly_managed"]
    search_fields = ["person__name"]
    raw_id_fields = [
        "person",
        "party_org",
        "employer_unit",
        "residence_community",
        "street",
        "community",
    ]
    list_select_related = ["person", "party_org"]


@admin.register(ResidentialCompound)
class ResidentialCompoundAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "households"]
    search_fields = ["name"]
    raw_id_fields = ["community"]


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "community"]
    list_filter = ["kind"]
    raw_id_fields = ["org", "street", "community"]


@admin.register(Seat)
class SeatAdmin(admin.ModelAdmin):
    list_display = ["committee", "person", "position", "term_start", "vacated_on"]
    list_filter = ["committee__kind", "position", "origin"]
    raw_id_fields = [
        "committee",
        "person",
        "represents",
        "street",
        "community",
        "created_by",
        "vacated_by",
    ]
    readonly_fields = ["created_by", "vacated_by"]

    def has_delete_permission(self, request, obj=None):
        return False
