"""Communities, resident units, party organisations and residential compounds."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from orgs.models import OrgKind, OrgNode, PartyOrgType, Person, ResidentialCompound
from orgs.services._common import _require
from orgs.services.people import clean_phone
from orgs.services.tree import TREE_LOCK, _next_code, org_node_create
from portal.db import advisory_xact_lock
from portal.models import User
from portal.roles import can

#: Fields of a unit that ``unit_update`` may change (never tree fields).
UNIT_FIELDS = (
    "name",
    "unit_kind",
    "headcount",
    "address",
    "contact_name",
    "contact_phone",
    "head",
)
PARTY_ORG_FIELDS = ("name", "party_org_type", "secretary", "directly_managed")


@transaction.atomic
def community_create(
    *, user: User | None, street: OrgNode, name: str, code: str = ""
) -> OrgNode:
    """Create a community under ``street`` (street roles only)."""
    if street.kind != OrgKind.STREET:
        raise ValidationError({"parent": _("社区必须属于一个街道。")})
    _require(user, "orgs.manage_tree", street)
    advisory_xact_lock(TREE_LOCK, street.tree_id)
    code = code or _next_code(street, "")
    return org_node_create(kind=OrgKind.COMMUNITY, name=name, code=code, parent=street)


@transaction.atomic
def unit_create(
    *,
    user: User | None,
    community: OrgNode,
    name: str,
    unit_kind: str,
    code: str = "",
    head: Person | None = None,
    **fields: Any,
) -> OrgNode:
    """Create a resident unit in ``community`` (secretaries: their own only)."""
    if community.kind != OrgKind.COMMUNITY:
        raise ValidationError({"community": _("单位必须属于一个社区。")})
    _require(user, "orgs.manage_tree", community)
    if not unit_kind:
        raise ValidationError({"unit_kind": _("请选择单位性质。")})
    fields = {k: v for k, v in fields.items() if k in UNIT_FIELDS}
    if "contact_phone" in fields:
        fields["contact_phone"] = clean_phone(fields["contact_phone"], "contact_phone")
    advisory_xact_lock(TREE_LOCK, community.tree_id)
    code = code or _next_code(community, "U")
    if OrgNode.objects.filter(code=code).exists():
        raise ValidationError({"code": _("编码“%s”已被使用。") % code})
    unit = org_node_create(
        kind=OrgKind.UNIT,
        name=name,
        code=code,
        parent=community,
        unit_kind=unit_kind,
        head=head,
        **fields,
    )
    return unit


@transaction.atomic
def unit_update(*, user: User | None, unit: OrgNode, **fields: Any) -> OrgNode:
    """Change a unit's own fields; the tree position never changes here."""
    unit = OrgNode.objects.select_for_update().get(pk=unit.pk)
    if unit.kind != OrgKind.UNIT:
        raise ValidationError(_("只能修改驻街单位。"))
    _require(user, "orgs.edit", unit)
    unknown = set(fields) - set(UNIT_FIELDS)
    if unknown:
        raise ValidationError(_("不能修改这些字段：%s") % ", ".join(sorted(unknown)))
    if "contact_phone" in fields:
        fields["contact_phone"] = clean_phone(fields["contact_phone"], "contact_phone")
    head = fields.get("head")
    if head is not None and head.street_id != unit.street_id:
        raise ValidationError({"head": _("负责人必须是本街道登记的人员。")})
    for key, value in fields.items():
        setattr(unit, key, value)
    if not unit.unit_kind:
        raise ValidationError({"unit_kind": _("请选择单位性质。")})
    unit.full_clean()
    # update_fields keeps lft/rght out of the UPDATE: they may be stale in memory.
    unit.save(update_fields=[*fields, "updated_at"])
    return unit


@transaction.atomic
def party_org_create(
    *,
    user: User | None,
    parent: OrgNode,
    name: str,
    party_org_type: str = PartyOrgType.BRANCH,
    secretary: Person | None = None,
    directly_managed: bool = False,
    code: str = "",
) -> OrgNode:
    """Create a party organisation under a unit, community, street or party org."""
    action = "orgs.edit" if parent.kind == OrgKind.UNIT else "orgs.manage_tree"
    _require(user, action, parent)
    if secretary is not None and secretary.street_id != (parent.street_id or parent.pk):
        raise ValidationError({"secretary": _("书记必须是本街道登记的人员。")})
    advisory_xact_lock(TREE_LOCK, parent.tree_id)
    code = code or _next_code(parent, "P")
    node = org_node_create(
        kind=OrgKind.PARTY_ORG,
        name=name,
        code=code,
        parent=parent,
        party_org_type=party_org_type,
        secretary=secretary,
        directly_managed=directly_managed,
    )
    if parent.kind == OrgKind.UNIT and not parent.has_party_org:
        OrgNode.objects.filter(pk=parent.pk).update(has_party_org=True)
    return node


@transaction.atomic
def party_org_update(
    *, user: User | None, party_org: OrgNode, **fields: Any
) -> OrgNode:
    """Change a party organisation's name, type, secretary or management."""
    party_org = OrgNode.objects.select_for_update().get(pk=party_org.pk)
    if party_org.kind != OrgKind.PARTY_ORG:
        raise ValidationError(_("只能修改党组织。"))
    _require(user, "orgs.edit", party_org)
    unknown = set(fields) - set(PARTY_ORG_FIELDS)
    if unknown:
        raise ValidationError(_("不能修改这些字段：%s") % ", ".join(sorted(unknown)))
    if (
        "directly_managed" in fields
        and fields["directly_managed"] != party_org.directly_managed
        and user is not None
        and not can(user, "orgs.manage_tree", street_id=party_org.street_id)
    ):
        raise PermissionDenied(_("只有街道可以调整党组织的直管关系。"))
    secretary = fields.get("secretary")
    if secretary is not None and secretary.street_id != party_org.street_id:
        raise ValidationError({"secretary": _("书记必须是本街道登记的人员。")})
    for key, value in fields.items():
        setattr(party_org, key, value)
    party_org.full_clean()
    party_org.save(update_fields=[*fields, "updated_at"])
    return party_org


@transaction.atomic
def compound_create(
    *,
    user: User | None,
    community: OrgNode,
    name: str,
    address: str = "",
    households: int | None = 0,
) -> ResidentialCompound:
    """Register a residential compound (居民小区) in ``community``."""
    _require(user, "orgs.manage_tree", community)
    if community.kind != OrgKind.COMMUNITY:
        raise ValidationError({"community": _("居民小区必须属于一个社区。")})
    compound = ResidentialCompound(
        community=community, name=name, address=address, households=households or 0
    )
    compound.full_clean()
    if ResidentialCompound.objects.filter(community=community, name=name).exists():
        raise ValidationError({"name": _("本社区已有名为“%s”的小区。") % name})
    compound.save()
    return compound


@transaction.atomic
def compound_update(
    *, user: User | None, compound: ResidentialCompound, **fields: Any
) -> ResidentialCompound:
    """Change a residential compound's name, address or households."""
    compound = ResidentialCompound.objects.select_for_update().get(pk=compound.pk)
    _require(user, "orgs.manage_tree", compound.community)
    for key in fields:
        if key not in ("name", "address", "households"):
            raise ValidationError(_("不能修改字段：%s") % key)
    for key, value in fields.items():
        setattr(compound, key, value)
    compound.full_clean()
    compound.save(update_fields=[*fields, "updated_at"])
    return compound
