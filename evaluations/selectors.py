"""Reads of the evaluations app, scoped to the user.

Another scope's object is a 404: fetch through these querysets with
``get_object_or_404``. Street staff see their street; a community secretary
sees the units and committee of his community; a unit head sees his unit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any, cast

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    Max,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluations.models import (
    GRADE_ORDER,
    Appeal,
    Commitment,
    CreditRating,
    DeliveryChannel,
    DeliveryState,
    DepartmentNotice,
    Evaluation,
    EvaluationRun,
    FeedbackDelivery,
    Grade,
    Publication,
    ScoringPolicy,
    SubjectKind,
    SurveyAnswer,
    SurveyRound,
    UnitView,
)
from evaluations.months import add_months, month_label, month_start
from orgs.models import IN_SYSTEM_KINDS, OUT_OF_SYSTEM_KINDS, OrgKind, OrgNode
from portal.models import User
from portal.notify import MAX_ATTEMPTS
from portal.scope import Scope, scope_for


def _scope_q(user: User | AnonymousUser) -> Q:
    return scope_for(user).q(community="community", unit="unit", street="street")


def street_ids_of(user: User | AnonymousUser) -> set[int]:
    """Return the ids of the streets the user works in (any role)."""
    scope = scope_for(user)
    cached = getattr(scope, "_evaluation_street_ids", None)
    if cached is not None:
        return cached
    ids: set[int | None] = set(scope.street_ids)
    others = (scope.community_ids | scope.unit_ids) - ids
    if others:
        ids |= set(
            OrgNode.objects.filter(pk__in=others).values_list("street_id", flat=True)
        )
    if scope.is_superuser and not ids:
        ids = set(
            OrgNode.objects.filter(kind=OrgKind.STREET).values_list("pk", flat=True)
        )
    ids.discard(None)
    street_ids = cast(set[int], ids)
    scope._evaluation_street_ids = street_ids  # type: ignore[attr-defined]
    return street_ids


def street_for(
    user: User | AnonymousUser, street_id: int | None = None
) -> OrgNode | None:
    """Return the street a page works on: the user's (first) street, or None."""
    ids = street_ids_of(user)
    if street_id is not None:
        return OrgNode.objects.filter(pk=street_id, pk__in=ids).first()
    if not ids:
        return None
    return OrgNode.objects.filter(pk=min(ids)).first()


# -- policies -----------------------------------------------------------------------------


def policy_in_force(*, street: OrgNode, month: date) -> ScoringPolicy | None:
    """Return the policy version in force for ``month`` (``None`` if none yet)."""
    return (
        ScoringPolicy.objects.filter(street=street, effective_month__lte=month)
        .order_by("-effective_month", "-version")
        .first()
    )


def policy_list(*, street: OrgNode) -> QuerySet[ScoringPolicy]:
    return ScoringPolicy.objects.filter(street=street).select_related("created_by")


# -- runs and results ----------------------------------------------------------------------


def run_list(*, user: User | AnonymousUser) -> QuerySet[EvaluationRun]:
    """Runs of the streets the user sees whole (street roles only)."""
    scope = scope_for(user)
    return (
        EvaluationRun.objects.filter(scope.q(community=None, street="street"))
        .select_related("policy", "created_by")
        .order_by("-created_at", "-id")
    )


def run_get(*, user: User | AnonymousUser, pk: int) -> EvaluationRun:
    return get_object_or_404(run_list(user=user), pk=pk)


#: How many finished months back the run page offers to run. An older month
#: that is not published may still be run (typed in, or by the command).
RUN_MONTHS_OFFERED = 12


