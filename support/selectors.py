"""Reads of the support app, always through the caller's scope.

Another scope's object is simply not in the queryset, so ``get_object_or_404``
on a selector answers 404 for "not yours" and "not found" alike. Pages, API,
exports and stats use these same functions.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Count,
    DecimalField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.functional import Promise

from orgs.models import OrgKind, OrgNode
from portal.models import User
from portal.scope import Scope, scope_for
from support.models import (
    MIN_COMMUNITY_FUNDS_YUAN,
    REQUIRED_TRAININGS_PER_YEAR,
    AttendanceStatus,
    Budget,
    BudgetLine,
    SocialOrg,
    SpecialFund,
    SpecialFundEntry,
    Spending,
    Training,
    TrainingAttendance,
    Worker,
)

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=14, decimal_places=2))


def _today(today: datetime.date | None = None) -> datetime.date:
    return today or timezone.localdate()


def year_range(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


# -- scope filters -------------------------------------------------------------
def fact_q(scope: Scope) -> Q:
    """Return a Q for rows carrying ``street``/``community`` in ``scope``."""
    return scope.q(community="community", street="street")


def training_q(scope: Scope) -> Q:
    """Return a Q for trainings in scope.

    A street-wide training (no community) is seen by street staff and by the
    secretaries of the street's communities, whose workers attend it.
    """
    q = fact_q(scope)
    if not scope.is_superuser and scope.community_ids:
        streets_of_communities = OrgNode.objects.filter(
            pk__in=scope.community_ids
        ).values("street_id")
        q |= Q(community__isnull=True, street__in=streets_of_communities)
    return q


def street_q(scope: Scope) -> Q:
    """Return a Q for street-level rows (the special fund): street roles only."""
    return scope.q(community=None, street="street")


def communities_in_scope(scope: Scope) -> QuerySet[OrgNode]:
    return OrgNode.objects.filter(scope.org_q(), kind=OrgKind.COMMUNITY).order_by(
        "code"
    )


def streets_in_scope(scope: Scope) -> QuerySet[OrgNode]:
    if scope.is_superuser:
        return OrgNode.objects.filter(kind=OrgKind.STREET).order_by("code")
    return OrgNode.objects.filter(pk__in=scope.street_ids).order_by("code")


# -- workers ---------------------------------------------------------------------
def trainings_attended_count(year: int, prefix: str = "") -> Count:
    """Return the annotation: trainings attended (present) in ``year``."""
    start, end = year_range(year)
    return Count(
        f"{prefix}attendances",
        filter=Q(
            **{
                f"{prefix}attendances__status": AttendanceStatus.PRESENT,
                f"{prefix}attendances__training__held_on__gte": start,
                f"{prefix}attendances__training__held_on__lte": end,
            }
        ),
        distinct=True,
    )


def workers_visible(scope: Scope) -> QuerySet[Worker]:
    return Worker.objects.filter(fact_q(scope))


def worker_list(
    *,
    user: User | AnonymousUser,
    community: OrgNode | None = None,
    worker_type: str = "",
    search: str = "",
    active: bool | None = True,
    compliance: str = "",
    today: datetime.date | None = None,
) -> QuerySet[Worker]:
    """Return the workers in scope, annotated with ``trainings_year`` (this year).

    ``compliance`` is ``"under"`` (fewer than the required trainings this year)
    or ``"met"``; ``active`` None means active and departed alike.
    """
    today = _today(today)
    qs = (
        workers_visible(scope_for(user))
        .select_related("person", "community")
        .prefetch_related("cells")
        .annotate(trainings_year=trainings_attended_count(today.year))
    )
    if community is not None:
        qs = qs.filter(community=community)
    if worker_type:
        qs = qs.filter(worker_type=worker_type)
    if search:
        qs = qs.filter(
            Q(person__name__icontains=search)
            | Q(employer__icontains=search)
            | Q(cells__code__icontains=search)
        ).distinct()
    if active is True:
        qs = qs.filter(left_on__isnull=True)
    elif active is False:
        qs = qs.filter(left_on__isnull=False)
    if compliance == "under":
        qs = qs.filter(trainings_year__lt=REQUIRED_TRAININGS_PER_YEAR)
    elif compliance == "met":
        qs = qs.filter(trainings_year__gte=REQUIRED_TRAININGS_PER_YEAR)
    return qs


def worker_compliance_list(
    *,
    user: User | AnonymousUser,
    community: OrgNode | None = None,
    worker_type: str = "",
    today: datetime.date | None = None,
) -> QuerySet[Worker]:
    """Return active workers with fewer than the required trainings this year."""
    return worker_list(
        user=user,
        community=community,
        worker_type=worker_type,
        compliance="under",
        today=today,
    )


def workers_count_by_community(
    workers: QuerySet[Worker],
) -> list[tuple[int, str, int]]:
    """Return ``[(community_id, community name, n)]`` for a worker queryset.

    ``workers`` may carry an aggregate filter (the compliance rule); grouping
    it again directly would regroup that aggregate, so group its ids instead.
    """
    return list(
        Worker.objects.filter(pk__in=workers.order_by().values("pk"))
        .values_list("community_id", "community__name")
        .annotate(n=Count("id"))
        .order_by("-n", "community__code")
    )


def worker_get(*, user: User | AnonymousUser, pk: int) -> Worker:
    qs = workers_visible(scope_for(user)).select_related(
        "person", "community", "street"
    )
    return get_object_or_404(qs, pk=pk)


def worker_attendances(*, worker: Worker) -> QuerySet[TrainingAttendance]:
    return worker.attendances.select_related("training").order_by(
        "-training__held_on", "-id"
    )


def workers_under_requirement_count(
    scope: Scope, today: datetime.date | None = None
) -> int:
    start, end = year_range(_today(today).year)
    workers = workers_visible(scope).filter(left_on__isnull=True)
    # The workers who met the requirement, from their own attendance rows (an
    # index read per worker), not a join of every street's attendance.
    trained = (
        TrainingAttendance.objects.filter(
            worker__in=workers.values("pk"),
            status=AttendanceStatus.PRESENT,
            training__held_on__gte=start,
            training__held_on__lte=end,
        )
        .order_by()
        .values("worker")
        .annotate(n=Count("pk"))
        .filter(n__gte=REQUIRED_TRAININGS_PER_YEAR)
        .values("worker")
    )
    return workers.exclude(pk__in=trained).count()


# -- trainings --------------------------------------------------------------------
def trainings_visible(scope: Scope) -> QuerySet[Training]:
    return Training.objects.filter(training_q(scope))


def training_list(
    *,
    user: User | AnonymousUser,
    year: int | None = None,
    community: OrgNode | None = None,
    search: str = "",
) -> QuerySet[Training]:
    """Return trainings in scope with ``present_count`` (every attendee)."""
    qs = (
        trainings_visible(scope_for(user))
        .select_related("community")
        .annotate(
            present_count=Count(
                "attendances",
                filter=Q(attendances__status=AttendanceStatus.PRESENT),
            )
        )
    )
    if year:
        start, end = year_range(year)
        qs = qs.filter(held_on__gte=start, held_on__lte=end)
    if community is not None:
        qs = qs.filter(Q(community=community) | Q(community__isnull=True))
    if search:
        qs = qs.filter(Q(topic__icontains=search) | Q(trainer__icontains=search))
    return qs


def training_get(*, user: User | AnonymousUser, pk: int) -> Training:
    qs = trainings_visible(scope_for(user)).select_related("community", "street")
    return get_object_or_404(qs, pk=pk)


def training_eligible_workers(
    *, user: User | AnonymousUser, training: Training
) -> QuerySet[Worker]:
    """Return the workers of ``user``'s scope who could attend ``training``.

    Eligible: same street (and community, for a community training), of the
    training's audience, in post on the day it was held.
    """
    qs = workers_visible(scope_for(user)).filter(
        street_id=training.street_id, hired_on__lte=training.held_on
    )
    qs = qs.filter(Q(left_on__isnull=True) | Q(left_on__gte=training.held_on))
    if training.community_id:
        qs = qs.filter(community_id=training.community_id)
    if training.audience:
        qs = qs.filter(worker_type=training.audience)
    return qs.select_related("person", "community").order_by(
        "community__code", "worker_type", "person__name", "id"
    )


def training_attendance_map(
    *, training: Training, workers: Iterable[Worker]
) -> dict[int, str]:
    """Return ``{worker_id: status}`` for ``workers`` at ``training``."""
    return dict(
        TrainingAttendance.objects.filter(
            training=training, worker__in=workers
        ).values_list("worker_id", "status")
    )


def trainings_this_year_count(scope: Scope, today: datetime.date | None = None) -> int:
    today = _today(today)
    return (
        trainings_visible(scope)
        .filter(held_on__gte=datetime.date(today.year, 1, 1), held_on__lte=today)
        .count()
    )


# -- social organisations ------------------------------------------------------------
def social_orgs_visible(scope: Scope) -> QuerySet[SocialOrg]:
    return SocialOrg.objects.filter(fact_q(scope))


def social_org_list(
    *,
    user: User | AnonymousUser,
    community: OrgNode | None = None,
    kind: str = "",
    status: str = "",
    search: str = "",
) -> QuerySet[SocialOrg]:
    qs = social_orgs_visible(scope_for(user)).select_related("community")
    if community is not None:
        qs = qs.filter(community=community)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if search:
        qs = qs.filter(
            Q(name__icontains=search)
            | Q(activity__icontains=search)
            | Q(leader_name__icontains=search)
        )
    return qs


def social_org_get(*, user: User | AnonymousUser, pk: int) -> SocialOrg:
    qs = social_orgs_visible(scope_for(user)).select_related("community", "street")
    return get_object_or_404(qs, pk=pk)


def social_org_summary(scope: Scope) -> dict[str, Any]:
    """Return counts by kind and by status (two GROUP BYs)."""
    qs = social_orgs_visible(scope)
    by_kind = dict(qs.values_list("kind").annotate(n=Count("id")).order_by())
    by_status = dict(qs.values_list("status").annotate(n=Count("id")).order_by())
    return {"total": sum(by_kind.values()), "kind": by_kind, "status": by_status}


# -- community funds ----------------------------------------------------------------
def budgets_visible(scope: Scope) -> QuerySet[Budget]:
    return Budget.objects.filter(fact_q(scope))


def spendings_visible(scope: Scope) -> QuerySet[Spending]:
    return Spending.objects.filter(fact_q(scope))


def spent_sum() -> Coalesce:
    """Return the annotation: a budget's spending, voided records excluded."""
    return Coalesce(
        Sum("spendings__amount", filter=Q(spendings__voided_at__isnull=True)), ZERO
    )


