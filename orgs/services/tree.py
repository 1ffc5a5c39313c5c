"""Writes to the organisation tree: create, move, delete, bulk add of nodes.

Tree writes (create, move, delete of an ``OrgNode``) take the tree's writer
lock first and re-read the nodes they touch, because django-mptt computes
``lft``/``rght`` from in-memory values that a concurrent writer may have moved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, ProtectedError
from django.utils.translation import gettext as _

from orgs.models import OrgKind, OrgNode, PartyMember
from orgs.services._common import _require
from portal.db import advisory_xact_lock
from portal.models import User

TREE_LOCK = "orgs.OrgNode"
#: Lock key for creating a new tree (a new street): mptt picks max(tree_id) + 1.
NEW_TREE_KEY = 0

#: kind → kinds its parent may have.
ALLOWED_PARENTS: dict[str, set[str | None]] = {
    OrgKind.STREET: {None},
    OrgKind.COMMUNITY: {OrgKind.STREET},
    OrgKind.UNIT: {OrgKind.COMMUNITY},
    OrgKind.PARTY_ORG: {
        OrgKind.STREET,
        OrgKind.COMMUNITY,
        OrgKind.UNIT,
        OrgKind.PARTY_ORG,
    },
}


def _check_parent(kind: str, parent: OrgNode | None) -> None:
    parent_kind = parent.kind if parent is not None else None
    if parent_kind not in ALLOWED_PARENTS[kind]:
        raise ValidationError(
            {
                "parent": _("“%(kind)s”不能放在“%(parent)s”之下。")
                % {
                    "kind": OrgKind(kind).label,
                    "parent": OrgKind(parent_kind).label if parent_kind else _("顶层"),
                }
            }
        )


def _denormalise(node: OrgNode, parent: OrgNode | None) -> None:
    """Set the plain street/community keys from the parent."""
    if node.kind == OrgKind.STREET:
        node.street = None
        node.community = None
    else:
        if parent is None:  # refused by ``_check_parent`` before
            raise TypeError("only a street has no parent")
        node.street_id = (
            parent.pk if parent.kind == OrgKind.STREET else parent.street_id
        )
        if node.kind == OrgKind.COMMUNITY:
            # A community is its own community (set after insert for new nodes).
            node.community_id = node.pk
        else:
            node.community_id = (
                parent.pk if parent.kind == OrgKind.COMMUNITY else parent.community_id
            )


# -- the tree ---------------------------------------------------------------------


@transaction.atomic
def org_node_create(
    *, kind: str, name: str, code: str, parent: OrgNode | None = None, **fields: Any
) -> OrgNode:
    """Create a node under ``parent`` (``None`` for a street) and return it."""
    if parent is None:
        advisory_xact_lock(TREE_LOCK, NEW_TREE_KEY)
    else:
        advisory_xact_lock(TREE_LOCK, parent.tree_id)
        parent = OrgNode.objects.get(pk=parent.pk)  # fresh lft/rght after the lock
    _check_parent(kind, parent)
    node = OrgNode(kind=kind, name=name, code=code, parent=parent, **fields)
    _denormalise(node, parent)
    node.full_clean()
    node.save()
    if node.kind == OrgKind.COMMUNITY and node.community_id is None:
        # A community is its own community, so counting by community is uniform.
        node.community_id = node.pk
        OrgNode.objects.filter(pk=node.pk).update(community_id=node.pk)
    return node


@transaction.atomic
def org_node_move(*, node: OrgNode, new_parent: OrgNode) -> OrgNode:
    """Move ``node`` (and its subtree) under ``new_parent``."""
    node = OrgNode.objects.get(pk=node.pk)
    new_parent = OrgNode.objects.get(pk=new_parent.pk)
    advisory_xact_lock(TREE_LOCK, node.tree_id, new_parent.tree_id)
    node = OrgNode.objects.get(pk=node.pk)
    new_parent = OrgNode.objects.get(pk=new_parent.pk)
    _check_parent(node.kind, new_parent)
    if new_parent.tree_id == node.tree_id and node.lft <= new_parent.lft <= node.rght:
        raise ValidationError({"parent": _("不能把组织移到它自己的下级之下。")})
    if new_parent.tree_id != node.tree_id:
        raise ValidationError({"parent": _("不能把组织移到另一个街道。")})
    node.move_to(new_parent, "last-child")
    node.refresh_from_db()
    old_community = node.community_id
    _denormalise(node, new_parent)
    node.save(update_fields=["street", "community", "updated_at"])
    if node.community_id != old_community:
        moved = node.get_descendants(include_self=True).filter(
            kind__in=[OrgKind.UNIT, OrgKind.PARTY_ORG]
        )
        moved.exclude(pk=node.pk).update(community_id=node.community_id)
        # Members count in their party organisation's community.
        PartyMember.objects.filter(party_org__in=moved).update(
            community_id=node.community_id
        )
    return node


@transaction.atomic
def org_node_delete(*, node: OrgNode) -> None:
    """Delete a node that nothing depends on; refuse clearly otherwise."""
    node = OrgNode.objects.get(pk=node.pk)
    advisory_xact_lock(TREE_LOCK, node.tree_id)
    node = OrgNode.objects.get(pk=node.pk)
    if node.get_descendant_count():
        raise ValidationError(_("“%s”下还有下级组织，不能删除。") % node.name)
    try:
        with transaction.atomic():
            node.delete()
    except ProtectedError as exc:
        raise ValidationError(
            _("“%s”仍被其他记录引用（如人员、席位、网格或业务记录），不能删除。")
            % node.name
        ) from exc


@dataclass
class NodeSpec:
    """A node to add in bulk: its own fields and its children."""

    kind: str
    name: str
    code: str
    fields: dict[str, Any]
    children: list[NodeSpec]

    @classmethod
    def of(
        cls,
        kind: str,
        name: str,
        code: str,
        children: list[NodeSpec] | None = None,
        **fields: Any,
    ) -> NodeSpec:
        return cls(kind, name, code, fields, children or [])


@transaction.atomic
def org_tree_bulk_add(*, parent: OrgNode, specs: Iterable[NodeSpec]) -> list[OrgNode]:
    """Add whole subtrees under ``parent`` in one pass and return the new nodes.

    Each ``NodeSpec`` and its children become the last children of ``parent``:
    the writer lock is taken once, the gap is opened with two UPDATEs, and the
    nodes are inserted level by level with ``bulk_create``. Used by the seed and
    the Excel import, where a row-by-row mptt insert would be quadratic.
    """
    advisory_xact_lock(TREE_LOCK, parent.tree_id)
    parent = OrgNode.objects.get(pk=parent.pk)
    flat: list[tuple[int, OrgNode, int | None]] = []  # (depth, node, parent index)

    def walk(
        spec: NodeSpec, parent_index: int | None, depth: int, cursor: int, level: int
    ) -> int:
        _check_parent(
            spec.kind,
            parent if parent_index is None else flat[parent_index][1],
        )
        node = OrgNode(
            kind=spec.kind,
            name=spec.name,
            code=spec.code,
            tree_id=parent.tree_id,
            level=level,
            lft=cursor,
            **spec.fields,
        )
        index = len(flat)
        flat.append((depth, node, parent_index))
        for child in spec.children:
            cursor = walk(child, index, depth + 1, cursor + 1, level + 1)
        node.rght = cursor + 1
        return cursor + 1

    cursor = parent.rght - 1
    for spec in specs:
        cursor = walk(spec, None, 0, cursor + 1, parent.level + 1)
    width = cursor - (parent.rght - 1)
    if not flat:
        return []
    # Open the gap: everything right of the parent's right edge moves by width.
    tree = OrgNode.objects.filter(tree_id=parent.tree_id)
    tree.filter(lft__gt=parent.rght).update(lft=F("lft") + width)
    tree.filter(rght__gte=parent.rght).update(rght=F("rght") + width)
    max_depth = max(depth for depth, _node, _p in flat)
    for depth in range(max_depth + 1):
        batch = []
        for d, node, parent_index in flat:
            if d != depth:
                continue
            node_parent = parent if parent_index is None else flat[parent_index][1]
            node.parent = node_parent
            _denormalise(node, node_parent)
            batch.append(node)
        OrgNode.objects.bulk_create(batch, batch_size=500)
        communities = [n for n in batch if n.kind == OrgKind.COMMUNITY]
        if communities:
            OrgNode.objects.filter(pk__in=[n.pk for n in communities]).update(
                community_id=F("pk")
            )
            for n in communities:
                n.community_id = n.pk
    return [node for _d, node, _p in flat]


def _next_code(parent: OrgNode, infix: str, width: int | None = None) -> str:
    """Return the next free code ``<parent.code>-<infix><n>`` (call under the lock)."""
    prefix = f"{parent.code}-{infix}"
    taken = OrgNode.objects.filter(code__startswith=prefix).values_list(
        "code", flat=True
    )
    numbers = [int(c[len(prefix) :]) for c in taken if c[len(prefix) :].isdigit()]
    if width is None:
        width = {"U": 3, "": 2}.get(infix, 1)
    return f"{prefix}{(max(numbers, default=0) + 1):0{width}d}"


@transaction.atomic
def org_node_relocate(
    *, user: User | None, node: OrgNode, new_parent: OrgNode
) -> OrgNode:
    """Move ``node`` under ``new_parent`` for a user allowed at both ends."""
    _require(user, "orgs.manage_tree", node)
    _require(user, "orgs.manage_tree", new_parent)
    return org_node_move(node=node, new_parent=new_parent)


@transaction.atomic
def org_node_remove(*, user: User | None, node: OrgNode) -> None:
    """Delete ``node`` for a user allowed to; keeps ``has_party_org`` true."""
    action = (
        "orgs.edit"
        if node.kind == OrgKind.PARTY_ORG and node.parent.kind == OrgKind.UNIT
        else "orgs.manage_tree"
    )
    _require(user, action, node)
    parent_id = node.parent_id
    org_node_delete(node=node)
    if node.kind == OrgKind.PARTY_ORG and parent_id:
        still = OrgNode.objects.filter(
            parent_id=parent_id, kind=OrgKind.PARTY_ORG
        ).exists()
        OrgNode.objects.filter(pk=parent_id, kind=OrgKind.UNIT).update(
            has_party_org=still
        )
