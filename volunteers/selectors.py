"""Reusable reads of the volunteers app, each filtered by the reader's scope.

Another scope's object is not found (404) because every fetch goes through
these querysets; pages, API and exports share them, so they always agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Case,
    Count,
    DateField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractMonth, TruncMonth
from django.shortcuts import get_object_or_404
from django.utils import timezone

from orgs.models import OrgNode
from portal.models import Role, User
from portal.scope import Scope, scope_for
from volunteers.models import (
    ATTENDED,
    DONE_STATUSES,
    MONTHLY_SERVICES_REQUIRED,
    YEARLY_SERVICES_REQUIRED,
    Activity,
    ActivityStatus,
    CheckIn,
    ClaimStatus,
    EntryKind,
    GroupServiceEvent,
    InServiceYearReview,
    LoveStation,
    MicroWish,
    PointsAccount,
    PointsEntry,
    Redemption,
    StationItem,
    Team,
    Volunteer,
    VolunteerKind,
)
from volunteers.rules import Claim, quarter_months

# Read by the pages and the API as selectors; they live in ``volunteers.rules``.
from volunteers.rules import mask_address as mask_address
from volunteers.rules import mask_name as mask_name
from volunteers.rules import mask_phone as mask_phone
from volunteers.rules import resident_view as resident_view

T = TypeVar("T")

# -- scope helpers -----------------------------------------------------------------


def _cached(scope: Scope, name: str, compute: Callable[[], T]) -> T:
    value = getattr(scope, name, None)
    if value is None:
        value = compute()
        try:
            setattr(scope, name, value)
        except AttributeError:
            pass
    return value


def volunteer_street_ids(scope: Scope) -> set[int]:
    """Return the streets of the communities where the user volunteers."""
    ids = scope.volunteer_community_ids
    if not ids:
        return set()
    return _cached(
        scope,
        "_volunteer_streets",
        lambda: set(
            OrgNode.objects.filter(pk__in=ids).values_list("street_id", flat=True)
        ),
    )


def unit_street_ids(scope: Scope) -> set[int]:
    """Return the streets of the units a unit head sees."""
    ids = scope.unit_ids
    if not ids:
        return set()
    return _cached(
        scope,
        "_unit_streets",
        lambda: set(
            OrgNode.objects.filter(pk__in=ids).values_list("street_id", flat=True)
        ),
    )


def scoped(scope: Scope, *filters: Q) -> Q:
    """OR ``filters`` together; a superuser sees every row.

    Needed because ``scope.q()`` is an empty ``Q()`` for a superuser, and an
    empty Q vanishes in an OR (``Q() | X`` is just ``X``).
    """
    if scope.is_superuser:
        return Q()
    q = Q(pk__in=[])
    for f in filters:
        q |= f
    return q


def area_q(
    scope: Scope,
    *,
    community: str = "community",
    street: str = "street",
    unit: str | None = None,
) -> Q:
    """Return the fact rows a staff role sees: ``scope.q()`` in index-friendly form.

    The same rows as ``scope.q(community=…, street=…, unit=…)`` for rows whose
    ``street`` is their community's street (every fact row here): a street
    role matches on ``street`` alone, and only communities outside the
    user's streets are added. ``WHERE street_id IN (…) ORDER BY … LIMIT``
    can then walk a ``(street, date)`` index instead of sorting the year.
    """
    if scope.is_superuser:
        return Q()
    street_ids = scope.street_ids
    covered = set().union(
        *(scope.role_communities[r] for r in (Role.STREET_ADMIN, Role.STREET_STAFF))
    )
    communities = scope.community_ids - covered if street_ids else scope.community_ids
    q = Q(pk__in=[])
    if street_ids:
        q |= Q(**{f"{street}__in": street_ids})
    if communities:
        q |= Q(**{f"{community}__in": communities})
    if unit and scope.unit_ids:
        q |= Q(**{f"{unit}__in": scope.unit_ids})
    return q


def _staff_q(scope: Scope, unit: str | None = None) -> Q:
    """Return the rows a staff role sees (community, street, unit)."""
    return area_q(scope, unit=unit)


# -- volunteers and teams ----------------------------------------------------------


def volunteer_list(*, user: User | AnonymousUser) -> QuerySet[Volunteer]:
    scope = scope_for(user)
    q = scoped(
        scope,
        area_q(scope, unit="employer_unit"),
        Q(person_id=scope.person_id) if scope.person_id else Q(pk__in=[]),
    )
    return Volunteer.objects.filter(q).select_related(
        "person", "community", "employer_unit", "account"
    )


def volunteer_get(*, user: User | AnonymousUser, pk: int) -> Volunteer:
    return get_object_or_404(volunteer_list(user=user), pk=pk)


def team_list(*, user: User | AnonymousUser) -> QuerySet[Team]:
    scope = scope_for(user)
    q = scoped(
        scope,
        _staff_q(scope, unit="unit"),
        Q(community__in=scope.volunteer_community_ids),
    )
    return (
        Team.objects.filter(q)
        .select_related("community", "unit", "leader__person")
        .annotate(member_count=Count("memberships", distinct=True))
    )


# -- activities and check-ins ----------------------------------------------------------


def activity_list(*, user: User | AnonymousUser) -> QuerySet[Activity]:
    """Return activities the user sees: staff their scope, volunteers their street."""
    scope = scope_for(user)
    q = scoped(
        scope,
        _staff_q(scope, unit="unit"),
        Q(street__in=volunteer_street_ids(scope)),
    )
    return Activity.objects.filter(q).select_related("community", "unit", "street")


def activities_near(
    *, volunteer: Volunteer, now: datetime | None = None
) -> QuerySet[Activity]:
    """Return upcoming and running activities of the volunteer's street.

    The volunteer's own community first, then street-wide ones, then other
    communities of the street, each by start time.
    """
    now = now or timezone.now()
    return (
        Activity.objects.filter(
            street_id=volunteer.street_id,
            status=ActivityStatus.PUBLISHED,
            ends_at__gt=now,
        )
        .annotate(
            nearness=Case(
                When(community_id=volunteer.community_id, then=Value(0)),
                When(community__isnull=True, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .select_related("community", "unit")
        .order_by("nearness", "starts_at", "id")
    )


def own_volunteer_id(scope: Scope) -> int | None:
    """Return the id of the user's own volunteer row (cached on the scope).

    Filtering on this local column (``volunteer_id = …``) rather than on
    ``volunteer__person`` keeps every branch of the scope's OR on an indexed
    column of the fact table, so PostgreSQL can combine index scans.
    """
    person_id = scope.person_id
    if not person_id:
        return None
    value = _cached(
        scope,
        "_own_volunteer",
        lambda: (
            Volunteer.objects.filter(person_id=person_id)
            .values_list("pk", flat=True)
            .first()
            or 0
        ),
    )
    return value or None


def _own_q(scope: Scope) -> Q:
    vid = own_volunteer_id(scope)
    return Q(volunteer_id=vid) if vid else Q(pk__in=[])


def checkin_list(*, user: User | AnonymousUser) -> QuerySet[CheckIn]:
    scope = scope_for(user)
    q = scoped(
        scope,
        area_q(scope, unit="unit"),
        _own_q(scope),
        Q(employer_unit__in=scope.unit_ids),
    )
    return CheckIn.objects.filter(q).select_related(
        "activity", "volunteer__person", "community"
    )


# -- points ------------------------------------------------------------------------------


def _ledger_q(scope: Scope) -> Q:
    return scoped(
        scope,
        area_q(scope),
        _own_q(scope),
        Q(volunteer__employer_unit__in=scope.unit_ids),
    )


def entry_list(*, user: User | AnonymousUser) -> QuerySet[PointsEntry]:
    scope = scope_for(user)
    return PointsEntry.objects.filter(_ledger_q(scope)).select_related(
        "volunteer__person", "community", "created_by"
    )


def account_list(*, user: User | AnonymousUser) -> QuerySet[PointsAccount]:
    scope = scope_for(user)
    return PointsAccount.objects.filter(_ledger_q(scope)).select_related(
        "volunteer__person", "community"
    )


def redemption_list(*, user: User | AnonymousUser) -> QuerySet[Redemption]:
    scope = scope_for(user)
    return Redemption.objects.filter(_ledger_q(scope)).select_related(
        "volunteer__person", "item", "community"
    )


def ledger_by_community(
    *, user: User | AnonymousUser
) -> QuerySet[PointsEntry, dict[str, Any]]:
    """Return points awarded, redeemed and net per community in scope."""
    return (
        entry_list(user=user)
        .order_by()
        .values("community_id", "community__name")
        .annotate(**_ledger_sums())
        .order_by("community__name")
    )


def ledger_by_team(
    *, user: User | AnonymousUser
) -> QuerySet[PointsEntry, dict[str, Any]]:
    """Return points per team (a member in two teams counts in both)."""
    scope = scope_for(user)
    teams = team_list(user=user).values_list("pk", flat=True)
    return (
        PointsEntry.objects.filter(_ledger_q(scope))
        .filter(volunteer__memberships__team__in=teams)
        .order_by()
        .values("volunteer__memberships__team_id", "volunteer__memberships__team__name")
        .annotate(**_ledger_sums())
        .order_by("-awarded", "volunteer__memberships__team__name")
    )


def _ledger_sums() -> dict[str, Any]:
    zero = Value(0)
    return {
        "awarded": Coalesce(Sum("points", filter=Q(kind=EntryKind.AWARD)), zero),
        "redeemed": Coalesce(Sum("points", filter=Q(kind=EntryKind.REDEMPTION)), zero),
        "adjusted": Coalesce(
            Sum(
                "points",
                filter=Q(kind__in=[EntryKind.CORRECTION, EntryKind.REVERSAL]),
            ),
            zero,
        ),
        "net": Coalesce(Sum("points"), zero),
        "entries": Count("id"),
    }


# -- love station -------------------------------------------------------------------------


def station_list(*, user: User | AnonymousUser) -> QuerySet[LoveStation]:
    scope = scope_for(user)
    q = scoped(scope, _staff_q(scope), Q(community__in=scope.volunteer_community_ids))
    return LoveStation.objects.filter(q).select_related("community")


def item_list(*, user: User | AnonymousUser) -> QuerySet[StationItem]:
    scope = scope_for(user)
    q = scoped(scope, _staff_q(scope), Q(community__in=scope.volunteer_community_ids))
    return StationItem.objects.filter(q).select_related("station", "community")


# -- micro-wishes and service posts -------------------------------------------------------


def claimable_list(
    *, user: User | AnonymousUser, model: type[Claim]
) -> QuerySet[Claim]:
    """Return the wishes (or posts) the user sees.

    Staff: their scope. Volunteers: their community's. Unit heads: those of
    their unit's street (they claim street-wide; a loser of a race still sees
    the wish, taken, rather than a 404). The resident stays masked on lists.
    """
    scope = scope_for(user)
    q = scoped(
        scope,
        _staff_q(scope),
        Q(community__in=scope.volunteer_community_ids),
        Q(claimed_by_unit__in=scope.unit_ids),
        Q(street__in=unit_street_ids(scope)) & ~Q(status=ClaimStatus.CANCELLED),
        Q(claimed_by_user_id=scope.user_id) if scope.user_id else Q(pk__in=[]),
    )
    return model.objects.filter(q).select_related(
        "community", "claimed_by_unit", "claimed_by_volunteer__person"
    )


def public_open_wishes(*, community: OrgNode) -> QuerySet[MicroWish]:
    """Return a community's open wishes for the public page (masked there)."""
    return MicroWish.objects.filter(community=community, status=ClaimStatus.OPEN)


