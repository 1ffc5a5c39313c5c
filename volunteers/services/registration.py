"""Volunteers: registration, leaving, anonymisation; their teams."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.models import OrgKind, OrgNode, Person
from orgs.services import person_get_or_create
from portal.models import Role, RoleAssignment, User
from portal.retention import person_anonymise, person_is_still_needed
from portal.roles import require
from portal.services import role_assign, role_revoke
from volunteers.models import (
    PointsAccount,
    Team,
    TeamMembership,
    Volunteer,
    VolunteerKind,
    VolunteerStatus,
)
from volunteers.services._common import _check_community, _invalid


def volunteer_of(user: User | AnonymousUser) -> Volunteer | None:
    """Return the user's volunteer registration, or ``None``."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Volunteer.objects.select_related("person", "community", "street")
        .filter(person__user=user.pk)
        .first()
    )


def _require_volunteer(user: User | AnonymousUser) -> Volunteer:
    volunteer = volunteer_of(user)
    if volunteer is None:
        raise _invalid(_("请先注册为志愿者。"))
    if volunteer.status != VolunteerStatus.ACTIVE:
        raise _invalid(_("您的志愿者身份已停用，请联系社区。"))
    return volunteer


def _volunteer_create(
    *,
    person: Person,
    community: OrgNode,
    kind: str,
    employer_unit: OrgNode | None,
    skills: str,
) -> Volunteer:
    if Volunteer.objects.filter(person=person).exists():
        raise _invalid(_("“%s”已经注册为志愿者。") % person.name)
    party_member = getattr(person, "party_membership", None)
    if kind == VolunteerKind.IN_SERVICE:
        employer_unit = employer_unit or (
            party_member.employer_unit if party_member else None
        )
        if employer_unit is None or employer_unit.kind != OrgKind.UNIT:
            raise _invalid(_("在职党员到社区报到须填写工作单位。"), "employer_unit")
    elif employer_unit is not None and employer_unit.kind != OrgKind.UNIT:
        raise _invalid(_("工作单位须为驻街单位。"), "employer_unit")
    if employer_unit is not None and employer_unit.street_id != community.street_id:
        # The employer's party organisation follows the member's services: it
        # must belong to the street he reports to, not to another street.
        raise _invalid(_("工作单位须为本街道的驻街单位。"), "employer_unit")
    is_party_member = kind != VolunteerKind.RESIDENT or party_member is not None
    volunteer = Volunteer(
        person=person,
        kind=kind,
        is_party_member=is_party_member,
        party_member=party_member,
        street_id=community.street_id,
        community=community,
        employer_unit=employer_unit,
        employer_party_org=party_member.party_org if party_member else None,
        skills=skills,
    )
    volunteer.full_clean()
    try:
        with transaction.atomic():
            volunteer.save()
    except IntegrityError as exc:  # two registrations of one person at once
        raise _invalid(_("“%s”已经注册为志愿者。") % person.name) from exc
    PointsAccount.objects.create(
        volunteer=volunteer, street_id=volunteer.street_id, community=community
    )
    if person.user is not None:
        role_assign(user=person.user, role=Role.VOLUNTEER, org_node=community)
    return volunteer


@transaction.atomic
def volunteer_register_self(
    *,
    user: User,
    community: OrgNode,
    name: str,
    phone: str,
    kind: str = VolunteerKind.RESIDENT,
    employer_unit: OrgNode | None = None,
    skills: str = "",
) -> Volunteer:
    """Register the signed-in user as a volunteer of ``community``; return it.

    An in-service party member (``kind=in_service``) registers with the
    community where he lives and names his employer unit.
    """
    if not getattr(user, "is_authenticated", False):
        raise _invalid(_("请先登录。"))
    _check_community(community)
    name = (name or "").strip()
    phone = (phone or "").strip()
    if not name:
        raise _invalid(_("请填写姓名。"), "name")
    if not phone.isdigit() or len(phone) != 11:
        raise _invalid(_("请填写 11 位手机号。"), "phone")
    person, _created = person_get_or_create(
        street=community.street,
        community=community,
        name=name,
        phone=phone,
        account=user,
    )
    return _volunteer_create(
        person=person,
        community=community,
        kind=kind,
        employer_unit=employer_unit,
        skills=skills,
    )


@transaction.atomic
def volunteer_register(
    *,
    user: User,
    community: OrgNode,
    name: str = "",
    phone: str = "",
    person: Person | None = None,
    kind: str = VolunteerKind.RESIDENT,
    employer_unit: OrgNode | None = None,
    skills: str = "",
) -> Volunteer:
    """Register a resident (or a known person) as a volunteer, by staff."""
    _check_community(community)
    require(user, "volunteers.manage", community)
    if person is None:
        # Staff typing a name mean a new resident (a known one is ``person``).
        person, _created = person_get_or_create(
            street=community.street,
            community=community,
            name=name,
            phone=phone,
            reuse=False,
        )
    return _volunteer_create(
        person=person,
        community=community,
        kind=kind,
        employer_unit=employer_unit,
        skills=skills,
    )


