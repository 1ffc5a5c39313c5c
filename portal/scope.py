"""A user's scope: which streets, communities, units and cells they may see.

Computed once per user object (two small queries) and cached on it. Every
selector filters through it, so pages, API and exports agree on visibility.

- street staff and admins see whole streets (and every community in them);
- a community secretary sees a community;
- a unit head sees a unit (and its party organisations);
- a grid worker sees his cells and what lies below them;
- a volunteer sees his own records and the public side of his community.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Protocol

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from portal import nodes
from portal.models import Role, User

_CACHE_ATTR = "_portal_scope"


class TreeNode(Protocol):
    """A node of an mptt tree (a grid cell): its tree and its lft/rght range."""

    tree_id: int
    lft: int
    rght: int


def _ids_by_role() -> defaultdict[str, set[int]]:
    return defaultdict(set)


@dataclass
class Scope:
    user_id: int | None = None
    is_superuser: bool = False
    person_id: int | None = None
    roles: frozenset[str] = frozenset()
    #: role → ids of streets / communities / units it covers.
    role_streets: defaultdict[str, set[int]] = field(default_factory=_ids_by_role)
    role_communities: defaultdict[str, set[int]] = field(default_factory=_ids_by_role)
    role_units: defaultdict[str, set[int]] = field(default_factory=_ids_by_role)
    #: grid worker cells as (tree_id, lft, rght, id, community_id).
    cells: list[tuple[int, int, int, int, int | None]] = field(default_factory=list)
    #: unit ranges in the org tree as (tree_id, lft, rght).
    unit_ranges: list[tuple[int, int, int]] = field(default_factory=list)

    # -- derived sets -------------------------------------------------------
    @property
    def street_ids(self) -> set[int]:
        """Streets seen whole (street staff and admins)."""
        return set().union(
            *(self.role_streets[r] for r in (Role.STREET_ADMIN, Role.STREET_STAFF))
        )

    @property
    def community_ids(self) -> set[int]:
        """Communities seen whole: a street role's communities and secretaries'."""
        return set().union(
            *(
                self.role_communities[r]
                for r in (
                    Role.STREET_ADMIN,
                    Role.STREET_STAFF,
                    Role.COMMUNITY_SECRETARY,
                )
            )
        )

    @property
    def street_role_community_ids(self) -> set[int]:
        """Communities seen because their whole street is."""
        return set().union(
            *(self.role_communities[r] for r in (Role.STREET_ADMIN, Role.STREET_STAFF))
        )

    @property
    def unit_ids(self) -> set[int]:
        """Units seen one by one (unit heads)."""
        return set(self.role_units[Role.UNIT_HEAD])

    @property
    def volunteer_community_ids(self) -> set[int]:
        return set(self.role_communities[Role.VOLUNTEER])

    @property
    def grid_community_ids(self) -> set[int]:
        """Communities in which the user works a grid cell."""
        return {c[4] for c in self.cells if c[4]}

    def has_role(self, *roles: str) -> bool:
        return self.is_superuser or any(r in self.roles for r in roles)

    @property
    def is_street_level(self) -> bool:
        return self.is_superuser or bool(self.street_ids)

    # -- filters --------------------------------------------------------------
    def q(
        self,
        community: str | None = "community",
        unit: str | None = None,
        street: str | None = None,
        person: str | None = None,
    ) -> Q:
        """Return a Q selecting fact rows this scope sees.

        ``community``/``unit``/``street``/``person`` name the row's lookups to
        those keys (``None`` to skip one). Rows of a whole street are matched on
        ``street`` when given, else through the street's communities.
        """
        if self.is_superuser:
            return Q()
        q = Q(pk__in=[])
        communities = self.community_ids
        if street and self.street_ids:
            q |= Q(**{f"{street}__in": self.street_ids})
            # A fact row of a street's community carries that street too
            # (design.md, "Trees"): match it on the street alone, so the query
            # walks a (street, …) index instead of OR-ing two keys.
            communities = communities - self.street_role_community_ids
        if community and communities:
            q |= Q(**{f"{community}__in": communities})
        if unit and self.unit_ids:
            q |= Q(**{f"{unit}__in": self.unit_ids})
        if person and self.person_id:
            q |= Q(**{person: self.person_id})
        return q

    def org_q(self, prefix: str = "") -> Q:
        """Return a Q selecting org-tree nodes in scope (subtrees by lft/rght)."""
        if self.is_superuser:
            return Q()
        p = prefix
        q = Q(pk__in=[])
        if self.street_ids:
            q |= Q(**{f"{p}street__in": self.street_ids}) | Q(
                **{f"{p}pk__in": self.street_ids}
            )
        secretary_communities = self.role_communities[Role.COMMUNITY_SECRETARY]
        if secretary_communities:
            q |= Q(**{f"{p}community__in": secretary_communities})
        for tree_id, lft, rght in self.unit_ranges:
            q |= Q(
                **{f"{p}tree_id": tree_id, f"{p}lft__gte": lft, f"{p}rght__lte": rght}
            )
        return q

    def cell_q(self, prefix: str = "") -> Q:
        """Return a Q selecting grid cells in scope (grid workers: their subtrees)."""
        if self.is_superuser:
            return Q()
        p = prefix
        q = Q(pk__in=[])
        if self.street_ids:
            q |= Q(**{f"{p}street__in": self.street_ids})
        secretary_communities = self.role_communities[Role.COMMUNITY_SECRETARY]
        if secretary_communities:
            q |= Q(**{f"{p}community__in": secretary_communities})
        for tree_id, lft, rght, _id, _community in self.cells:
            q |= Q(
                **{f"{p}tree_id": tree_id, f"{p}lft__gte": lft, f"{p}rght__lte": rght}
            )
        return q

    def cell_in_scope(self, cell: TreeNode) -> bool:
        """Return whether a grid worker's cells hold ``cell`` (any depth)."""
        return any(
            cell.tree_id == tree and lo <= cell.lft and cell.rght <= hi
            for tree, lo, hi, _id, _c in self.cells
        )

    # -- coverage of one target for one role --------------------------------------
    def role_covers(
        self,
        role: str,
        street_id: int | None = None,
        community_id: int | None = None,
        unit_id: int | None = None,
        cell: TreeNode | None = None,
    ) -> bool:
        """Return whether ``role`` held in this scope reaches the target."""
        if role not in self.roles:
            return False
        no_target = (
            street_id is None
            and community_id is None
            and unit_id is None
            and cell is None
        )
        if no_target:
            return True
        if role in (Role.STREET_ADMIN, Role.STREET_STAFF):
            if street_id is not None and street_id in self.role_streets[role]:
                return True
            return (
                community_id is not None and community_id in self.role_communities[role]
            )
        if role in (Role.COMMUNITY_SECRETARY, Role.VOLUNTEER):
            return (
                community_id is not None and community_id in self.role_communities[role]
            )
        if role == Role.UNIT_HEAD:
            return unit_id is not None and unit_id in self.role_units[role]
        if role == Role.GRID_WORKER:
            if cell is not None:
                return self.cell_in_scope(cell)
            return False
        return False