# -- group service events --------------------------------------------------------------


def group_event_list(*, user: User | AnonymousUser) -> QuerySet[GroupServiceEvent]:
    scope = scope_for(user)
    return GroupServiceEvent.objects.filter(
        _staff_q(scope, unit="unit")
    ).select_related("unit", "community")


# -- in-service party members (S15) -----------------------------------------------------


def in_service_volunteers(*, user: User | AnonymousUser) -> QuerySet[Volunteer]:
    """Return the in-service party members the user follows.

    Street staff: all; a community: those registered with it; a unit's party
    organisation: its employees.
    """
    scope = scope_for(user)
    return (
        Volunteer.objects.filter(kind=VolunteerKind.IN_SERVICE)
        .filter(area_q(scope, unit="employer_unit"))
        .select_related("person", "community", "employer_unit")
    )


def in_service_monthly_counts(
    volunteers: Iterable[Volunteer],
    year: int,
    months: Iterable[int] | None = None,
) -> dict[int, dict[int, int]]:
    """Return {volunteer id: {month: services}} for ``year``.

    A service is a check-in at a community activity not marked absent.
    """
    rows = CheckIn.objects.filter(
        volunteer__in=volunteers,
        in_service=True,
        attendance__in=ATTENDED,
        checked_in_at__year=year,
    )
    if months:
        rows = rows.filter(checked_in_at__month__in=months)
    counts: defaultdict[int, dict[int, int]] = defaultdict(dict)
    for row in (
        rows.annotate(month=ExtractMonth("checked_in_at"))
        .order_by()
        .values("volunteer_id", "month")
        .annotate(n=Count("id"))
    ):
        counts[row["volunteer_id"]][row["month"]] = row["n"]
    return counts


