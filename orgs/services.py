"""Every write to organisations, people and committees.

Tree writes (create, move, delete of an ``OrgNode``) take the tree's writer
lock first and re-read the nodes they touch, because django-mptt computes
``lft``/``rght`` from in-memory values that a concurrent writer may have moved.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from orgs.models import OrgKind, OrgNode
from portal.db import advisory_xact_lock

TREE_LOCK = "orgs.OrgNode"
#: Lock key for creating a new tree (a new street): mptt picks max(tree_id) + 1.
NEW_TREE_KEY = 0

#: kind → kinds its parent may have.
ALLOWED_PARENTS = {
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


def _check_parent(kind, parent):
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


def _denormalise(node, parent):
    """Set the plain street/community keys from the parent."""
    if node.kind == OrgKind.STREET:
        node.street = None
        node.community = None
    else:
        node.street_id = (
            parent.pk if parent.kind == OrgKind.STREET else parent.street_id
        )
        if node.kind == OrgKind.COMMUNITY:
            node.community = None
        else:
            node.community_id = (
                parent.pk if parent.kind == OrgKind.COMMUNITY else parent.community_id
            )


@transaction.atomic
def org_node_create(*, kind, name, code, parent=None, **fields):
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
def org_node_move(*, node, new_parent):
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
        node.get_descendants().filter(
            kind__in=[OrgKind.UNIT, OrgKind.PARTY_ORG]
        ).update(community_id=node.community_id)
    return node


@transaction.atomic
def org_node_delete(*, node):
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