def run_month_refusals(
    *, street_id: int, months: Iterable[date], today: date | None = None
) -> dict[date, str | None]:
    """Return, for each month, why it may not be run (a sentence), else ``None``.

    The one rule of which months may be run, read by the run page (its default
    month and its form), ``evaluation_run_start`` and ``run_monthly_evaluation``:
    a month may be run once it is over and until it is published (publishing
    freezes it). A run already going on is refused by the service alone: it
    ends by itself.
    """
    months = [month_start(m) for m in months]
    current = month_start(today or timezone.localdate())
    published = set(
        Publication.objects.filter(street_id=street_id, month__in=months).values_list(
            "month", flat=True
        )
    )
    refusals: dict[date, str | None] = {}
    for month in months:
        if month >= current:
            refusals[month] = _(
                "只能评议已经结束的月份（%s 尚未结束）。"
            ) % month_label(month)
        elif month in published:
            refusals[month] = _(
                "%s 的评议结果已发布，已冻结，不能再重新评议或调整。"
            ) % month_label(month)
        else:
            refusals[month] = None
    return refusals


def run_month_refusal(
    *, street_id: int, month: date, today: date | None = None
) -> str | None:
    """Return why ``month`` may not be run for the street, or ``None`` if it may."""
    return run_month_refusals(street_id=street_id, months=[month], today=today)[
        month_start(month)
    ]


def run_months_open(
    *, street_id: int, today: date | None = None, count: int = RUN_MONTHS_OFFERED
) -> list[date]:
    """Return the months of the last ``count`` finished ones that may be run,
    newest first (the first is the run page's default)."""
    current = month_start(today or timezone.localdate())
    months = [add_months(current, -n) for n in range(1, count + 1)]
    refusals = run_month_refusals(street_id=street_id, months=months, today=today)
    return [month for month in months if refusals[month] is None]


def publication_list(*, street: OrgNode) -> QuerySet[Publication]:
    return Publication.objects.filter(street=street).select_related(
        "policy", "published_by"
    )


def published_months(*, street: OrgNode) -> list[date]:
    return list(
        Publication.objects.filter(street=street)
        .order_by("-month")
        .values_list("month", flat=True)
    )


def _visible_results(user: User | AnonymousUser) -> QuerySet[Evaluation]:
    """Results in scope; before publication a month is the street's draft,
    so only street staff see it (units and communities get it when published)."""
    queryset = Evaluation.objects.filter(_scope_q(user))
    if not scope_for(user).is_street_level:
        queryset = queryset.filter(publication__isnull=False)
    return queryset


def evaluation_list(*, user: User | AnonymousUser) -> QuerySet[Evaluation]:
    return _visible_results(user).select_related(
        "unit", "committee", "community", "policy", "publication"
    )


def evaluation_filter(
    queryset: QuerySet[Evaluation],
    *,
    month: date | None = None,
    community: int | None = None,
    kind: str | None = None,
    grade: str | None = None,
    unit: int | None = None,
    committee: int | None = None,
) -> QuerySet[Evaluation]:
    """Apply the results table's filters (each optional)."""
    if month is not None:
        queryset = queryset.filter(month=month)
    if community:
        queryset = queryset.filter(community_id=community)
    if unit:
        queryset = queryset.filter(unit_id=unit)
    if committee:
        queryset = queryset.filter(committee_id=committee)
    if grade:
        queryset = queryset.filter(grade=grade)
    if kind == SubjectKind.COMMITTEE:
        queryset = queryset.filter(kind=SubjectKind.COMMITTEE)
    elif kind == SubjectKind.UNIT:
        queryset = queryset.filter(kind=SubjectKind.UNIT)
    elif kind == "in_system":
        queryset = queryset.filter(unit__unit_kind__in=IN_SYSTEM_KINDS)
    elif kind == "out_of_system":
        queryset = queryset.filter(unit__unit_kind__in=OUT_OF_SYSTEM_KINDS)
    elif kind:
        queryset = queryset.filter(unit__unit_kind=kind)
    return queryset


def evaluation_get(*, user: User | AnonymousUser, pk: int) -> Evaluation:
    return get_object_or_404(evaluation_list(user=user), pk=pk)


def evaluation_months(*, user: User | AnonymousUser) -> list[date]:
    """Months that have results the user may see, newest first."""
    return list(
        _visible_results(user)
        .order_by("-month")
        .values_list("month", flat=True)
        .distinct()
    )


