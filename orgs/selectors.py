"""Reads of organisations, people and committees, always within a scope.

Pages, API and exports call the same selector, so what a list shows, what the
API answers and what an export contains are the same rows. An object outside
the caller's scope is "not found" (404), never "forbidden".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from orgs.models import (
    LARGE_UNIT_HEADCOUNT,
    Committee,
    CommitteeKind,
    ImportJob,
    OrgKind,
    OrgNode,
    PartyMember,
    Person,
    ResidentialCompound,
    Seat,
)
from portal.models import Role, User
from portal.roles import Actor, can
from portal.scope import Scope, scope_for

#: Who reads: a signed-in user or an anonymous visitor.
Viewer = User | AnonymousUser


def _scope(user_or_scope: Viewer | Scope) -> Scope:
    if isinstance(user_or_scope, Scope):
        return user_or_scope
    return scope_for(user_or_scope)


# -- org nodes -------------------------------------------------------------------


def org_node_list(*, user: Viewer | Scope) -> QuerySet[OrgNode]:
    """Return the org nodes ``user`` sees (street, communities, units, party orgs)."""
    return OrgNode.objects.filter(_scope(user).org_q())


def org_node_get(*, user: Viewer, pk: int, kind: str | None = None) -> OrgNode:
    """Return one node in ``user``'s scope (of ``kind`` when given), else 404."""
    qs = org_node_list(user=user)
    if kind:
        qs = qs.filter(kind=kind)
    return get_object_or_404(qs, pk=pk)


def unit_list(*, user: Viewer | Scope) -> QuerySet[OrgNode]:
    """Return the units ``user`` sees, ready for a list page."""
    return (
        org_node_list(user=user)
        .filter(kind=OrgKind.UNIT)
        .select_related("community", "head")
        .annotate(
            party_org_count=Count(
                "children", filter=Q(children__kind=OrgKind.PARTY_ORG)
            )
        )
    )


def community_list(*, user: Viewer | Scope) -> QuerySet[OrgNode]:
    return org_node_list(user=user).filter(kind=OrgKind.COMMUNITY).order_by("code")


def party_org_list(*, user: Viewer | Scope) -> QuerySet[OrgNode]:
    return (
        org_node_list(user=user)
        .filter(kind=OrgKind.PARTY_ORG)
        .select_related("parent", "secretary")
        .order_by("code")
    )


def member_counts(
    party_orgs: Iterable[OrgNode] | QuerySet[OrgNode, Any],
) -> dict[int, int]:
    """Return {party org id: number of party members} for ``party_orgs`` (a GROUP BY)."""
    return dict(
        PartyMember.objects.filter(party_org__in=party_orgs)
        .values_list("party_org_id")
        .annotate(n=Count("id"))
        .values_list("party_org_id", "n")
    )


def org_tree(*, user: Viewer, query: str = "") -> tuple[list[OrgNode], int | None]:
    """Return the visible tree as a flat list in tree order, and the match count.

    Each node gets ``members`` (party members in its subtree), ``units`` (units
    in its subtree), ``open`` (expanded: the roots, or the path to every match
    of ``query``), ``match`` and what ``tree_render_items`` adds. Counts come
    from one GROUP BY rolled up in memory, so the page costs a fixed number of
    queries however large the tree.
    """
    nodes = list(
        org_node_list(user=user)
        .only(
            "id",
            "kind",
            "name",
            "code",
            "parent_id",
            "tree_id",
            "lft",
            "rght",
            "level",
            "unit_kind",
            "party_org_type",
            "directly_managed",
        )
        .order_by("tree_id", "lft")
    )
    by_id = {n.pk: n for n in nodes}
    counts = member_counts(
        org_node_list(user=user).filter(kind=OrgKind.PARTY_ORG).values("pk")
    )
    for n in nodes:
        n.members = counts.get(n.pk, 0)
        n.units = 1 if n.kind == OrgKind.UNIT else 0
        n.open = n.parent_id not in by_id
        n.match = False
    # Children come after their parents in tree order: roll counts up backwards.
    for n in reversed(nodes):
        parent = by_id.get(n.parent_id)
        if parent is not None:
            parent.members += n.members
            parent.units += n.units
    query = (query or "").strip()
    if not query:
        return tree_render_items(nodes), None
    keep = set()
    for n in nodes:
        if query in n.name or query.upper() == n.code.upper():
            n.match = True
            keep.add(n.pk)
            p = by_id.get(n.parent_id)
            while p is not None and p.pk not in keep:
                p.open = True
                keep.add(p.pk)
                p = by_id.get(p.parent_id)
            while p is not None:  # already kept: still open the path
                p.open = True
                p = by_id.get(p.parent_id)
    shown = [n for n in nodes if n.pk in keep]
    return tree_render_items(shown), sum(1 for n in shown if n.match)


