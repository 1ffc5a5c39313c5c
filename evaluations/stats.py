"""Key figures of the evaluations, scoped to the caller."""

from django.db.models import Count, Max, OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from evaluations.models import (
    GRADE_ORDER,
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


WATCH = ("appeals_open",)

#: One series per grade, best first: ``grade_<value>``.
MONTHLY_LABELS = {f"grade_{g.value}": g.label for g in GRADE_ORDER}

COMMUNITY_LABELS = {
    "units_excellent_last_month": _("上次评议优秀单位"),
}


def _published_units(scope):
    return Evaluation.objects.filter(
        scope.q(community="community", unit="unit", street="street"),
        kind=SubjectKind.UNIT,
        publication__isnull=False,
    )


def monthly(scope, months):
    """Return the published units' grades per month, one series per grade."""
    rows = (
        _published_units(scope)
        .filter(month__gte=months[0], month__lte=months[-1])
        .order_by()
        .values_list("month", "grade")
        .annotate(n=Count("pk"))
    )
    series = {f"grade_{g.value}": {} for g in GRADE_ORDER}
    for month, grade, n in rows:
        series.setdefault(f"grade_{grade}", {})[month] = n
    return series


def by_community(scope, months):
    """Return per community: units graded excellent in the last published month."""
    published = _published_units(scope)
    last = published.aggregate(last=Max("month"))["last"]
    if last is None:
        return {}
    counts = (
        published.filter(month=last, grade=Grade.EXCELLENT, community__isnull=False)
        .order_by()
        .values_list("community")
        .annotate(n=Count("pk"))
    )
    return {c: {"units_excellent_last_month": n} for c, n in counts}


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
