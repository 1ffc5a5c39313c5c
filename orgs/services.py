"""Every write to organisations, people and committees.

Tree writes (create, move, delete of an ``OrgNode``) take the tree's writer
lock first and re-read the nodes they touch, because django-mptt computes
``lft``/``rght`` from in-memory values that a concurrent writer may have moved.

Services that take ``user`` check the permission first. ``user=None`` is a
system caller (the demo seed, a management command) and skips the check; views,
API and tasks always pass the signed-in user.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.models import (
    LARGE_UNIT_HEADCOUNT,
    Committee,
    CommitteeKind,
    MemberStatus,
    OrgKind,
    OrgNode,
    PartyMember,
    PartyOrgType,
    Person,
    ResidentialCompound,
    Seat,
    SeatPosition,
)
from portal.db import advisory_xact_lock
from portal.models import User
from portal.roles import can, require

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
PERSON_FIELDS = ("name", "phone", "gender", "birth_year", "community", "unit")

PHONE_RE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")


def _require(user, action, obj=None, **target):
    if user is not None:
        require(user, action, obj, **target)


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
            # A community is its own community (set after insert for new nodes).
            node.community_id = node.pk
        else:
            node.community_id = (
                parent.pk if parent.kind == OrgKind.COMMUNITY else parent.community_id
            )


def clean_phone(value, field="phone"):
    """Return ``value`` stripped, or raise if it is not a phone number."""
    value = (value or "").strip().replace(" ", "")
    if value and not PHONE_RE.match(value):
        raise ValidationError(
            {field: _("电话号码“%s”格式不正确（手机号为 11 位数字）。") % value}
        )
    return value


# -- the tree ---------------------------------------------------------------------


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


@dataclass
class NodeSpec:
    """A node to add in bulk: its own fields and its children."""

    kind: str
    name: str
    code: str
    fields: dict
    children: list

    @classmethod
    def of(cls, kind, name, code, children=None, **fields):
        return cls(kind, name, code, fields, children or [])


@transaction.atomic
def org_tree_bulk_add(*, parent, specs):
    """Add whole subtrees under ``parent`` in one pass and return the new nodes.

    Each ``NodeSpec`` and its children become the last children of ``parent``:
    the writer lock is taken once, the gap is opened with two UPDATEs, and the
    nodes are inserted level by level with ``bulk_create``. Used by the seed and
    the Excel import, where a row-by-row mptt insert would be quadratic.
    """
    advisory_xact_lock(TREE_LOCK, parent.tree_id)
    parent = OrgNode.objects.get(pk=parent.pk)
    flat = []  # (depth, node, parent spec index or None)

    def walk(spec, parent_index, depth, cursor, level):
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


def _next_code(parent, infix, width=None):
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
def community_create(*, user, street, name, code=""):
    """Create a community under ``street`` (street roles only)."""
    if street.kind != OrgKind.STREET:
        raise ValidationError({"parent": _("社区必须属于一个街道。")})
    _require(user, "orgs.manage_tree", street)
    advisory_xact_lock(TREE_LOCK, street.tree_id)
    code = code or _next_code(street, "")
    return org_node_create(kind=OrgKind.COMMUNITY, name=name, code=code, parent=street)


@transaction.atomic
def unit_create(*, user, community, name, unit_kind, code="", head=None, **fields):
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
def unit_update(*, user, unit, **fields):
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
    user,
    parent,
    name,
    party_org_type=PartyOrgType.BRANCH,
    secretary=None,
    directly_managed=False,
    code="",
):
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
def party_org_update(*, user, party_org, **fields):
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
def org_node_relocate(*, user, node, new_parent):
    """Move ``node`` under ``new_parent`` for a user allowed at both ends."""
    _require(user, "orgs.manage_tree", node)
    _require(user, "orgs.manage_tree", new_parent)
    return org_node_move(node=node, new_parent=new_parent)


@transaction.atomic
def org_node_remove(*, user, node):
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


# -- people ----------------------------------------------------------------------


def _person_write_allowed(user, *, street_id, community_id, unit):
    """Return whether ``user`` may write a person living in/working at these."""
    if user is None:
        return True
    targets = [{"street_id": street_id, "community_id": community_id}]
    if unit is not None:
        targets.append(
            {
                "street_id": street_id,
                "community_id": unit.community_id,
                "unit_id": unit.pk,
            }
        )
    return any(can(user, "orgs.edit", **t) for t in targets)


def _check_person_places(*, street, community, unit):
    if community is not None and (
        community.kind != OrgKind.COMMUNITY or community.street_id != street.pk
    ):
        raise ValidationError({"community": _("社区不属于本街道。")})
    if unit is not None and (unit.kind != OrgKind.UNIT or unit.street_id != street.pk):
        raise ValidationError({"unit": _("单位不属于本街道。")})


@transaction.atomic
def person_create(
    *,
    user,
    street,
    name,
    phone="",
    gender="",
    birth_year=None,
    community=None,
    unit=None,
):
    """Register a person (no ID-card number, ever) in ``street``."""
    if community is None and unit is None and user is not None:
        _require(user, "orgs.manage_tree", street)
    elif not _person_write_allowed(
        user,
        street_id=street.pk,
        community_id=community.pk if community else None,
        unit=unit,
    ):
        raise PermissionDenied(_("您不能在该社区或单位登记人员。"))
    _check_person_places(street=street, community=community, unit=unit)
    person = Person(
        street=street,
        name=(name or "").strip(),
        phone=clean_phone(phone),
        gender=gender or "",
        birth_year=birth_year,
        community=community,
        unit=unit,
    )
    person.full_clean(exclude=["user"])
    person.save()
    return person


@transaction.atomic
def person_get_or_create(
    *,
    street: OrgNode,
    name: str,
    phone: str = "",
    community: OrgNode | None = None,
    unit: OrgNode | None = None,
    account: User | None = None,
    reuse: bool = True,
) -> tuple[Person, bool]:
    """Return ``(person, created)``: the one writer of people outside ``orgs``.

    With ``account`` (someone registering himself), the person of that
    account, its name and phone brought up to date and its community set when
    it had none; else the person of ``street`` with this name and phone
    (``reuse=False``: none, the caller means a new person). A new person when
    there is none. The phone and the places are checked as ``person_create``
    checks them, with the same messages. The caller has checked its own
    permission (registering a volunteer, a worker).
    """
    name = (name or "").strip()
    phone = clean_phone(phone)
    _check_person_places(street=street, community=community, unit=unit)
    if account is not None:
        person = Person.objects.select_for_update().filter(user=account).first()
        created = person is None
        if person is None:
            person = Person(street=street, community=community, unit=unit)
            person.user = account
        elif person.community_id is None and person.street_id == street.pk:
            person.community = community
        person.name, person.phone = name, phone
    else:
        found = (
            Person.objects.filter(street=street, name=name, phone=phone).first()
            if reuse
            else None
        )
        if found is not None:
            return found, False
        person = Person(
            street=street, name=name, phone=phone, community=community, unit=unit
        )
        created = True
    person.full_clean()
    person.save()
    return person, created


def _check_residence_move(user, person, community):
    """Refuse to move ``person`` to another residence community unless
    ``user``'s scope holds both communities.

    The residence community decides whose lists a person is on (the
    community's secretary, its volunteers and grid): a unit head, or the
    secretary of one of the two communities, may not move a person into or
    out of another's lists. The street's staff may.
    """
    new_id = community.pk if community is not None else None
    if user is None or new_id == person.community_id:
        return
    for community_id in (person.community_id, new_id):
        if community_id is not None and not can(
            user, "orgs.edit", street_id=person.street_id, community_id=community_id
        ):
            raise PermissionDenied(
                _("只有同时管辖原社区和新社区的人员才能更改所属社区。")
            )


@transaction.atomic
def person_update(*, user, person, **fields):
    """Change a person's own fields; both old and new place must be the user's,
    and a new residence community needs a scope holding both communities."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise ValidationError(_("不能修改这些字段：%s") % ", ".join(sorted(unknown)))
    if not _person_write_allowed(
        user,
        street_id=person.street_id,
        community_id=person.community_id,
        unit=person.unit,
    ):
        raise PermissionDenied(_("您不能修改该人员的信息。"))
    if "community" in fields:
        _check_residence_move(user, person, fields["community"])
    if "phone" in fields:
        fields["phone"] = clean_phone(fields["phone"])
    for key, value in fields.items():
        setattr(person, key, value)
    _check_person_places(
        street=person.street, community=person.community, unit=person.unit
    )
    if ("community" in fields or "unit" in fields) and not _person_write_allowed(
        user,
        street_id=person.street_id,
        community_id=person.community_id,
        unit=person.unit,
    ):
        raise PermissionDenied(_("不能把人员转到您管辖范围以外的社区或单位。"))
    person.full_clean(exclude=["user"])
    person.save(update_fields=[*fields, "updated_at"])
    return person


def party_member_check(
    *, person, party_org, status, directly_managed, employer_unit, residence_community
):
    """Return the membership's denormalised keys, or raise what is wrong."""
    errors = {}
    if party_org is None or party_org.kind != OrgKind.PARTY_ORG:
        errors["party_org"] = _("请选择所在党组织。")
    elif party_org.street_id != person.street_id:
        errors["party_org"] = _("党组织不在该人员所在的街道。")
    if status == MemberStatus.IN_SERVICE:
        if employer_unit is None:
            errors["employer_unit"] = _("在职党员必须填写工作单位。")
        if residence_community is None:
            errors["residence_community"] = _("在职党员必须填写居住社区。")
    if status == MemberStatus.FLOATING and residence_community is None:
        errors["residence_community"] = _("流动党员必须填写居住社区。")
    if employer_unit is not None and employer_unit.kind != OrgKind.UNIT:
        errors["employer_unit"] = _("工作单位必须是驻街单位。")
    if residence_community is not None and (
        residence_community.kind != OrgKind.COMMUNITY
        or residence_community.street_id != person.street_id
    ):
        errors["residence_community"] = _("居住社区必须是本街道的社区。")
    if directly_managed and "party_org" not in errors:
        if not party_org.directly_managed:
            errors["directly_managed"] = (
                _("“%s”不是街道党工委直管的党组织，其党员不能登记为街道直管。")
                % party_org.name
            )
        elif status != MemberStatus.REGULAR:
            errors["directly_managed"] = _("在职党员和流动党员不计为街道直管党员。")
    if errors:
        raise ValidationError(errors)
    return {"street_id": party_org.street_id, "community_id": party_org.community_id}


@transaction.atomic
def party_member_set(
    *,
    user,
    person,
    party_org,
    status=MemberStatus.REGULAR,
    directly_managed=None,
    employer_unit=None,
    residence_community=None,
    joined_on=None,
):
    """Create or change ``person``'s party membership and return it.

    ``directly_managed`` defaults to whether the party organisation is one the
    street working committee leads directly (for regular members).
    """
    person = Person.objects.select_for_update().get(pk=person.pk)
    if not _person_write_allowed(
        user,
        street_id=person.street_id,
        community_id=person.community_id,
        unit=person.unit,
    ):
        raise PermissionDenied(_("您不能修改该人员的信息。"))
    _require(user, "orgs.edit", party_org)
    if directly_managed is None:
        directly_managed = bool(
            party_org and party_org.directly_managed and status == MemberStatus.REGULAR
        )
    keys = party_member_check(
        person=person,
        party_org=party_org,
        status=status,
        directly_managed=directly_managed,
        employer_unit=employer_unit,
        residence_community=residence_community,
    )
    member = PartyMember.objects.filter(person=person).first() or PartyMember(
        person=person
    )
    member.party_org = party_org
    member.status = status
    member.directly_managed = directly_managed
    member.employer_unit = employer_unit
    member.residence_community = residence_community
    member.joined_on = joined_on
    member.street_id = keys["street_id"]
    member.community_id = keys["community_id"]
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def compound_create(*, user, community, name, address="", households=0):
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
def compound_update(*, user, compound, **fields):
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


# -- committees and seats ------------------------------------------------------------


@transaction.atomic
def committee_ensure(*, kind, org, name=""):
    """Return the committee of ``kind`` for ``org``, creating it when missing."""
    street_level = kind in (CommitteeKind.LEADERSHIP, CommitteeKind.BIG_WORKING)
    expected = OrgKind.STREET if street_level else OrgKind.COMMUNITY
    if org.kind != expected:
        raise ValidationError(
            _("“%(kind)s”必须设在%(org)s。")
            % {"kind": CommitteeKind(kind).label, "org": OrgKind(expected).label}
        )
    committee, _created = Committee.objects.get_or_create(
        kind=kind,
        org=org,
        defaults={
            "name": name or f"{org.name}{CommitteeKind(kind).label}",
            "street_id": org.pk if street_level else org.street_id,
            "community_id": None if street_level else org.pk,
        },
    )
    return committee


def _party_orgs_led(person):
    return OrgNode.objects.filter(
        kind=OrgKind.PARTY_ORG, secretary=person
    ).select_related("parent")


def seat_qualification(*, committee, person):
    """Return the org through which ``person`` may sit on ``committee``.

    The answer is ``(represents, is_unit_secretary)``; a ``ValidationError``
    with a Chinese message explains a refusal. Rules (requirements S3, S4):

    - 大工委: a community's party secretary (secretary of the community's party
      organisation, or the secretary on its 两委) or the secretary of a large
      unit's party organisation (``LARGE_UNIT_HEADCOUNT`` staff or more);
    - 大党委: the secretary of a party organisation inside that community (the
      community's own or one of its units');
    - 班子 and 两委: a person registered in the street (in the community for 两委).
    """
    if person.street_id != committee.street_id:
        raise ValidationError({"person": _("“%s”不是本街道登记的人员。") % person})
    if committee.kind == CommitteeKind.BIG_WORKING:
        for org in _party_orgs_led(person).filter(street_id=committee.street_id):
            parent = org.parent
            if parent.kind == OrgKind.COMMUNITY:
                return parent, False
            if parent.kind == OrgKind.UNIT and parent.is_large:
                return parent, True
        two = (
            Seat.objects.filter(
                person=person,
                position=SeatPosition.SECRETARY,
                vacated_on__isnull=True,
                committee__kind=CommitteeKind.TWO_COMMITTEES,
                committee__street_id=committee.street_id,
            )
            .select_related("committee__org")
            .first()
        )
        if two is not None:
            return two.committee.org, False
        raise ValidationError(
            {
                "person": _(
                    "大工委委员须为社区党组织书记，或职工 %(n)s 人以上大型驻街单位的"
                    "党组织书记；“%(name)s”两者都不是。"
                )
                % {"n": LARGE_UNIT_HEADCOUNT, "name": person.name}
            }
        )
    if committee.kind == CommitteeKind.BIG_PARTY:
        orgs = list(_party_orgs_led(person).filter(community_id=committee.community_id))
        # Prefer the community's own party organisation, then a unit's.
        orgs.sort(key=lambda o: o.parent.kind != OrgKind.COMMUNITY)
        for org in orgs:
            if org.parent.kind == OrgKind.COMMUNITY:
                return org, False
            if org.parent.kind == OrgKind.UNIT:
                return org.parent, True
            return org, False
        raise ValidationError(
            {
                "person": _(
                    "大党委委员须为本社区内党组织的书记；“%(name)s”不是“%(community)s”"
                    "内任何党组织的书记。"
                )
                % {"name": person.name, "community": committee.community.name}
            }
        )
    if (
        committee.kind == CommitteeKind.TWO_COMMITTEES
        and person.community_id != committee.community_id
    ):
        raise ValidationError(
            {"person": _("社区两委成员须为本社区登记的人员；“%s”不是。") % person.name}
        )
    return None, False


@transaction.atomic
def seat_add(
    *,
    user,
    committee,
    person,
    origin,
    term_start,
    position=SeatPosition.MEMBER,
    term_end=None,
):
    """Seat ``person`` on ``committee`` if the seed's rule allows; return the seat."""
    committee = Committee.objects.select_for_update().get(pk=committee.pk)
    _require(user, "orgs.manage_seats", committee)
    represents, is_unit_secretary = seat_qualification(
        committee=committee, person=person
    )
    current = committee.seats.filter(vacated_on__isnull=True)
    if current.filter(person=person).exists():
        raise ValidationError(
            {"person": _("“%s”已是该委员会的现任成员。") % person.name}
        )
    if (
        position == SeatPosition.SECRETARY
        and current.filter(position=SeatPosition.SECRETARY).exists()
    ):
        raise ValidationError(
            {"position": _("该委员会已有现任书记，请先登记原书记离任。")}
        )
    if term_end is not None and term_end < term_start:
        raise ValidationError({"term_end": _("任期结束不能早于任期开始。")})
    seat = Seat(
        committee=committee,
        person=person,
        represents=represents,
        position=position,
        origin=origin,
        is_unit_secretary=is_unit_secretary,
        term_start=term_start,
        term_end=term_end,
        street_id=committee.street_id,
        community_id=committee.community_id,
        created_by=user,
    )
    # The rows behind the keys are in hand and the constraints were checked
    # above under the committee's row lock: validate the plain fields only.
    seat.full_clean(
        exclude=["committee", "person", "represents", "street", "community"],
        validate_constraints=False,
    )
    seat.save()
    return seat


@transaction.atomic
def seat_vacate(*, user, seat, reason, vacated_on=None):
    """Record that ``seat``'s holder left; the row stays as history."""
    seat = Seat.objects.select_for_update().select_related("committee").get(pk=seat.pk)
    _require(user, "orgs.manage_seats", seat.committee)
    if seat.vacated_on is not None:
        raise ValidationError(_("该席位已于 %s 离任。") % seat.vacated_on)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写离任原因。")})
    vacated_on = vacated_on or timezone.localdate()
    if vacated_on < seat.term_start:
        raise ValidationError({"vacated_on": _("离任日期不能早于任期开始。")})
    seat.vacated_on = vacated_on
    seat.vacated_reason = reason
    seat.vacated_by = user
    seat.save(
        update_fields=["vacated_on", "vacated_reason", "vacated_by", "updated_at"]
    )
    return seat