def scope_for(user: User | AnonymousUser | None) -> Scope:
    """Return the (cached) scope of ``user``."""
    cached: Scope | None = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    scope = _build_scope(user)
    try:
        setattr(user, _CACHE_ATTR, scope)
    except AttributeError:  # AnonymousUser and friends
        pass
    return scope


def community_scope(community_id: int) -> Scope:
    """Return the scope of one community as its secretary sees it.

    For the community dashboard: a street role looking at one of its
    communities, or a secretary of several looking at one of them, sees that
    community's figures only. The caller checks the community is in the
    user's own scope first.
    """
    scope = Scope(roles=frozenset({Role.COMMUNITY_SECRETARY}))
    scope.role_communities[Role.COMMUNITY_SECRETARY].add(community_id)
    return scope


def forget_scope(user: User | AnonymousUser | None) -> None:
    """Drop the cached scope (after the user's role assignments changed)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _build_scope(user: User | AnonymousUser | None) -> Scope:
    if (
        user is None
        or isinstance(user, AnonymousUser)
        or not getattr(user, "is_authenticated", False)
    ):
        return Scope()
    scope = Scope(user_id=user.pk, is_superuser=user.is_superuser)
    person = getattr(user, "person", None) if _has_person(user) else None
    scope.person_id = person.pk if person else None
    assignments = list(
        user.role_assignments.select_related("org_node", "cell").order_by("id")
    )
    scope.roles = frozenset(a.role for a in assignments)
    street_roles: dict[int, set[str]] = {}
    for a in assignments:
        node = a.org_node
        if a.role in (Role.STREET_ADMIN, Role.STREET_STAFF):
            street_id = node.pk if node.kind == nodes.STREET else node.street_id
            scope.role_streets[a.role].add(street_id)
            street_roles.setdefault(street_id, set()).add(a.role)
        elif a.role in (Role.COMMUNITY_SECRETARY, Role.VOLUNTEER):
            community_id = (
                node.pk if node.kind == nodes.COMMUNITY else node.community_id
            )
            if community_id:
                scope.role_communities[a.role].add(community_id)
        elif a.role == Role.UNIT_HEAD:
            scope.role_units[a.role].add(node.pk)
            scope.unit_ranges.append((node.tree_id, node.lft, node.rght))
        elif a.role == Role.GRID_WORKER and a.cell is not None:
            c = a.cell
            scope.cells.append((c.tree_id, c.lft, c.rght, c.pk, c.community_id))
    if street_roles:
        communities = (
            nodes.org_node_model()
            .objects.filter(kind=nodes.COMMUNITY, street_id__in=list(street_roles))
            .values_list("pk", "street_id")
        )
        for community_id, street_id in communities:
            for role in street_roles[street_id]:
                scope.role_communities[role].add(community_id)
    return scope


def _has_person(user: User) -> bool:
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return user.person is not None
    except ObjectDoesNotExist:
        return False