@transaction.atomic
def volunteer_leave(
    *, user: User, volunteer: Volunteer, on: date | None = None
) -> Volunteer:
    """Record that ``volunteer`` has left (退出); return him.

    His history stays (check-ins, points, claims); his volunteer role ends.
    ``PORTAL_RETENTION_DAYS`` after ``on`` his personal data is anonymised by
    ``volunteers_anonymise_departed``.
    """
    require(user, "volunteers.manage", volunteer)
    volunteer = (
        Volunteer.objects.select_for_update()
        .select_related("person")
        .get(pk=volunteer.pk)
    )
    if volunteer.status == VolunteerStatus.LEFT:
        raise _invalid(_("该志愿者已经退出。"))
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise _invalid(_("退出日期不能晚于今天。"), "left_on")
    volunteer.status = VolunteerStatus.LEFT
    volunteer.left_on = on
    volunteer.save(update_fields=["status", "left_on", "updated_at"])
    account = volunteer.person.user
    if account is not None:
        for assignment in RoleAssignment.objects.filter(
            user=account, role=Role.VOLUNTEER, org_node_id=volunteer.community_id
        ):
            role_revoke(assignment=assignment)
    return volunteer


def volunteers_anonymise_departed(*, today: date | None = None) -> tuple[int, int]:
    """Anonymise the personal data of volunteers who left long enough ago.

    Due: left on or before ``today - PORTAL_RETENTION_DAYS`` and not yet
    anonymised. A person still needed elsewhere (a party member, a seat, a
    grid role, another sign-in role…) keeps his data: that purpose has its
    own rules; he is looked at again on the next run. Each volunteer in its
    own transaction; a rerun finds nothing left to do. Return
    ``(anonymised, kept)`` counts.
    """
    today = today or timezone.localdate()
    cutoff = today - timedelta(days=settings.PORTAL_RETENTION_DAYS)
    due = Volunteer.objects.filter(
        status=VolunteerStatus.LEFT, left_on__lte=cutoff, anonymised_at__isnull=True
    ).values_list("pk", flat=True)
    anonymised = kept = 0
    for pk in list(due):
        with transaction.atomic():
            volunteer = (
                Volunteer.objects.select_for_update(of=("self",))
                .select_related("person__user")
                .get(pk=pk)
            )
            if volunteer.anonymised_at is not None:
                continue
            if person_is_still_needed(volunteer.person):
                kept += 1
                continue
            person_anonymise(
                volunteer.person,
                reason="volunteer left %s; retention %s days"
                % (volunteer.left_on, settings.PORTAL_RETENTION_DAYS),
            )
            # UPDATE without signals: the old skills must not reach the log.
            Volunteer.objects.filter(pk=pk).update(
                skills="", anonymised_at=timezone.now()
            )
            anonymised += 1
    return anonymised, kept


@transaction.atomic
def team_create(
    *,
    user: User,
    name: str,
    street: OrgNode,
    community: OrgNode | None = None,
    unit: OrgNode | None = None,
    leader: Volunteer | None = None,
    service_area: str = "",
    description: str = "",
    members: Iterable[Volunteer] = (),
) -> Team:
    """Create a volunteer team with its leader and members; return it."""
    if community is not None:
        require(user, "volunteers.manage", community)
    else:
        require(user, "volunteers.manage", street)
    team = Team(
        name=name,
        street=street,
        community=community,
        unit=unit,
        leader=leader,
        service_area=service_area,
        description=description,
    )
    team.full_clean()
    team.save()
    for volunteer in {*members, *([leader] if leader else [])}:
        _team_member_add(team, volunteer)
    return team


def _team_member_add(team: Team, volunteer: Volunteer) -> None:
    if volunteer.street_id != team.street_id:
        raise _invalid(_("队员须是本街道的志愿者。"))
    TeamMembership.objects.get_or_create(team=team, volunteer=volunteer)


@transaction.atomic
def team_member_add(*, user: User, team: Team, volunteer: Volunteer) -> None:
    require(user, "volunteers.manage", team.community or team.street)
    _team_member_add(team, volunteer)


@transaction.atomic
def team_set_leader(*, user: User, team: Team, volunteer: Volunteer) -> Team:
    """Make ``volunteer`` (a member, added if need be) the team's leader."""
    require(user, "volunteers.manage", team.community or team.street)
    _team_member_add(team, volunteer)
    team.leader = volunteer
    team.save(update_fields=["leader", "updated_at"])
    return team