def budget_list(
    *,
    user: User | AnonymousUser,
    year: int | None = None,
    community: OrgNode | None = None,
    line: str = "",
) -> QuerySet[Budget]:
    qs = (
        budgets_visible(scope_for(user))
        .select_related("community")
        .annotate(spent=spent_sum())
    )
    if year:
        qs = qs.filter(year=year)
    if community is not None:
        qs = qs.filter(community=community)
    if line:
        qs = qs.filter(line=line)
    return qs


def budget_get(*, user: User | AnonymousUser, pk: int) -> Budget:
    qs = budgets_visible(scope_for(user)).select_related("community", "street")
    return get_object_or_404(qs.annotate(spent=spent_sum()), pk=pk)


def community_budget_total() -> Coalesce:
    """Return the annotation on communities: their three lines' total for a year."""
    total = (
        Budget.objects.filter(community=OuterRef("pk"), year=OuterRef("_fund_year"))
        .order_by()
        .values("community")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(total), ZERO)


def communities_with_totals(scope: Scope, year: int) -> QuerySet[OrgNode]:
    """Return the communities in scope annotated with ``funds_total`` for ``year``."""
    return (
        communities_in_scope(scope)
        .annotate(_fund_year=Value(year))
        .annotate(funds_total=community_budget_total())
    )


