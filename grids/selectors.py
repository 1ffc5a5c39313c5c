"""Reads of the grid that pages, API, stats and other apps reuse. All scoped.

Visibility, one function per model:

- cells: ``cell_visible_q`` — street staff the street, a secretary the
  community, a grid worker his cells and below, a unit head the cells that
  cover his unit;
- cases: ``case_visible_q`` — the same through the case's own keys, plus the
  cases a user reported himself (a resident must see his case to confirm it);
- visits: ``visit_visible_q``; photos follow their case or visit.

An object outside these answers 404 (``get_object_or_404`` on the scoped
queryset).

Hook for the meetings app: ``cases_escalated_to`` lists the cases that reached
a community (大党委 joint meeting) or the street (大工委 joint meeting).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models import Case as When_
from django.shortcuts import get_object_or_404
from django.utils import timezone

from grids.models import (
    LED_LEVELS,
    Case,
    CaseEvent,
    CaseEventKind,
    CaseLevel,
    CaseStatus,
    Cell,
    CellAssignment,
    CellLevel,
    Photo,
    Visit,
)
from orgs.models import CommitteeKind, OrgKind, OrgNode, Person, Seat
from portal.models import Role, User
from portal.scope import Scope, scope_for

#: Who reads: a signed-in user or an anonymous visitor.
Viewer = User | AnonymousUser

# -- visibility ---------------------------------------------------------------------


def cell_visible_q(scope: Scope, prefix: str = "") -> Q:
    """Return a Q selecting the cells ``scope`` sees."""
    q = scope.cell_q(prefix)
    if scope.is_superuser:
        return q
    if scope.unit_ids:
        covering = Cell.units.through.objects.filter(
            orgnode_id__in=scope.unit_ids
        ).values("cell_id")
        q |= Q(**{f"{prefix}pk__in": covering})
    return q


def case_visible_q(scope: Scope, *, own: bool = True) -> Q:
    """Return a Q selecting the cases ``scope`` sees (``own``: and reported)."""
    if scope.is_superuser:
        return Q()
    q = scope.q(community="community", unit="unit", street="street")
    q |= _grid_worker_q(scope, "cell__")
    if own and scope.user_id:
        q |= Q(reporter_id=scope.user_id)
    return q


def visit_visible_q(scope: Scope) -> Q:
    """Return a Q selecting the visits ``scope`` sees."""
    if scope.is_superuser:
        return Q()
    q = scope.q(community="community", unit=None, street="street")
    q |= _grid_worker_q(scope, "cell__")
    if scope.user_id:
        q |= Q(recorded_by_id=scope.user_id)
    if scope.person_id:
        q |= Q(visitor_id=scope.person_id)
    return q


def _grid_worker_q(scope: Scope, prefix: str) -> Q:
    q = Q(pk__in=[])
    for tree_id, lft, rght, _id, _community in scope.cells:
        q |= Q(
            **{
                f"{prefix}tree_id": tree_id,
                f"{prefix}lft__gte": lft,
                f"{prefix}rght__lte": rght,
            }
        )
    return q


# -- cells -----------------------------------------------------------------------------


def cell_list(
    *,
    user: Viewer,
    level: int | None = None,
    parent: int | None = None,
    community: int | None = None,
    max_level: int | None = None,
) -> QuerySet[Cell]:
    """Return the cells ``user`` sees, optionally filtered."""
    qs = Cell.objects.filter(cell_visible_q(scope_for(user))).select_related(
        "leader", "community"
    )
    if level:
        qs = qs.filter(level=level)
    if max_level:
        qs = qs.filter(level__lte=max_level)
    if parent:
        qs = qs.filter(parent_id=parent)
    if community:
        qs = qs.filter(community_id=community)
    return qs


def cell_get(*, user: Viewer, pk: int) -> Cell:
    """Return one cell ``user`` sees, else 404."""
    return get_object_or_404(
        Cell.objects.filter(cell_visible_q(scope_for(user))).select_related(
            "leader", "community", "street", "parent", "compound"
        ),
        pk=pk,
    )


def cells_of_person(person: Person, *, role: str | None = None) -> QuerySet[Cell]:
    """Return the cells ``person`` is currently assigned to (one query)."""
    filters = {"assignments__person": person, "assignments__ended_on__isnull": True}
    if role:
        filters["assignments__role"] = role
    return Cell.objects.filter(**filters).distinct().select_related("community")


def people_of_cell(cell: Cell) -> QuerySet[CellAssignment]:
    """Return the current assignments of ``cell`` with their people (one query)."""
    return (
        CellAssignment.objects.filter(cell=cell, ended_on__isnull=True)
        .select_related("person")
        .order_by("role", "person__name")
    )


def cell_ancestors(cell: Cell) -> list[Cell]:
    return list(cell.get_ancestors())


def reportable_cells(*, user: Viewer) -> QuerySet[Cell]:
    """Return the cells ``user`` may report a case in (for the report form)."""
    scope = scope_for(user)
    q = cell_visible_q(scope)
    if scope.volunteer_community_ids:
        q |= Q(
            community_id__in=scope.volunteer_community_ids,
            level__lte=CellLevel.AREA,
        )
    return (
        Cell.objects.filter(q, level__lte=CellLevel.SUB)
        .select_related("community")
        .order_by("tree_id", "lft")
    )


def units_for_report(*, user: Viewer) -> QuerySet[OrgNode]:
    """Return the units a unit head may report for."""
    return OrgNode.objects.filter(
        pk__in=scope_for(user).unit_ids, kind=OrgKind.UNIT
    ).order_by("name")


# -- leaders ----------------------------------------------------------------------------


def _current_seats() -> QuerySet[Seat]:
    return Seat.objects.filter(vacated_on__isnull=True)


def leader_ok_expression() -> When_:
    """Return an expression true when a cell's leader still qualifies (S5)."""
    level_1 = Exists(
        _current_seats().filter(
            person_id=OuterRef("leader_id"),
            committee__kind=CommitteeKind.LEADERSHIP,
            committee__street_id=OuterRef("street_id"),
        )
    )
    level_2 = Exists(
        _current_seats().filter(
            Q(
                committee__kind=CommitteeKind.TWO_COMMITTEES,
                committee__community_id=OuterRef("community_id"),
            )
            | Q(
                committee__kind=CommitteeKind.BIG_WORKING,
                committee__street_id=OuterRef("street_id"),
            ),
            person_id=OuterRef("leader_id"),
        )
    )
    level_3 = Exists(
        Cell.units.through.objects.filter(
            cell_id=OuterRef("pk"), orgnode__head_id=OuterRef("leader_id")
        )
    )
    return When_(
        When(leader__isnull=True, then=Value(False)),
        When(level=CellLevel.COMMUNITY, then=level_1),
        When(level=CellLevel.AREA, then=level_2),
        When(level=CellLevel.UNIT, then=level_3),
        default=Value(True),
        output_field=BooleanField(),
    )