def unit_list(*, user: User | AnonymousUser) -> QuerySet[OrgNode]:
    """Units (驻街单位) in the user's scope."""
    return OrgNode.objects.filter(scope_for(user).org_q(), kind=OrgKind.UNIT)


def unit_get(*, user: User | AnonymousUser, pk: int) -> OrgNode:
    return get_object_or_404(unit_list(user=user).select_related("community"), pk=pk)


def unit_history(*, user: User | AnonymousUser, unit: OrgNode) -> QuerySet[Evaluation]:
    """A unit's monthly results the user may see, oldest first (the chart)."""
    return (
        _visible_results(user)
        .filter(unit=unit)
        .order_by("month")
        .only("month", "score", "grade", "computed_grade", "publication_id")
    )


def grade_counts(queryset: QuerySet[Evaluation]) -> dict[str, int]:
    """Return ``{grade: n}`` of a results queryset (one GROUP BY)."""
    return dict(
        queryset.order_by()
        .values("grade")
        .annotate(n=Count("pk"))
        .values_list("grade", "n")
    )


# -- feedback deliveries ------------------------------------------------------------------


def delivery_state() -> Case:
    """Return the expression of a delivery's state (``DeliveryState``).

    Delivered: in the inbox, or its SMS sent. Pending: an SMS waiting for the
    sender. Undeliverable: no channel, or an SMS that failed for good (its
    retries spent, or cancelled). Derived from the reminder row, never stored,
    so the page's counts follow the sender without a second record.
    """
    return Case(
        When(channel=DeliveryChannel.INBOX, then=Value(DeliveryState.DELIVERED)),
        When(
            channel=DeliveryChannel.SMS,
            reminder__sent_at__isnull=False,
            then=Value(DeliveryState.DELIVERED),
        ),
        When(
            channel=DeliveryChannel.SMS,
            reminder__isnull=False,
            reminder__cancelled_at__isnull=True,
            reminder__attempts__lt=MAX_ATTEMPTS,
            then=Value(DeliveryState.PENDING),
        ),
        default=Value(DeliveryState.UNDELIVERABLE),
        output_field=CharField(),
    )


def delivery_list(
    *, user: User | AnonymousUser, publication: Publication, state: str | None = None
) -> QuerySet[FeedbackDelivery]:
    """The publication's deliveries the user sees, with their ``state``."""
    queryset = (
        FeedbackDelivery.objects.filter(publication=publication)
        .filter(
            scope_for(user).q(
                community="evaluation__community",
                unit="evaluation__unit",
                street="evaluation__street",
            )
        )
        .annotate(state=delivery_state())
    )
    if state:
        queryset = queryset.filter(state=state)
    return queryset