def communities_underfunded(scope: Scope, year: int) -> QuerySet[OrgNode]:
    """Return communities whose three lines total under the S19 minimum.

    A community with no budget recorded for the year totals 0, so it is flagged:
    the check is there to catch a community left without funds.
    """
    return communities_with_totals(scope, year).filter(
        funds_total__lt=MIN_COMMUNITY_FUNDS_YUAN
    )


@dataclass
class CommunityFunds:
    community: OrgNode
    year: int
    lines: dict[str, Budget] = field(
        default_factory=dict
    )  # line → Budget (with .spent)
    total: Decimal = Decimal("0")
    spent: Decimal = Decimal("0")

    @property
    def underfunded(self) -> bool:
        return self.total < MIN_COMMUNITY_FUNDS_YUAN

    @property
    def shortfall(self) -> Decimal:
        return max(MIN_COMMUNITY_FUNDS_YUAN - self.total, Decimal("0"))

    @property
    def line_cells(self) -> list[tuple[str, str | Promise, Budget | None]]:
        """Return ``(line value, label, budget or None)`` in the lines' order."""
        return [
            (value, label, self.lines.get(value)) for value, label in BudgetLine.choices
        ]


def funds_overview(
    *, user: User | AnonymousUser, year: int, community: OrgNode | None = None
) -> list[CommunityFunds]:
    """Return one ``CommunityFunds`` per community in scope (two queries)."""
    scope = scope_for(user)
    communities = communities_in_scope(scope)
    if community is not None:
        communities = communities.filter(pk=community.pk)
    rows = {c.pk: CommunityFunds(community=c, year=year) for c in communities}
    budgets = (
        budgets_visible(scope)
        .filter(year=year, community_id__in=list(rows))
        .annotate(spent=spent_sum())
    )
    for budget in budgets:
        row = rows[budget.community_id]
        row.lines[budget.line] = budget
        row.total += budget.amount
        row.spent += budget.spent
    return list(rows.values())


