"""Back-office views of the grid. Tree writes still go through the services:
cells are read-only here except for their plain fields."""

from django.contrib import admin

from grids.models import Case, CaseEvent, Cell, CellAssignment, Photo, Visit


@admin.register(Cell)
class CellAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "community", "leader"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["leader", "compound", "street", "community"]
    readonly_fields = ["parent", "level", "street", "community", "leader"]
    exclude = ["units"]

    def has_add_permission(self, request):
        return False  # new cells go through grids.services (tree lock)

    def has_delete_permission(self, request, obj=None):
        return False


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    readonly_fields = [
        "kind",
        "from_level",
        "to_level",
        "by",
        "actor_name",
        "text",
        "at",
    ]
    exclude = ["street", "community"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "level", "status", "deadline", "community"]
    list_filter = ["level", "status", "category"]
    search_fields = ["title", "description"]
    raw_id_fields = [
        "cell",
        "street",
        "community",
        "unit",
        "reporter",
        "closed_by",
        "source_visit",
    ]
    inlines = [CaseEventInline]


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["visited_on", "cell", "visitor"]
    raw_id_fields = ["cell", "street", "community", "visitor", "recorded_by"]


@admin.register(CellAssignment)
class CellAssignmentAdmin(admin.ModelAdmin):
    list_display = ["cell", "person", "role", "started_on", "ended_on"]
    list_filter = ["role"]
    raw_id_fields = ["cell", "person", "street", "community", "assigned_by"]


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ["id", "case", "visit", "created_at"]
    raw_id_fields = ["case", "visit", "street", "community", "uploaded_by"]
