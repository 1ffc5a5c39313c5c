"""Back-office views. History rows are read-only here: the services write them."""

from django.contrib import admin

from evaluations.models import (
    Appeal,
    AppealEvent,
    Commitment,
    CreditRating,
    DepartmentNotice,
    Evaluation,
    EvaluationRun,
    GradeOverride,
    Publication,
    ScoringPolicy,
    SurveyAnswer,
    SurveyRound,
    UnitView,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """History must not be edited by hand: no add, change or delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScoringPolicy)
class ScoringPolicyAdmin(ReadOnlyAdmin):
    list_display = ["street", "version", "effective_month", "created_by", "created_at"]
    list_filter = ["street"]


@admin.register(EvaluationRun)
class EvaluationRunAdmin(ReadOnlyAdmin):
    list_display = [
        "street",
        "month",
        "status",
        "units_done",
        "units_total",
        "started_at",
        "finished_at",
    ]
    list_filter = ["status", "street"]


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ["month", "kind", "unit", "committee", "score", "grade"]
    list_filter = ["month", "kind", "grade"]
    raw_id_fields = ["unit", "committee", "community", "street"]


@admin.register(GradeOverride)
class GradeOverrideAdmin(ReadOnlyAdmin):
    list_display = ["evaluation", "from_grade", "to_grade", "created_by", "created_at"]


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ["street", "month", "published_by", "created_at", "notices_sent"]


@admin.register(CreditRating)
class CreditRatingAdmin(ReadOnlyAdmin):
    list_display = ["unit", "level", "stars", "source", "as_of_month", "created_at"]
    list_filter = ["level", "stars", "source"]


class AppealEventInline(admin.TabularInline):
    model = AppealEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "note", "actor", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ["unit", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    inlines = [AppealEventInline]


@admin.register(DepartmentNotice)
class DepartmentNoticeAdmin(ReadOnlyAdmin):
    list_display = ["department", "period_start", "period_end", "created_at"]


@admin.register(Commitment)
class CommitmentAdmin(admin.ModelAdmin):
    list_display = ["year", "theme", "title", "views_considered"]
    list_filter = ["year", "theme"]


@admin.register(UnitView)
class UnitViewAdmin(ReadOnlyAdmin):
    list_display = ["year", "theme", "unit", "created_at"]


@admin.register(SurveyRound)
class SurveyRoundAdmin(ReadOnlyAdmin):
    list_display = ["year", "title", "status", "results_sent_at"]


@admin.register(SurveyAnswer)
class SurveyAnswerAdmin(ReadOnlyAdmin):
    list_display = ["round", "commitment", "unit", "score"]