def spending_list(
    *,
    user: User | AnonymousUser,
    year: int | None = None,
    community: OrgNode | None = None,
    line: str = "",
    include_void: bool = True,
) -> QuerySet[Spending]:
    qs = spendings_visible(scope_for(user)).select_related(
        "community", "budget", "created_by"
    )
    if year:
        qs = qs.filter(budget__year=year)
    if community is not None:
        qs = qs.filter(community=community)
    if line:
        qs = qs.filter(budget__line=line)
    if not include_void:
        qs = qs.filter(voided_at__isnull=True)
    return qs


def spending_get(*, user: User | AnonymousUser, pk: int) -> Spending:
    qs = spendings_visible(scope_for(user)).select_related(
        "community", "budget", "street"
    )
    return get_object_or_404(qs, pk=pk)


# -- special fund ----------------------------------------------------------------------
def special_funds_visible(scope: Scope) -> QuerySet[SpecialFund]:
    return SpecialFund.objects.filter(street_q(scope))


def special_fund_list(*, user: User | AnonymousUser) -> QuerySet[SpecialFund]:
    return (
        special_funds_visible(scope_for(user))
        .select_related("street")
        .annotate(
            balance=Coalesce(Sum("entries__amount"), ZERO),
            entry_count=Count("entries"),
        )
    )


def special_fund_get(*, user: User | AnonymousUser, pk: int) -> SpecialFund:
    qs = special_funds_visible(scope_for(user)).annotate(
        balance=Coalesce(Sum("entries__amount"), ZERO)
    )
    return get_object_or_404(qs, pk=pk)


def special_fund_ledger(*, fund: SpecialFund) -> QuerySet[SpecialFundEntry]:
    """Return the fund's entries in order with a running ``balance`` after each.

    The window runs over the whole fund, so page the result, never filter it.
    """
    return (
        SpecialFundEntry.objects.filter(fund=fund)
        .select_related("community", "unit", "reverses", "created_by")
        .annotate(
            balance=Window(Sum("amount"), order_by=["occurred_on", "id"]),
            reversed_by_id=Subquery(
                SpecialFundEntry.objects.filter(reverses=OuterRef("pk")).values("pk")[
                    :1
                ]
            ),
        )
        .order_by("occurred_on", "id")
    )


def special_fund_entries_visible(scope: Scope) -> QuerySet[SpecialFundEntry]:
    return SpecialFundEntry.objects.filter(street_q(scope))


def special_fund_entry_get(*, user: User | AnonymousUser, pk: int) -> SpecialFundEntry:
    qs = special_fund_entries_visible(scope_for(user)).select_related("fund")
    return get_object_or_404(qs, pk=pk)
