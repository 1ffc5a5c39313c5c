"""Key figures of the evaluations, scoped to the caller."""

from django.db.models import Count, Max, OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from evaluations.models import (
    Appeal,
    AppealStatus,
    CreditLevel,
    CreditRating,
    Evaluation,
    Grade,
    SubjectKind,
)
from evaluations.months import month_label

LABELS = {
    "last_published_month": _("最近发布的评议月份"),
    "units_graded_last_month": _("上次评议的单位数"),
    "units_by_grade_last_month": _("上次评议各等次单位数"),
    "units_by_credit_level": _("各信用等级单位数"),
    "appeals_open": _("待处理的评级申诉"),
}


def stats(scope):
    scoped = scope.q(community="community", unit="unit", street="street")
    published = Evaluation.objects.filter(
        scoped, kind=SubjectKind.UNIT, publication__isnull=False
    )
    last = published.aggregate(last=Max("month"))["last"]
    by_grade = dict.fromkeys(Grade.values, 0)
    if last is not None:
        rows = (
            published.filter(month=last)
            .order_by()
            .values("grade")
            .annotate(n=Count("pk"))
            .values_list("grade", "n")
        )
        by_grade.update(dict(rows))
    by_level = dict.fromkeys(CreditLevel.values, 0)
    rows = (
        # Each unit's current rating: no newer row of the same unit (an
        # index probe per row in scope, not a GROUP BY of every street's).
        CreditRating.objects.filter(
            scoped,
            pk=Subquery(
                CreditRating.objects.filter(unit=OuterRef("unit"))
                .order_by("-pk")
                .values("pk")[:1]
            ),
        )
        .order_by()
        .values("level")
        .annotate(n=Count("pk"))
        .values_list("level", "n")
    )
    by_level.update(dict(rows))
    return {
        "last_published_month": month_label(last) or None,
        "units_graded_last_month": sum(by_grade.values()),
        "units_by_grade_last_month": by_grade,
        "units_by_credit_level": by_level,
        "appeals_open": Appeal.objects.filter(scoped, status=AppealStatus.OPEN).count(),
    }