def year_is_closed(year: int, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return year < today.year


def in_service_units(
    *, user: User | AnonymousUser, year: int, month: int
) -> list[dict[str, Any]]:
    """Return one summary row per employer unit for ``year`` and ``month``."""
    volunteers = in_service_volunteers(user=user)
    counts = in_service_monthly_counts(volunteers, year)
    units: dict[int | None, dict[str, Any]] = {}
    for v in volunteers.order_by().values(
        "id", "employer_unit_id", "employer_unit__name"
    ):
        row = units.setdefault(
            v["employer_unit_id"],
            {
                "unit_id": v["employer_unit_id"],
                "unit_name": v["employer_unit__name"],
                "members": 0,
                "services": 0,
                "below_month": 0,
                "below_year": 0,
            },
        )
        months = counts.get(v["id"], {})
        total = sum(months.values())
        row["members"] += 1
        row["services"] += total
        row["below_month"] += months.get(month, 0) < MONTHLY_SERVICES_REQUIRED
        row["below_year"] += total < YEARLY_SERVICES_REQUIRED
    return sorted(units.values(), key=lambda r: (-r["below_month"], r["unit_name"]))


def in_service_members(
    *,
    user: User | AnonymousUser,
    year: int,
    unit_id: int | None = None,
    month: int | None = None,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """Return each member's services per month of ``year`` and the flags.

    ``below_month``: fewer than one service in ``month``; ``below_year``:
    fewer than ten in the year, which once the year is over means not
    eligible for excellent party member (``not_eligible``).
    """
    members = in_service_volunteers(user=user)
    if unit_id is not None:
        members = members.filter(employer_unit_id=unit_id)
    volunteers = list(members.order_by("employer_unit__name", "person__name", "id"))
    counts = in_service_monthly_counts(volunteers, year)
    closed = year_is_closed(year, today)
    reviews = {}
    if closed:
        reviews = dict(
            InServiceYearReview.objects.filter(
                year=year, volunteer__in=volunteers
            ).values_list("volunteer_id", "eligible_excellent")
        )
    rows = []
    for v in volunteers:
        months = counts.get(v.pk, {})
        total = sum(months.values())
        below_year = total < YEARLY_SERVICES_REQUIRED
        eligible = reviews.get(v.pk, not below_year)
        rows.append(
            {
                "volunteer": v,
                "months": [months.get(m, 0) for m in range(1, 13)],
                "total": total,
                "below_month": month is not None
                and months.get(month, 0) < MONTHLY_SERVICES_REQUIRED,
                "below_year": below_year,
                "not_eligible": closed and not eligible,
            }
        )
    return rows


def service_card(
    *, user: User | AnonymousUser, unit_id: int, year: int, quarter: int
) -> dict[str, Any]:
    """Return the quarter's service record card of one employer unit.

    Each member the user may see, with every service in the quarter (date,
    activity, community, hours, attendance, party points confirmed).
    """
    months = quarter_months(quarter)
    volunteers = list(
        in_service_volunteers(user=user)
        .filter(employer_unit_id=unit_id)
        .order_by("person__name", "id")
    )
    checkins = (
        CheckIn.objects.filter(
            volunteer__in=volunteers,
            in_service=True,
            attendance__in=ATTENDED,
            checked_in_at__year=year,
            checked_in_at__month__in=months,
        )
        .select_related("activity", "community")
        .order_by("checked_in_at", "id")
    )
    by_volunteer = defaultdict(list)
    for c in checkins:
        by_volunteer[c.volunteer_id].append(c)
    members = []
    for v in volunteers:
        services = by_volunteer.get(v.pk, [])
        local_months = [timezone.localtime(c.checked_in_at).month for c in services]
        members.append(
            {
                "volunteer": v,
                "services": services,
                "per_month": [local_months.count(m) for m in months],
                "total": len(services),
                "hours": round(sum(c.minutes for c in services) / 60, 1),
                "party_points": sum(c.party_points for c in services),
                "confirmed": sum(1 for c in services if c.party_confirmed_at),
            }
        )
    return {"months": months, "members": members}


def annotate_balance(queryset: QuerySet[Volunteer]) -> QuerySet[Volunteer]:
    """Add ``balance`` (from the account row) to a volunteer queryset."""
    return queryset.annotate(
        balance=Coalesce("account__balance", Value(0), output_field=IntegerField())
    )


def ledger_mismatches() -> QuerySet[PointsAccount, tuple[int, int, int]]:
    """Return accounts whose cached balance differs from their ledger's sum.

    Always empty: the services move both in one transaction under a row
    lock. ``manage.py volunteers_check_ledger`` and the tests prove it.
    """
    sums = (
        PointsEntry.objects.filter(volunteer=OuterRef("volunteer"))
        .order_by()
        .values("volunteer")
        .annotate(s=Sum("points"))
        .values("s")
    )
    return (
        PointsAccount.objects.annotate(
            ledger=Coalesce(Subquery(sums), Value(0), output_field=IntegerField())
        )
        .exclude(balance=F("ledger"))
        .values_list("volunteer_id", "balance", "ledger")
    )


# -- the routine notice (S21) -------------------------------------------------------------


def volunteer_notice_figures(*, scope: Scope, start: date, end: date) -> dict[str, Any]:
    """Return volunteering's part of the routine notice for ``start``–``end``.

    ``service``: check-ins not absent (``checkins``, ``volunteers``, ``minutes``);
    ``wishes``: micro-wishes fulfilled; ``in_service``: members reporting to a
    community (``members``, ``services``, ``short``: with a month of the period
    over and no service in it); ``units``: per unit with any of these (``unit``,
    ``community``, ``events``, ``served``, ``wishes``, …), in code order.
    Six queries at most, whatever the number of units and members.
    """
    tz = timezone.get_current_timezone()
    lo = datetime.combine(start, time.min, tzinfo=tz)
    hi = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    attended = Q(attendance__in=ATTENDED, checked_in_at__gte=lo, checked_in_at__lt=hi)
    service = CheckIn.objects.filter(attended, area_q(scope, unit="unit")).aggregate(
        checkins=Count("id"),
        volunteers=Count("volunteer", distinct=True),
        minutes=Coalesce(Sum("minutes"), 0),
    )
    figures = ("events", "served", "wishes", "members", "services", "short")
    units: defaultdict[int | None, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(figures, 0)
    )
    for unit_id, n in (
        MicroWish.objects.filter(area_q(scope), status__in=DONE_STATUSES)
        .filter(fulfilled_at__gte=lo, fulfilled_at__lt=hi)
        .values_list("claimed_by_unit")
        .annotate(n=Count("id"))
    ):
        units[unit_id]["wishes"] = n
    for unit_id, n, served in (
        GroupServiceEvent.objects.filter(area_q(scope, unit="unit"))
        .filter(held_on__gte=start, held_on__lte=end)
        .values_list("unit")
        .annotate(n=Count("id"), s=Sum("residents_served"))
    ):
        units[unit_id].update(events=n, served=served)
    members = Volunteer.objects.filter(
        Q(left_on__isnull=True) | Q(left_on__gte=start),
        area_q(scope, unit="employer_unit"),
        kind=VolunteerKind.IN_SERVICE,
        registered_on__lte=end,
    )
    served = defaultdict(dict)
    for pk, month, n in (
        CheckIn.objects.filter(attended, volunteer__in=members.values("id"))
        .filter(in_service=True)
        .annotate(month=TruncMonth("checked_in_at", output_field=DateField()))
        .values_list("volunteer_id", "month")
        .annotate(n=Count("id"))
    ):
        served[pk][month] = n
    over: list[date] = []  # the period's months already over
    month = start.replace(day=1)
    limit = min(end + timedelta(days=1), timezone.localdate())
    while (after := (month + timedelta(days=31)).replace(day=1)) <= limit:
        over, month = [*over, month], after
    in_service = dict.fromkeys(("members", "services", "short"), 0)
    listing = members.values_list("id", "employer_unit_id", "registered_on")
    for pk, unit_id, since in listing:
        months = served.get(pk, {})
        owed = [m for m in over if m >= since.replace(day=1)]
        short = any(months.get(m, 0) < MONTHLY_SERVICES_REQUIRED for m in owed)
        for totals in (in_service, units[unit_id]):
            totals["members"] += 1
            totals["services"] += sum(months.values())
            totals["short"] += short
    nodes = OrgNode.objects.filter(pk__in=[u for u in units if u]).order_by("code")
    rows = [
        {"unit": name, "community": community or "", **units[pk]}
        for pk, name, community in nodes.values_list("pk", "name", "community__name")
    ]
    wishes = sum(u["wishes"] for u in units.values())
    return {
        "service": service,
        "wishes": wishes,
        "in_service": in_service,
        "units": rows,
    }
