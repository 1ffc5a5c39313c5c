"""Committees and their seats (requirements S3, S4)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.models import (
    LARGE_UNIT_HEADCOUNT,
    Committee,
    CommitteeKind,
    OrgKind,
    OrgNode,
    Person,
    Seat,
    SeatPosition,
)
from orgs.services._common import _require
from portal.models import User

# -- committees and seats ------------------------------------------------------------


@transaction.atomic
def committee_ensure(*, kind: str, org: OrgNode, name: str = "") -> Committee:
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


def _party_orgs_led(person: Person) -> QuerySet[OrgNode]:
    return OrgNode.objects.filter(
        kind=OrgKind.PARTY_ORG, secretary=person
    ).select_related("parent")


def seat_qualification(
    *, committee: Committee, person: Person
) -> tuple[OrgNode | None, bool]:
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
                % {
                    "name": person.name,
                    # A 大党委 always sits in its community.
                    "community": committee.community.name,  # type: ignore[union-attr]
                }
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
    user: User | None,
    committee: Committee,
    person: Person,
    origin: str,
    term_start: date,
    position: str = SeatPosition.MEMBER,
    term_end: date | None = None,
) -> Seat:
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
def seat_vacate(
    *, user: User | None, seat: Seat, reason: str, vacated_on: date | None = None
) -> Seat:
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