def tree_render_items(items: list[OrgNode]) -> list[OrgNode]:
    """Mark each row with ``branch`` (has shown children) and ``closes``.

    ``closes`` is how many nested lists end right after the row, so a template
    can print nested ``<ul>`` from a flat list without recursion.
    """
    stack: list[OrgNode] = []
    for i, n in enumerate(items):
        n.closes = []
        nxt = items[i + 1] if i + 1 < len(items) else None
        n.branch = (
            nxt is not None and nxt.tree_id == n.tree_id and n.lft < nxt.lft < n.rght
        )
    for i, n in enumerate(items):
        while stack and (stack[-1].tree_id != n.tree_id or stack[-1].rght < n.lft):
            stack.pop()
            items[i - 1].closes.append(1)
        if n.branch:
            stack.append(n)
    if items:
        items[-1].closes.extend([1] * len(stack))
    return items


# -- people ------------------------------------------------------------------------


def person_scope_q(scope: Scope, prefix: str = "") -> Q:
    """Return a Q selecting people in scope: where they live or where they work."""
    p = prefix
    return scope.q(
        community=f"{p}community", unit=f"{p}unit", street=f"{p}street"
    ) | scope.q(community=f"{p}unit__community")


def person_list(*, user: Viewer | Scope) -> QuerySet[Person]:
    """Return the people ``user`` sees, with their membership, for a list page."""
    return (
        Person.objects.filter(person_scope_q(_scope(user)))
        .select_related(
            "community",
            "unit",
            "party_membership__party_org",
            "party_membership__employer_unit",
            "party_membership__residence_community",
        )
        .order_by("name", "id")
    )


def person_get(*, user: Viewer, pk: int) -> Person:
    return get_object_or_404(person_list(user=user), pk=pk)


def party_member_scope_q(scope: Scope) -> Q:
    """Return a Q selecting party members in scope.

    A member is seen through their party organisation (street, community or unit
    subtree), where they work (unit heads) and where they live (secretaries).
    A member carries the party organisation's street (``party_member_check``;
    an organisation never leaves its street), so street roles match on that
    key alone and only community and unit scopes join the organisation: the
    query then reads indexes instead of every member of every street.
    """
    if scope.is_superuser:
        return Q()
    q = scope.q(community="residence_community", unit="employer_unit", street="street")
    secretary_communities = scope.role_communities[Role.COMMUNITY_SECRETARY]
    if secretary_communities:
        q |= Q(party_org__community__in=secretary_communities)
    for tree_id, lft, rght in scope.unit_ranges:
        q |= Q(
            party_org__tree_id=tree_id,
            party_org__lft__gte=lft,
            party_org__rght__lte=rght,
        )
    return q


def party_member_list(*, user: Viewer | Scope) -> QuerySet[PartyMember]:
    return (
        PartyMember.objects.filter(party_member_scope_q(_scope(user)))
        .select_related("person", "party_org", "employer_unit", "residence_community")
        .order_by("person__name", "id")
    )


def phones_visible(user: Actor) -> bool:
    """Return whether ``user`` may see full phone numbers (``orgs.view_phone``)."""
    return can(user, "orgs.view_phone")


# -- compounds ---------------------------------------------------------------------


def compound_list(*, user: Viewer | Scope) -> QuerySet[ResidentialCompound]:
    return (
        ResidentialCompound.objects.filter(_scope(user).q(community="community"))
        .select_related("community")
        .order_by("community__code", "name")
    )


# -- committees --------------------------------------------------------------------


STREET_LEVEL = (CommitteeKind.LEADERSHIP, CommitteeKind.BIG_WORKING)


