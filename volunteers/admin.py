"""Back-office views. The ledger is read-only here too: corrections are
reversing entries made through the pages or the API (services)."""

from django.contrib import admin

from volunteers.models import (
    Activity,
    CheckIn,
    GroupServiceEvent,
    InServiceYearReview,
    LoveStation,
    MicroWish,
    PointsAccount,
    PointsEntry,
    PointsRule,
    Redemption,
    ServicePost,
    StationItem,
    Team,
    Volunteer,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services: visible, never edited here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Volunteer)
class VolunteerAdmin(ReadOnlyAdmin):
    list_display = ["person", "kind", "community", "employer_unit", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["person__name"]
    list_select_related = ["person", "community", "employer_unit"]


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ["name", "community", "service_area"]
    list_select_related = ["community"]


@admin.register(PointsRule)
class PointsRuleAdmin(admin.ModelAdmin):
    list_display = [
        "activity_type",
        "points_per_hour",
        "late_percent",
        "max_hours",
        "min_points",
    ]
    fields = [
        "activity_type",
        "points_per_hour",
        "late_percent",
        "max_hours",
        "min_points",
    ]

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["title", "activity_type", "community", "starts_at", "status"]
    list_filter = ["activity_type", "status"]
    list_select_related = ["community"]
    date_hierarchy = "starts_at"


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyAdmin):
    list_display = ["volunteer", "activity", "checked_in_at", "attendance"]
    list_select_related = ["volunteer__person", "activity"]
    list_filter = ["attendance", "in_service"]


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyAdmin):
    list_display = ["volunteer", "kind", "points", "reason", "created_at"]
    list_select_related = ["volunteer__person"]
    list_filter = ["kind"]


@admin.register(PointsAccount)
class PointsAccountAdmin(ReadOnlyAdmin):
    list_display = ["volunteer", "balance", "earned"]
    list_select_related = ["volunteer__person"]


@admin.register(LoveStation)
class LoveStationAdmin(ReadOnlyAdmin):
    list_display = ["name", "community"]


@admin.register(StationItem)
class StationItemAdmin(ReadOnlyAdmin):
    list_display = ["name", "station", "price", "stock", "active"]


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    list_display = ["volunteer", "item", "points", "status", "redeemed_at"]
    list_select_related = ["volunteer__person", "item"]


@admin.register(MicroWish)
class MicroWishAdmin(ReadOnlyAdmin):
    list_display = ["title", "community", "status", "published_at"]
    list_filter = ["status"]
    exclude = ["resident_name", "resident_address", "resident_phone"]


@admin.register(ServicePost)
class ServicePostAdmin(ReadOnlyAdmin):
    list_display = ["title", "community", "status", "published_at"]
    list_filter = ["status"]
    exclude = ["resident_name", "resident_address", "resident_phone"]


@admin.register(GroupServiceEvent)
class GroupServiceEventAdmin(ReadOnlyAdmin):
    list_display = ["title", "unit", "service_type", "held_on", "residents_served"]
    list_select_related = ["unit"]


@admin.register(InServiceYearReview)
class InServiceYearReviewAdmin(ReadOnlyAdmin):
    list_display = ["volunteer", "year", "services", "eligible_excellent"]
    list_filter = ["year", "eligible_excellent"]
