"""Back-office views for fixes; writes with rules still go through the services."""

from django.contrib import admin

from meetings.models import (
    ActionItem,
    ActionItemUpdate,
    Attachment,
    Attendance,
    Campaign,
    CampaignSection,
    ChannelPost,
    Meeting,
    MinutesRevision,
    Problem,
    ProblemEvent,
    RotationSwap,
    SectionInspection,
)


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    raw_id_fields = ["seat", "unit", "street", "community"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = [
        "committee",
        "month",
        "held_at",
        "chair",
        "status",
        "minutes_filed_at",
    ]
    list_filter = ["status", "committee__kind"]
    date_hierarchy = "month"
    search_fields = ["committee__name", "place"]
    raw_id_fields = ["committee", "street", "community", "chair", "minutes_filed_by"]
    readonly_fields = ["minutes_html", "minutes_filed_at", "minutes_filed_by"]
    inlines = [AttendanceInline]


@admin.register(MinutesRevision)
class MinutesRevisionAdmin(admin.ModelAdmin):
    list_display = ["meeting", "filed_by", "created_at", "note"]
    raw_id_fields = ["meeting", "filed_by"]

    def has_change_permission(self, request, obj=None):
        return False  # revisions are the minutes' history: append-only


@admin.register(RotationSwap)
class RotationSwapAdmin(admin.ModelAdmin):
    list_display = ["committee", "month_a", "month_b", "reason", "created_by"]
    raw_id_fields = ["committee", "created_by"]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = [
        "original_name",
        "kind",
        "size",
        "meeting",
        "uploaded_by",
        "created_at",
    ]
    raw_id_fields = ["meeting", "action_item", "uploaded_by"]
    readonly_fields = ["file", "content_type", "size", "kind"]


class ProblemEventInline(admin.TabularInline):
    model = ProblemEvent
    extra = 0
    readonly_fields = ["kind", "actor", "note", "created_at"]
    can_delete = False


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    list_display = ["title", "committee", "source", "status", "progress", "created_at"]
    list_filter = ["status", "source", "committee__kind"]
    search_fields = ["title", "reporter_name"]
    raw_id_fields = [
        "committee",
        "meeting",
        "street",
        "community",
        "reporter",
        "reporter_unit",
        "escalated_from",
        "result_by",
    ]
    inlines = [ProblemEventInline]


class ActionItemUpdateInline(admin.TabularInline):
    model = ActionItemUpdate
    extra = 0
    readonly_fields = [
        "status_from",
        "status_to",
        "progress",
        "note",
        "actor",
        "created_at",
    ]
    can_delete = False


@admin.register(ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
    list_display = ["title", "unit", "committee", "due_on", "status", "progress"]
    list_filter = ["status", "committee__kind"]
    search_fields = ["title", "unit__name"]
    raw_id_fields = [
        "problem",
        "meeting",
        "committee",
        "street",
        "community",
        "unit",
        "created_by",
    ]
    inlines = [ActionItemUpdateInline]


class SectionInline(admin.TabularInline):
    model = CampaignSection
    extra = 0
    raw_id_fields = ["unit", "street", "community"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "starts_on", "ends_on"]
    raw_id_fields = ["street", "community"]
    inlines = [SectionInline]


@admin.register(SectionInspection)
class SectionInspectionAdmin(admin.ModelAdmin):
    list_display = ["section", "meeting", "result", "note"]
    raw_id_fields = [
        "meeting",
        "section",
        "inspected_by",
        "street",
        "community",
        "unit",
    ]


@admin.register(ChannelPost)
class ChannelPostAdmin(admin.ModelAdmin):
    list_display = ["committee", "title", "author", "created_at", "mirrored"]
    raw_id_fields = ["committee", "parent", "author", "street", "community"]