def cell_gaps(*, user: Viewer) -> QuerySet[Cell]:
    """Return the level 1–3 cells ``user`` sees whose leader is missing or no
    longer qualifies (a seat vacated, a unit head changed)."""
    return (
        cell_list(user=user)
        .filter(level__in=LED_LEVELS)
        .annotate(leader_ok=leader_ok_expression())
        .filter(leader_ok=False)
        .order_by("tree_id", "lft")
    )


def cell_leader_ok(cell: Cell) -> bool | None:
    """Return whether ``cell``'s leader qualifies (``None`` when there is none)."""
    if cell.leader_id is None:
        return None
    return bool(
        Cell.objects.filter(pk=cell.pk)
        .annotate(ok=leader_ok_expression())
        .values_list("ok", flat=True)
        .first()
    )


def leader_candidates(cell: Cell) -> QuerySet[Person]:
    """Return the people who may lead ``cell`` under S5."""
    if cell.level == CellLevel.COMMUNITY:
        seats = _current_seats().filter(
            committee__kind=CommitteeKind.LEADERSHIP,
            committee__street_id=cell.street_id,
        )
        return Person.objects.filter(pk__in=seats.values("person_id")).order_by("name")
    if cell.level == CellLevel.AREA:
        seats = _current_seats().filter(
            Q(
                committee__kind=CommitteeKind.TWO_COMMITTEES,
                committee__community_id=cell.community_id,
            )
            | Q(
                committee__kind=CommitteeKind.BIG_WORKING,
                committee__street_id=cell.street_id,
            )
        )
        return Person.objects.filter(pk__in=seats.values("person_id")).order_by("name")
    if cell.level == CellLevel.UNIT:
        return Person.objects.filter(
            pk__in=cell.units.exclude(head__isnull=True).values("head_id")
        ).order_by("name")
    return Person.objects.filter(community_id=cell.community_id).order_by("name")