def committee_scope_q(scope: Scope, prefix: str = "") -> Q:
    """Return a Q selecting the committees ``scope`` sees.

    Street roles see all of their street's; a community secretary sees their
    community's and the street-level ones they sit beside (大工委, 班子); a unit
    head sees the committees of their unit's community and of its street.
    """
    p = prefix
    if scope.is_superuser:
        return Q()
    q = scope.q(community=f"{p}community", street=f"{p}street")
    streets = set()
    communities = set(scope.role_communities[Role.COMMUNITY_SECRETARY])
    if communities or scope.unit_ids:
        rows = OrgNode.objects.filter(
            Q(pk__in=communities) | Q(pk__in=scope.unit_ids)
        ).values_list("street_id", "community_id")
        for street_id, community_id in rows:
            streets.add(street_id)
            communities.add(community_id)
    if communities:
        q |= Q(**{f"{p}community__in": communities})
    if streets:
        q |= Q(**{f"{p}street__in": streets, f"{p}community__isnull": True})
    return q


def committee_list(*, user: Viewer | Scope) -> QuerySet[Committee]:
    return (
        Committee.objects.filter(committee_scope_q(_scope(user)))
        .select_related("org", "community", "street")
        .annotate(
            current_seats=Count("seats", filter=Q(seats__vacated_on__isnull=True))
        )
        .order_by("street_id", "community__code", "kind")
    )


def committee_get(*, user: Viewer, pk: int) -> Committee:
    return get_object_or_404(committee_list(user=user), pk=pk)


def seat_list(*, user: Viewer | Scope) -> QuerySet[Seat]:
    return (
        Seat.objects.filter(committee_scope_q(_scope(user), prefix="committee__"))
        .select_related("committee", "person", "represents", "created_by", "vacated_by")
        .order_by("committee_id", "vacated_on", "position", "term_start", "id")
    )


def seat_get(*, user: Viewer, pk: int) -> Seat:
    return get_object_or_404(seat_list(user=user), pk=pk)


def seats_of_unit(unit: OrgNode) -> QuerySet[Seat]:
    """Return current and past seats held for ``unit`` or its party orgs."""
    orgs = [unit.pk, *unit.children.values_list("pk", flat=True)]
    people = [
        p
        for p in [unit.head_id, *unit.children.values_list("secretary_id", flat=True)]
        if p
    ]
    return (
        Seat.objects.filter(Q(represents_id__in=orgs) | Q(person_id__in=people))
        .select_related("committee", "person", "represents")
        .order_by("vacated_on", "committee_id", "term_start")
    )


def seat_candidates(*, committee: Committee) -> QuerySet[Person]:
    """Return the people who may take a seat on ``committee`` (for the form)."""
    if committee.kind == CommitteeKind.BIG_PARTY:
        ids = OrgNode.objects.filter(
            kind=OrgKind.PARTY_ORG,
            community_id=committee.community_id,
            secretary__isnull=False,
        ).values_list("secretary_id", flat=True)
        qs = Person.objects.filter(pk__in=ids)
    elif committee.kind == CommitteeKind.BIG_WORKING:
        ids = OrgNode.objects.filter(
            Q(parent__kind=OrgKind.COMMUNITY)
            | Q(
                parent__kind=OrgKind.UNIT,
                parent__headcount__gte=LARGE_UNIT_HEADCOUNT,
            ),
            kind=OrgKind.PARTY_ORG,
            street_id=committee.street_id,
            secretary__isnull=False,
        ).values_list("secretary_id", flat=True)
        two = Seat.objects.filter(
            committee__kind=CommitteeKind.TWO_COMMITTEES,
            committee__street_id=committee.street_id,
            position="secretary",
            vacated_on__isnull=True,
        ).values_list("person_id", flat=True)
        qs = Person.objects.filter(Q(pk__in=ids) | Q(pk__in=two))
    elif committee.kind == CommitteeKind.TWO_COMMITTEES:
        qs = Person.objects.filter(
            community_id=committee.community_id,
            party_membership__party_org__parent_id=committee.community_id,
        )
    else:
        qs = Person.objects.filter(
            street_id=committee.street_id, community__isnull=True, unit__isnull=True
        )
    current = committee.seats.filter(vacated_on__isnull=True).values_list(
        "person_id", flat=True
    )
    return qs.exclude(pk__in=current).order_by("name", "id")


# -- Excel imports ---------------------------------------------------------------


def import_job_list(*, user: Viewer | Scope) -> QuerySet[ImportJob]:
    """Return the import jobs ``user`` sees: his own, his community's (a
    secretary), his street's (street staff)."""
    scope = _scope(user)
    q = scope.q(community="community", street="street")
    if scope.user_id is not None:
        q |= Q(created_by_id=scope.user_id)
    return ImportJob.objects.filter(q)


def import_job_get(*, user: Viewer, pk: int) -> ImportJob:
    return get_object_or_404(import_job_list(user=user), pk=pk)