def delivery_counts(
    *, user: User | AnonymousUser, publication: Publication
) -> dict[str, int]:
    """Return ``{state: n}`` of the publication's deliveries (one GROUP BY)."""
    counts = dict.fromkeys(DeliveryState.values, 0)
    rows = (
        delivery_list(user=user, publication=publication)
        .order_by()
        # ``state`` is delivery_list's annotation, unknown to the model's stubs.
        .values("state")  # type: ignore[misc]
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    counts.update(rows)
    return counts


# -- credit ratings and appeals --------------------------------------------------------


def latest_rating_ids() -> Subquery:
    """A subquery of the id of every unit's latest rating row."""
    return Subquery(
        CreditRating.objects.order_by()
        .values("unit")
        .annotate(latest=Max("id"))
        .values("latest")
    )


def rating_list(
    *, user: User | AnonymousUser, current: bool = True
) -> QuerySet[CreditRating]:
    """Credit ratings in scope: each unit's current one (or the whole history)."""
    queryset = CreditRating.objects.filter(_scope_q(user)).select_related(
        "unit", "community", "decided_by"
    )
    if current:
        queryset = queryset.filter(pk__in=latest_rating_ids())
    return queryset


def rating_current(*, unit: OrgNode) -> CreditRating | None:
    return CreditRating.objects.filter(unit=unit).order_by("-id").first()


def rating_history(*, unit: OrgNode) -> QuerySet[CreditRating]:
    return (
        CreditRating.objects.filter(unit=unit)
        .select_related("decided_by")
        .order_by("-id")
    )


def rated_unit_get(*, user: User | AnonymousUser, pk: int) -> OrgNode:
    """An out-of-system unit in scope (ratings apply only to those)."""
    return get_object_or_404(
        unit_list(user=user)
        .filter(unit_kind__in=OUT_OF_SYSTEM_KINDS)
        .select_related("community"),
        pk=pk,
    )


def appeal_list(*, user: User | AnonymousUser) -> QuerySet[Appeal]:
    return (
        Appeal.objects.filter(_scope_q(user))
        .select_related("unit", "community", "rating", "submitted_by", "decided_by")
        .order_by("-created_at", "-id")
    )


def appeal_get(*, user: User | AnonymousUser, pk: int) -> Appeal:
    return get_object_or_404(appeal_list(user=user), pk=pk)


def in_system_unit_get(*, user: User | AnonymousUser, pk: int) -> OrgNode:
    return get_object_or_404(
        unit_list(user=user)
        .filter(unit_kind__in=IN_SYSTEM_KINDS)
        .select_related("community"),
        pk=pk,
    )


# -- notices ------------------------------------------------------------------------------


def notice_list(*, user: User | AnonymousUser) -> QuerySet[DepartmentNotice]:
    scope = scope_for(user)
    return DepartmentNotice.objects.filter(
        scope.q(community=None, street="street")
    ).select_related("created_by")


def notice_get(*, user: User | AnonymousUser, pk: int) -> DepartmentNotice:
    return get_object_or_404(notice_list(user=user), pk=pk)


# -- commitments ---------------------------------------------------------------------------


def commitment_list(
    *, user: User | AnonymousUser, year: int | None = None
) -> QuerySet[Commitment]:
    """Commitments of the user's streets (every role of the street sees them)."""
    queryset = Commitment.objects.filter(street_id__in=street_ids_of(user))
    if year:
        queryset = queryset.filter(year=year)
    return queryset.annotate(
        answers_count=Count("answers"), average_score=Avg("answers__score")
    ).order_by("-year", "theme", "id")


def commitment_years(*, user: User | AnonymousUser) -> list[int]:
    return sorted(
        set(
            Commitment.objects.filter(street_id__in=street_ids_of(user)).values_list(
                "year", flat=True
            )
        ),
        reverse=True,
    )


def unit_view_list(
    *, user: User | AnonymousUser, year: int | None = None
) -> QuerySet[UnitView]:
    queryset = UnitView.objects.filter(_scope_q(user)).select_related("unit")
    if year:
        queryset = queryset.filter(year=year)
    return queryset


def survey_list(
    *, user: User | AnonymousUser, year: int | None = None
) -> QuerySet[SurveyRound]:
    queryset = SurveyRound.objects.filter(street_id__in=street_ids_of(user))
    if year:
        queryset = queryset.filter(year=year)
    return queryset


def survey_get(*, user: User | AnonymousUser, pk: int) -> SurveyRound:
    return get_object_or_404(survey_list(user=user), pk=pk)


def survey_results(*, survey: SurveyRound) -> list[dict[str, Any]]:
    """Return each commitment of the survey's year with its answers' figures."""
    commitments = Commitment.objects.filter(street=survey.street, year=survey.year)
    rows = (
        SurveyAnswer.objects.filter(round=survey)
        .order_by()
        .values("commitment_id")
        .annotate(n=Count("pk"), avg=Avg("score"))
    )
    figures = {row["commitment_id"]: row for row in rows}
    results = []
    for commitment in commitments.order_by("theme", "id"):
        row = figures.get(commitment.pk, {})
        results.append(
            {
                "commitment": commitment,
                "answers": row.get("n", 0),
                "average": round(row["avg"], 2) if row.get("avg") else None,
            }
        )
    return results


def survey_units_answered(*, survey: SurveyRound) -> int:
    return (
        SurveyAnswer.objects.filter(round=survey).values("unit_id").distinct().count()
    )


def survey_answers_of_unit(
    *, survey: SurveyRound, unit: OrgNode
) -> dict[int, SurveyAnswer]:
    return {
        a.commitment_id: a for a in SurveyAnswer.objects.filter(round=survey, unit=unit)
    }


# -- the routine notice (S21) --------------------------------------------------------------


def evaluation_notice_figures(
    *, scope: Scope, start: date, end: date
) -> dict[str, Any]:
    """Return the evaluations' part of the routine notice for ``start``–``end``.

    A dict of ``month``, the last month published in the period (``None`` when
    none); ``grades``, ``{grade: n}`` of that month's units; ``levels``,
    ``{level: n}`` of the credit ratings in force at the period's end;
    ``changed``, how many units' rating was given or changed in the period; and
    ``units``: those units and the ones graded excellent or poor that month,
    the best grade first, each with ``unit``, ``community``, ``code``,
    ``grade`` and ``score`` (``""`` and ``None`` when not graded that month),
    ``level`` and ``stars`` in force at the end (``None`` when not rated),
    ``before`` (``(level, stars)`` before the period, ``None`` when first rated
    in it) and ``changed``. Four queries, whatever the number of units.
    """
    q = scope.q(community="community", unit="unit", street="street")
    published = Evaluation.objects.filter(
        q, kind=SubjectKind.UNIT, publication__isnull=False
    )
    first = start.replace(day=1)
    month = published.filter(month__gte=first, month__lte=end).aggregate(
        last=Max("month")
    )["last"]
    units = {}
    for pk, name, community, code, grade, score in published.filter(
        month=month
    ).values_list(
        "unit_id", "unit__name", "community__name", "unit__code", "grade", "score"
    ):
        units[pk] = {
            "unit": name,
            "community": community or "",
            "code": code,
            "grade": grade,
            "score": score,
        }
    ratings = CreditRating.objects.filter(q)
    latest = (
        ratings.filter(as_of_month__lte=end)
        .values("unit")
        .annotate(latest=Max("id"))
        .values("latest")
    )
    in_force = {
        pk: (level, stars)
        for pk, level, stars in ratings.filter(pk__in=Subquery(latest)).values_list(
            "unit_id", "level", "stars"
        )
    }
    before = {}
    for rating in (
        ratings.filter(as_of_month__gte=first, as_of_month__lte=end)
        .select_related("unit", "community", "previous")
        .order_by("id")
    ):
        if rating.unit_id not in before:
            previous = rating.previous
            before[rating.unit_id] = (
                (previous.level, previous.stars) if previous else None
            )
            units.setdefault(
                rating.unit_id,
                {
                    "unit": rating.unit.name,
                    "community": rating.community.name,
                    "code": rating.unit.code,
                    "grade": "",
                    "score": None,
                },
            )
    changed = {pk for pk, was in before.items() if was != in_force.get(pk)}
    named = []
    for pk, unit in units.items():
        if pk in changed or unit["grade"] in (Grade.EXCELLENT, Grade.POOR):
            level, stars = in_force.get(pk, (None, None))
            named.append(
                {
                    **unit,
                    "level": level,
                    "stars": stars,
                    "before": before.get(pk),
                    "changed": pk in changed,
                }
            )
    order = {grade: i for i, grade in enumerate(GRADE_ORDER)}
    named.sort(key=lambda u: (order.get(u["grade"], len(order)), u["code"]))
    return {
        "month": month,
        "grades": dict(Counter(u["grade"] for u in units.values() if u["grade"])),
        "levels": dict(Counter(level for level, _stars in in_force.values())),
        "changed": len(changed),
        "units": named,
    }
