"""People (no ID-card number, ever) and their party membership."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from orgs.models import MemberStatus, OrgKind, OrgNode, PartyMember, Person
from orgs.services._common import _require
from portal.models import User
from portal.roles import can

PERSON_FIELDS = ("name", "phone", "gender", "birth_year", "community", "unit")

PHONE_RE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")


def clean_phone(value: str | None, field: str = "phone") -> str:
    """Return ``value`` stripped, or raise if it is not a phone number."""
    value = (value or "").strip().replace(" ", "")
    if value and not PHONE_RE.match(value):
        raise ValidationError(
            {field: _("电话号码“%s”格式不正确（手机号为 11 位数字）。") % value}
        )
    return value


# -- people ----------------------------------------------------------------------


def _person_write_allowed(
    user: User | None,
    *,
    street_id: int,
    community_id: int | None,
    unit: OrgNode | None,
) -> bool:
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


def _check_person_places(
    *, street: OrgNode, community: OrgNode | None, unit: OrgNode | None
) -> None:
    if community is not None and (
        community.kind != OrgKind.COMMUNITY or community.street_id != street.pk
    ):
        raise ValidationError({"community": _("社区不属于本街道。")})
    if unit is not None and (unit.kind != OrgKind.UNIT or unit.street_id != street.pk):
        raise ValidationError({"unit": _("单位不属于本街道。")})


@transaction.atomic
def person_create(
    *,
    user: User | None,
    street: OrgNode,
    name: str,
    phone: str = "",
    gender: str = "",
    birth_year: int | None = None,
    community: OrgNode | None = None,
    unit: OrgNode | None = None,
) -> Person:
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


def _check_residence_move(
    user: User | None, person: Person, community: OrgNode | None
) -> None:
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
def person_update(*, user: User | None, person: Person, **fields: Any) -> Person:
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
    *,
    person: Person,
    party_org: OrgNode | None,
    status: str,
    directly_managed: bool,
    employer_unit: OrgNode | None,
    residence_community: OrgNode | None,
) -> dict[str, Any]:
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
    if directly_managed and party_org is not None and "party_org" not in errors:
        if not party_org.directly_managed:
            errors["directly_managed"] = (
                _("“%s”不是街道党工委直管的党组织，其党员不能登记为街道直管。")
                % party_org.name
            )
        elif status != MemberStatus.REGULAR:
            errors["directly_managed"] = _("在职党员和流动党员不计为街道直管党员。")
    if errors or party_org is None:
        raise ValidationError(errors)
    return {"street_id": party_org.street_id, "community_id": party_org.community_id}


@transaction.atomic
def party_member_set(
    *,
    user: User | None,
    person: Person,
    party_org: OrgNode | None,
    status: str = MemberStatus.REGULAR,
    directly_managed: bool | None = None,
    employer_unit: OrgNode | None = None,
    residence_community: OrgNode | None = None,
    joined_on: date | None = None,
) -> PartyMember:
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
    # ``party_member_check`` refused a missing party organisation.
    member.party_org = cast(OrgNode, party_org)
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
def person_create_with_membership(
    *,
    user: User | None,
    street: OrgNode,
    name: str,
    phone: str = "",
    gender: str = "",
    birth_year: int | None = None,
    community: OrgNode | None = None,
    unit: OrgNode | None = None,
    membership: Mapping[str, Any] | None = None,
) -> Person:
    """Register a person and, with ``membership`` (the keyword arguments of
    ``party_member_set`` but ``user`` and ``person``), their party membership;
    both or neither. Return the person."""
    person = person_create(
        user=user,
        street=street,
        name=name,
        phone=phone,
        gender=gender,
        birth_year=birth_year,
        community=community,
        unit=unit,
    )
    if membership is not None:
        party_member_set(user=user, person=person, **membership)
    return person


@transaction.atomic
def person_update_with_membership(
    *,
    user: User | None,
    person: Person,
    fields: Mapping[str, Any],
    membership: Mapping[str, Any] | None = None,
) -> Person:
    """Change a person's own ``fields`` (none: leave them) and, with
    ``membership`` (as for ``person_create_with_membership``), their party
    membership; both or neither. Return the person."""
    if fields:
        person = person_update(user=user, person=person, **fields)
    if membership is not None:
        party_member_set(user=user, person=person, **membership)
    return person