def assignable_people(cell: Cell) -> QuerySet[Person]:
    """Return the people who may be assigned to ``cell`` (its community's people
    and the street office's own, who have no community)."""
    return Person.objects.filter(street_id=cell.street_id).filter(
        Q(community_id=cell.community_id) | Q(community__isnull=True)
    )


# -- open-case counts rolled up the tree --------------------------------------------------


def open_case_counts(
    cells: Iterable[Cell], *, user: Viewer | None = None
) -> dict[int, int]:
    """Return {cell id: open cases in the cell and below} for ``cells``.

    One GROUP BY over the open cases, then prefix sums per tree: a cell's count
    is the sum over the ``lft`` range of its subtree.
    """
    cells = list(cells)
    if not cells:
        return {}
    qs = Case.objects.filter(status=CaseStatus.OPEN)
    if user is not None:
        qs = qs.filter(case_visible_q(scope_for(user), own=False))
    tree_ids = {c.tree_id for c in cells}
    rows = (
        qs.filter(cell__tree_id__in=tree_ids)
        .values_list("cell__tree_id", "cell__lft")
        .annotate(n=Count("id"))
        .order_by("cell__tree_id", "cell__lft")
    )
    by_tree: defaultdict[int, tuple[list[int], list[int]]] = defaultdict(
        lambda: ([], [0])
    )
    for tree_id, lft, n in rows:
        lefts, sums = by_tree[tree_id]
        lefts.append(lft)
        sums.append(sums[-1] + n)
    counts = {}
    for cell in cells:
        lefts, sums = by_tree.get(cell.tree_id, ([], [0]))
        lo = bisect_left(lefts, cell.lft)
        hi = bisect_right(lefts, cell.rght)
        counts[cell.pk] = sums[hi] - sums[lo]
    return counts


def cell_tree(*, user: Viewer, max_level: int = CellLevel.UNIT) -> list[dict[str, Any]]:
    """Return the visible cells down to ``max_level`` as nested dicts, with
    open-case counts, in tree order."""
    cells = list(cell_list(user=user, max_level=max_level).order_by("tree_id", "lft"))
    counts = open_case_counts(cells, user=user)
    nodes: dict[int, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for cell in cells:
        node = {"cell": cell, "open": counts.get(cell.pk, 0), "children": []}
        nodes[cell.pk] = node
        parent = nodes.get(cell.parent_id)
        if parent is None:
            roots.append(node)  # a grid worker's top cell is a root for him
        else:
            parent["children"].append(node)
    return roots


def map_geojson(*, user: Viewer, level: int = CellLevel.AREA) -> dict[str, Any]:
    """Return a GeoJSON FeatureCollection of the visible cells of ``level`` that
    have a boundary, each with its open-case count (for the map)."""
    cells = list(
        cell_list(user=user, level=level)
        .exclude(boundary__isnull=True)
        .order_by("tree_id", "lft")
    )
    counts = open_case_counts(cells, user=user)
    features = []
    for cell in cells:
        features.append(
            {
                "type": "Feature",
                "id": cell.pk,
                "properties": {
                    "name": cell.code,
                    "label": cell.name,
                    "id": cell.pk,
                    "level": cell.level,
                    "open": counts.get(cell.pk, 0),
                    "leader": cell.leader.name if cell.leader_id else "",
                },
                "geometry": cell.boundary,
            }
        )
    return {"type": "FeatureCollection", "features": features}


# -- cases ------------------------------------------------------------------------------


CASE_SORTS = {
    "deadline": ("deadline", "id"),
    "-deadline": ("-deadline", "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "level": ("level", "-created_at"),
    "-level": ("-level", "-created_at"),
    "status": ("status", "-created_at"),
    "-status": ("-status", "-created_at"),
}


def case_list(
    *,
    user: Viewer,
    level: str | None = None,
    status: str | None = None,
    overdue: bool | None = None,
    community: int | None = None,
    cell: int | None = None,
    category: str | None = None,
    search: str | None = None,
    sort: str | None = None,
    today: date | None = None,
) -> QuerySet[Case]:
    """Return the cases ``user`` sees, filtered and sorted."""
    today = today or timezone.localdate()
    qs = Case.objects.filter(case_visible_q(scope_for(user))).select_related(
        "cell", "community", "reporter"
    )
    if level:
        qs = qs.filter(level=level)
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status=CaseStatus.OPEN, deadline__lt=today)
    if community:
        qs = qs.filter(community_id=community)
    if cell:
        target = Cell.objects.filter(pk=cell).first()
        if target is None:
            return qs.none()
        qs = qs.filter(
            cell__tree_id=target.tree_id,
            cell__lft__gte=target.lft,
            cell__rght__lte=target.rght,
        )
    if category:
        qs = qs.filter(category=category)
    if search:
        qs = qs.filter(Q(title__icontains=search) | Q(description__icontains=search))
    return qs.order_by(*CASE_SORTS.get(sort or "", ("-created_at", "-id")))


def case_get(*, user: Viewer, pk: int) -> Case:
    """Return one case ``user`` sees, with its history and photos, else 404."""
    return get_object_or_404(
        Case.objects.filter(case_visible_q(scope_for(user)))
        .select_related("cell", "community", "street", "unit", "reporter", "closed_by")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=CaseEvent.objects.select_related("by").order_by("at", "id"),
            ),
            "photos",
        ),
        pk=pk,
    )


def cases_escalated_to(
    *,
    level: str,
    community: OrgNode | int | None = None,
    street: OrgNode | int | None = None,
    since: datetime | date | None = None,
) -> list[Case]:
    """Return the open cases now handled at ``level`` — the hook for meetings.

    ``level`` is ``"community"`` (the community's 大党委 joint meeting, S8) or
    ``"street"`` (the 大工委 joint meeting, S9); give ``community`` for the
    first, ``street`` for the second (an OrgNode or its id). ``since`` keeps the
    cases escalated at or after that moment (e.g. the previous meeting's date),
    so a meeting's agenda takes each case once. Each case carries
    ``last_escalation`` (the ``CaseEvent`` with who, when and why), the oldest
    escalation first. Unscoped: the caller (a meeting service) decides who sees
    the agenda.
    """
    if level not in (CaseLevel.COMMUNITY, CaseLevel.STREET):
        raise ValueError("level must be 'community' or 'street'")
    qs = Case.objects.filter(status=CaseStatus.OPEN, level=level)
    if community is not None:
        qs = qs.filter(community_id=getattr(community, "pk", community))
    if street is not None:
        qs = qs.filter(street_id=getattr(street, "pk", street))
    if since is not None:
        qs = qs.filter(escalated_at__gte=since)
    cases = list(
        qs.select_related("cell", "community", "unit").order_by("escalated_at", "id")
    )
    if cases:
        events = {}
        for event in (
            CaseEvent.objects.filter(
                case_id__in=[c.pk for c in cases],
                kind=CaseEventKind.ESCALATED,
                to_level=level,
            )
            .select_related("by")
            .order_by("at", "id")
        ):
            events[event.case_id] = event  # the last one wins
        for case in cases:
            case.last_escalation = events.get(case.pk)  # type: ignore[attr-defined]
    return cases


# -- visits and photos --------------------------------------------------------------------


def visit_list(
    *, user: Viewer, cell: Cell | None = None, mine: bool = False
) -> QuerySet[Visit]:
    """Return the visits ``user`` sees (``cell``: in that cell and below)."""
    qs = Visit.objects.filter(visit_visible_q(scope_for(user))).select_related(
        "cell", "visitor", "recorded_by", "community"
    )
    if mine:
        qs = qs.filter(recorded_by_id=user.pk)
    if cell is not None:
        qs = qs.filter(
            cell__tree_id=cell.tree_id,
            cell__lft__gte=cell.lft,
            cell__rght__lte=cell.rght,
        )
    return qs.annotate(photo_count=Count("photos")).order_by("-visited_on", "-id")


def visit_get(*, user: Viewer, pk: int) -> Visit:
    return get_object_or_404(
        Visit.objects.filter(visit_visible_q(scope_for(user)))
        .select_related("cell", "visitor", "recorded_by", "community")
        .prefetch_related("photos", "cases"),
        pk=pk,
    )


def photo_get(*, user: Viewer, pk: int) -> Photo:
    """Return one photo whose case or visit ``user`` sees, else 404."""
    scope = scope_for(user)
    cases = Case.objects.filter(case_visible_q(scope)).values("pk")
    visits = Visit.objects.filter(visit_visible_q(scope)).values("pk")
    return get_object_or_404(
        Photo.objects.filter(Q(case_id__in=cases) | Q(visit_id__in=visits)), pk=pk
    )


# -- dashboards -------------------------------------------------------------------------------


def grid_worker_cells(*, user: Viewer) -> QuerySet[Cell]:
    """Return the cells a grid worker's role assignments name (his own cells)."""
    return Cell.objects.filter(
        role_assignments__user=user, role_assignments__role=Role.GRID_WORKER
    ).distinct()
