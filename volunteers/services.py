"""Every write of the volunteers app.

Keyword-only arguments, one transaction each, the permission check first,
``full_clean()`` before saving, and a ``ValidationError`` with a clear Chinese
message when a rule says no. Views, API viewsets, tasks and commands call
these functions and nothing else writes these tables.

Concurrency: places on an activity, stock of an item and claims of a wish or
post are taken with a conditional UPDATE (``… WHERE still available``), so of
two writers exactly one wins; a volunteer's points are changed only under a
row lock on his ``PointsAccount``, taken before anything else, so balances
never go negative and never drift from the ledger's sum.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from orgs.models import OrgKind
from orgs.services import person_get_or_create
from portal.markup import strip_markup
from portal.models import Role, RoleAssignment
from portal.notify import notify
from portal.roles import require
from portal.services import role_assign
from portal.uploads import upload_check, upload_store
from volunteers.models import (
    ATTENDED,
    YEARLY_SERVICES_REQUIRED,
    Activity,
    ActivityStatus,
    ActivityType,
    Attendance,
    CheckIn,
    ClaimStatus,
    EntryKind,
    GroupServiceEvent,
    InServiceYearReview,
    LoveStation,
    MicroWish,
    PointsAccount,
    PointsEntry,
    PointsRule,
    Redemption,
    RedemptionStatus,
    ServicePost,
    SignUp,
    SignUpStatus,
    StationItem,
    Team,
    TeamMembership,
    Volunteer,
    VolunteerKind,
    VolunteerStatus,
)
from volunteers.photos import PROOF_PHOTO

CHECKIN_SALT = "volunteers.checkin"
#: Minutes after an activity's end during which a volunteer may still check out.
CHECKOUT_GRACE_MINUTES = 120
#: Default points per hour of each activity type (editable afterwards).
DEFAULT_RULES = {
    ActivityType.POLICY: 10,
    ActivityType.JOBS: 10,
    ActivityType.LEGAL: 12,
    ActivityType.CULTURE: 8,
    ActivityType.MEDICAL: 12,
    ActivityType.ELDERLY: 10,
    ActivityType.ENVIRONMENT: 10,
    ActivityType.CIVILITY: 8,
    ActivityType.SAFETY: 10,
    ActivityType.OTHER: 8,
}
#: Party points the employer's party organisation gives for one service (S15).
DEFAULT_PARTY_POINTS = 2


def _invalid(message, field=None):
    return ValidationError({field: message} if field else message)


# -- volunteers ----------------------------------------------------------------------


def volunteer_of(user):
    """Return the user's volunteer registration, or ``None``."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Volunteer.objects.select_related("person", "community", "street")
        .filter(person__user=user)
        .first()
    )


def _require_volunteer(user):
    volunteer = volunteer_of(user)
    if volunteer is None:
        raise _invalid(_("请先注册为志愿者。"))
    if volunteer.status != VolunteerStatus.ACTIVE:
        raise _invalid(_("您的志愿者身份已停用，请联系社区。"))
    return volunteer


def _check_community(community):
    if community is None or community.kind != OrgKind.COMMUNITY:
        raise _invalid(_("请选择一个社区。"), "community")


def _volunteer_create(*, person, community, kind, employer_unit, skills):
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
    if person.user_id:
        role_assign(user=person.user, role=Role.VOLUNTEER, org_node=community)
    return volunteer


@transaction.atomic
def volunteer_register_self(
    *,
    user,
    community,
    name,
    phone,
    kind=VolunteerKind.RESIDENT,
    employer_unit=None,
    skills="",
):
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
    user,
    community,
    name="",
    phone="",
    person=None,
    kind=VolunteerKind.RESIDENT,
    employer_unit=None,
    skills="",
):
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
def volunteer_leave(*, user, volunteer, on=None):
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
        from portal.services import role_revoke

        for assignment in RoleAssignment.objects.filter(
            user=account, role=Role.VOLUNTEER, org_node_id=volunteer.community_id
        ):
            role_revoke(assignment=assignment)
    return volunteer


def volunteers_anonymise_departed(*, today=None):
    """Anonymise the personal data of volunteers who left long enough ago.

    Due: left on or before ``today - PORTAL_RETENTION_DAYS`` and not yet
    anonymised. A person still needed elsewhere (a party member, a seat, a
    grid role, another sign-in role…) keeps his data: that purpose has its
    own rules; he is looked at again on the next run. Each volunteer in its
    own transaction; a rerun finds nothing left to do. Return
    ``(anonymised, kept)`` counts.
    """
    from portal.retention import person_anonymise, person_is_still_needed

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
                % (volunteer.left_on.isoformat(), settings.PORTAL_RETENTION_DAYS),
            )
            # UPDATE without signals: the old skills must not reach the log.
            Volunteer.objects.filter(pk=pk).update(
                skills="", anonymised_at=timezone.now()
            )
            anonymised += 1
    return anonymised, kept


# -- teams -----------------------------------------------------------------------------


@transaction.atomic
def team_create(
    *,
    user,
    name,
    street,
    community=None,
    unit=None,
    leader=None,
    service_area="",
    description="",
    members=(),
):
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


def _team_member_add(team, volunteer):
    if volunteer.street_id != team.street_id:
        raise _invalid(_("队员须是本街道的志愿者。"))
    TeamMembership.objects.get_or_create(team=team, volunteer=volunteer)


@transaction.atomic
def team_member_add(*, user, team, volunteer):
    require(user, "volunteers.manage", team.community or team.street)
    _team_member_add(team, volunteer)


@transaction.atomic
def team_set_leader(*, user, team, volunteer):
    """Make ``volunteer`` (a member, added if need be) the team's leader."""
    require(user, "volunteers.manage", team.community or team.street)
    _team_member_add(team, volunteer)
    team.leader = volunteer
    team.save(update_fields=["leader", "updated_at"])
    return team


# -- points rules ---------------------------------------------------------------------


def points_rule_default(activity_type):
    """Return the default rule of ``activity_type``, unsaved (for display)."""
    return PointsRule(
        activity_type=activity_type,
        points_per_hour=DEFAULT_RULES.get(activity_type, 10),
    )


def points_rule_for(activity_type):
    """Return the points rule of ``activity_type`` (created with its default)."""
    default = points_rule_default(activity_type)
    rule, _created = PointsRule.objects.get_or_create(
        activity_type=activity_type,
        defaults={"points_per_hour": default.points_per_hour},
    )
    return rule


@transaction.atomic
def points_rule_update(
    *, user, activity_type, points_per_hour, late_percent, max_hours, min_points
):
    """Change the rule of one activity type; past awards keep their points."""
    require(user, "volunteers.points_rules")
    rule = PointsRule.objects.select_for_update().get(
        pk=points_rule_for(activity_type).pk
    )
    rule.points_per_hour = points_per_hour
    rule.late_percent = late_percent
    rule.max_hours = max_hours
    rule.min_points = min_points
    rule.updated_by = user
    rule.full_clean()
    rule.save()
    return rule


# -- activities ------------------------------------------------------------------------


@transaction.atomic
def activity_publish(
    *,
    user,
    title,
    activity_type,
    place,
    starts_at,
    ends_at,
    capacity,
    street=None,
    community=None,
    unit=None,
    team=None,
    service_mode="voluntary",
    category="activity",
    points_per_hour=None,
    description="",
):
    """Publish an activity or project in one step and return it.

    Published by a unit (``unit``), a community (``community``) or the street
    (neither); the publisher needs ``volunteers.publish_activity`` there.
    """
    if unit is not None:
        if unit.kind != OrgKind.UNIT:
            raise _invalid(_("发布单位须为驻街单位。"), "unit")
        community = unit.community
        street = unit.street
        require(user, "volunteers.publish_activity", unit)
    elif community is not None:
        _check_community(community)
        street = community.street
        require(user, "volunteers.publish_activity", community)
    else:
        if street is None or street.kind != OrgKind.STREET:
            raise _invalid(_("请选择发布的社区或单位。"), "community")
        require(user, "volunteers.publish_activity", street)
    if points_per_hour is None:
        points_per_hour = points_rule_for(activity_type).points_per_hour
    if starts_at and ends_at and ends_at <= starts_at:
        raise _invalid(_("结束时间须晚于开始时间。"), "ends_at")
    activity = Activity(
        title=title,
        activity_type=activity_type,
        service_mode=service_mode,
        category=category,
        description=description,
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        points_per_hour=points_per_hour,
        street=street,
        community=community,
        unit=unit,
        team=team,
        organiser=user,
    )
    activity.full_clean()
    activity.save()
    return activity


@transaction.atomic
def activity_cancel(*, user, activity):
    """Cancel a published activity (its check-ins and points stay)."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    require(user, "volunteers.publish_activity", activity)
    if activity.status == ActivityStatus.CANCELLED:
        raise _invalid(_("活动已取消。"))
    activity.status = ActivityStatus.CANCELLED
    activity.cancelled_at = timezone.now()
    activity.save(update_fields=["status", "cancelled_at", "updated_at"])
    return activity


@transaction.atomic
def activity_qr_renew(*, user, activity):
    """Invalidate the activity's printed QR codes (a leaked code stops working)."""
    require(user, "volunteers.publish_activity", activity)
    Activity.objects.filter(pk=activity.pk).update(
        qr_version=F("qr_version") + 1, updated_at=timezone.now()
    )
    activity.refresh_from_db(fields=["qr_version", "updated_at"])
    return activity


def activity_checkin_token(activity):
    """Return the signed token carried by the activity's QR code."""
    return signing.dumps(
        {"a": activity.pk, "v": activity.qr_version}, salt=CHECKIN_SALT
    )


def activity_from_token(token):
    """Return the activity a check-in token names, or refuse the token."""
    try:
        data = signing.loads(token, salt=CHECKIN_SALT)
        activity = Activity.objects.select_related("community", "street").get(
            pk=int(data["a"])
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise _invalid(_("二维码无效，请扫描活动现场的签到二维码。")) from exc
    except Activity.DoesNotExist as exc:
        raise _invalid(_("二维码无效，请扫描活动现场的签到二维码。")) from exc
    if data.get("v") != activity.qr_version:
        raise _invalid(_("此二维码已失效，请扫描活动现场的最新二维码。"))
    return activity


def checkin_window(activity):
    """Return (opens, closes): when the activity's QR code accepts check-ins."""
    return (
        activity.starts_at - timedelta(minutes=activity.checkin_opens_minutes),
        activity.ends_at,
    )


# -- sign-ups ----------------------------------------------------------------------------


def _check_can_join(volunteer, activity, now):
    if activity.status != ActivityStatus.PUBLISHED:
        raise _invalid(_("活动已取消。"))
    if activity.street_id != volunteer.street_id:
        raise _invalid(_("只能参加本街道的活动。"))
    if now >= activity.ends_at:
        raise _invalid(_("活动已结束。"))


@transaction.atomic
def signup_create(*, user, activity, now=None):
    """Sign the user up for ``activity``; capacity holds under concurrency."""
    now = now or timezone.now()
    volunteer = _require_volunteer(user)
    require(user, "volunteers.participate", volunteer)
    _check_can_join(volunteer, activity, now)
    existing = SignUp.objects.filter(activity=activity, volunteer=volunteer).first()
    if existing is not None and existing.status == SignUpStatus.SIGNED:
        raise _invalid(_("您已报名本活动。"))
    try:
        with transaction.atomic():
            # The conditional UPDATE takes the place only while one is left:
            # of many concurrent sign-ups for the last place exactly one wins.
            taken = Activity.objects.filter(
                pk=activity.pk,
                status=ActivityStatus.PUBLISHED,
                signed_up_count__lt=F("capacity"),
            ).update(signed_up_count=F("signed_up_count") + 1)
            if not taken:
                raise _invalid(_("名额已满。"))
            if existing is not None:
                done = SignUp.objects.filter(
                    pk=existing.pk, status=SignUpStatus.CANCELLED
                ).update(
                    status=SignUpStatus.SIGNED,
                    signed_at=now,
                    cancelled_at=None,
                    updated_at=now,
                )
                if not done:
                    raise IntegrityError("signed up meanwhile")
                signup = SignUp.objects.get(pk=existing.pk)
            else:
                signup = SignUp.objects.create(
                    activity=activity,
                    volunteer=volunteer,
                    street_id=activity.street_id,
                    community_id=activity.community_id,
                    signed_at=now,
                )
    except IntegrityError as exc:
        raise _invalid(_("您已报名本活动。")) from exc
    return signup


@transaction.atomic
def signup_cancel(*, user, activity, now=None):
    """Cancel the user's sign-up and free the place."""
    now = now or timezone.now()
    volunteer = _require_volunteer(user)
    done = SignUp.objects.filter(
        activity=activity, volunteer=volunteer, status=SignUpStatus.SIGNED
    ).update(status=SignUpStatus.CANCELLED, cancelled_at=now, updated_at=now)
    if not done:
        raise _invalid(_("您没有报名本活动。"))
    Activity.objects.filter(pk=activity.pk, signed_up_count__gt=0).update(
        signed_up_count=F("signed_up_count") - 1
    )


# -- check-ins -------------------------------------------------------------------------


@transaction.atomic
def checkin_scan(*, user, token, now=None):
    """Record the user's check-in at the activity named by a scanned QR code.

    Only inside the activity's window, once per person per activity (a
    database constraint; a second scan gets a clear message). The scan earns
    nothing until the organiser confirms attendance.
    """
    now = now or timezone.now()
    activity = activity_from_token(token)
    volunteer = _require_volunteer(user)
    require(user, "volunteers.participate", volunteer)
    _check_can_join(volunteer, activity, now)
    opens, closes = checkin_window(activity)
    if now < opens:
        raise _invalid(
            _("签到尚未开始：活动开始前 %s 分钟开放签到。")
            % activity.checkin_opens_minutes
        )
    if now > closes:
        raise _invalid(_("活动已结束，不能再签到。"))
    in_service = volunteer.is_in_service and activity.community_id is not None
    checkin = CheckIn(
        activity=activity,
        volunteer=volunteer,
        street_id=activity.street_id,
        community_id=activity.community_id,
        unit_id=activity.unit_id,
        employer_unit_id=volunteer.employer_unit_id if in_service else None,
        in_service=in_service,
        checked_in_at=now,
    )
    try:
        with transaction.atomic():
            checkin.save()
    except IntegrityError as exc:
        raise _invalid(_("您已在本活动签到，每人每个活动只能签到一次。")) from exc
    return checkin


def min_service_minutes():
    """Return the minutes of service before a volunteer may check out.

    ``VOLUNTEERS_MIN_SERVICE_MINUTES``, read at each call (a changed setting
    applies without a restart of this module's importers).
    """
    return max(int(settings.VOLUNTEERS_MIN_SERVICE_MINUTES), 0)


def service_minutes(*, checked_in_at, until, starts_at, ends_at, max_hours):
    """Return the minutes credited for presence from ``checked_in_at`` to ``until``.

    The overlap of [check-in, ``until``] with the activity's window
    [``starts_at``, ``ends_at``], in whole minutes, never negative, at most
    ``max_hours`` hours (the points rule's cap). ``until`` is the check-out,
    or without one the organiser's confirmation.
    """
    if until is None:
        return 0
    start = max(checked_in_at, starts_at)
    end = min(until, ends_at)
    minutes = max(int((end - start).total_seconds() // 60), 0)
    return min(minutes, max_hours * 60)


def _service_minutes(checkin, activity, rule=None):
    """Return the check-in's credited minutes (see ``service_minutes``).

    Presence ends at the check-out, or without one at the confirmation: a
    confirmation while the activity is running credits only the time that
    has passed. (A check-out after the confirmation is refused.)
    """
    rule = rule or points_rule_for(activity.activity_type)
    return service_minutes(
        checked_in_at=checkin.checked_in_at,
        until=checkin.checked_out_at or checkin.confirmed_at,
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
        max_hours=rule.max_hours,
    )


def checkout_opens_at(checkin, activity):
    """Return the earliest check-out of ``checkin``.

    ``min_service_minutes()`` after the check-in, or after the activity's
    start when the volunteer checked in early: a check-out that would
    credit (next to) nothing is refused.
    """
    served_from = max(checkin.checked_in_at, activity.starts_at)
    return served_from + timedelta(minutes=min_service_minutes())


@transaction.atomic
def checkin_checkout(*, user, token, now=None):
    """Record the user's check-out by a second scan; hours follow from it.

    Refused before ``checkout_opens_at`` (a few minutes of service at
    least), after the grace period past the activity's end, and once the
    organiser has confirmed the attendance (the time is settled then).
    """
    now = now or timezone.now()
    activity = activity_from_token(token)
    volunteer = _require_volunteer(user)
    checkin = (
        CheckIn.objects.select_for_update()
        .filter(activity=activity, volunteer=volunteer)
        .first()
    )
    if checkin is None:
        raise _invalid(_("您还没有签到。"))
    if checkin.checked_out_at is not None:
        raise _invalid(_("您已签退。"))
    if checkin.attendance != Attendance.PENDING:
        raise _invalid(_("组织方已确认出勤，服务时长已结算，不能再签退。"))
    if now > activity.ends_at + timedelta(minutes=CHECKOUT_GRACE_MINUTES):
        raise _invalid(_("签退时间已过，时长将按活动结束时间计算。"))
    opens = checkout_opens_at(checkin, activity)
    if now < opens:
        raise _invalid(
            _("服务时长不足 %(n)s 分钟，暂不能签退，请在 %(time)s 以后签退。")
            % {
                "n": min_service_minutes(),
                "time": date_format(timezone.localtime(opens), "H:i"),
            }
        )
    checkin.checked_out_at = now
    checkin.minutes = _service_minutes(checkin, activity)
    checkin.save(update_fields=["checked_out_at", "minutes", "updated_at"])
    return checkin


def points_for(*, minutes, points_per_hour, attendance, rule):
    """Return the points earned by ``minutes`` of service at ``attendance``."""
    if attendance not in (Attendance.PRESENT, Attendance.LATE):
        return 0
    percent = 100 if attendance == Attendance.PRESENT else rule.late_percent
    points = (minutes * points_per_hour * percent + 3000) // 6000
    return max(points, rule.min_points if percent else 0)


@transaction.atomic
def attendance_confirm(*, user, checkin, attendance, now=None):
    """Confirm a check-in's attendance and award its points; return it.

    Only the organiser side (``volunteers.publish_activity`` on the
    activity) confirms, once; present and late earn points by the activity
    type's rule (late at the rule's percentage), absent earns none. Points
    follow the credited minutes: up to the check-out, or without one up to
    now (a confirmation during the activity credits only what has passed).
    """
    now = now or timezone.now()
    checkin = (
        CheckIn.objects.select_for_update()
        .select_related("activity", "volunteer")
        .get(pk=checkin.pk)
    )
    activity = checkin.activity
    require(user, "volunteers.publish_activity", activity)
    if attendance not in (Attendance.PRESENT, Attendance.LATE, Attendance.ABSENT):
        raise _invalid(_("请选择出勤、迟到或缺勤。"), "attendance")
    if checkin.attendance != Attendance.PENDING:
        raise _invalid(_("该签到已确认过出勤。"))
    rule = points_rule_for(activity.activity_type)
    checkin.attendance = attendance
    checkin.confirmed_by = user
    checkin.confirmed_at = now
    checkin.minutes = _service_minutes(checkin, activity, rule)
    checkin.points_awarded = points_for(
        minutes=checkin.minutes,
        points_per_hour=activity.points_per_hour,
        attendance=attendance,
        rule=rule,
    )
    checkin.save(
        update_fields=[
            "minutes",
            "attendance",
            "confirmed_by",
            "confirmed_at",
            "points_awarded",
            "updated_at",
        ]
    )
    if checkin.points_awarded:
        _ledger_append(
            volunteer=checkin.volunteer,
            kind=EntryKind.AWARD,
            points=checkin.points_awarded,
            reason=_("参加活动“%s”") % activity.title,
            user=user,
            checkin=checkin,
            at=now,
        )
        member = checkin.volunteer.person.user if checkin.volunteer.person_id else None
        notify(
            recipients=[member],
            title=_("获得 %(points)s 积分：%(title)s")
            % {"points": checkin.points_awarded, "title": activity.title},
            kind="volunteers.points",
        )
    return checkin


@transaction.atomic
def party_points_confirm(*, user, checkin, points=DEFAULT_PARTY_POINTS, now=None):
    """The employer unit's party org confirms a member's service (S15), once."""
    now = now or timezone.now()
    checkin = CheckIn.objects.select_for_update().get(pk=checkin.pk)
    if not checkin.in_service or checkin.employer_unit_id is None:
        raise _invalid(_("这不是在职党员到社区报到的服务记录。"))
    require(
        user,
        "volunteers.confirm_party_points",
        unit_id=checkin.employer_unit_id,
        street_id=checkin.street_id,
    )
    if checkin.attendance == Attendance.ABSENT:
        raise _invalid(_("社区记录为缺勤，不能确认积分。"))
    if checkin.party_confirmed_at is not None:
        raise _invalid(_("该服务记录的积分已确认。"))
    if not 0 <= int(points) <= 100:
        raise _invalid(_("积分须在 0 到 100 之间。"), "points")
    checkin.party_points = int(points)
    checkin.party_confirmed_by = user
    checkin.party_confirmed_at = now
    checkin.save(
        update_fields=[
            "party_points",
            "party_confirmed_by",
            "party_confirmed_at",
            "updated_at",
        ]
    )
    return checkin


# -- the points ledger ---------------------------------------------------------------


def _account_locked(volunteer):
    """Return the volunteer's account, locked until the transaction ends."""
    account = (
        PointsAccount.objects.select_for_update().filter(volunteer=volunteer).first()
    )
    if account is None:
        PointsAccount.objects.get_or_create(
            volunteer=volunteer,
            defaults={
                "street_id": volunteer.street_id,
                "community_id": volunteer.community_id,
            },
        )
        account = PointsAccount.objects.select_for_update().get(volunteer=volunteer)
    return account


def _ledger_append(
    *,
    volunteer,
    kind,
    points,
    reason,
    user,
    checkin=None,
    redemption=None,
    reverses=None,
    at=None,
    account=None,
):
    """Append one entry and move the cached balance with it, under the lock."""
    account = account or _account_locked(volunteer)
    if account.balance + points < 0:
        raise _invalid(
            _("积分余额不足：当前余额 %(balance)s，需要 %(need)s。")
            % {"balance": account.balance, "need": -points}
        )
    entry = PointsEntry(
        volunteer=volunteer,
        kind=kind,
        points=points,
        reason=reason,
        street_id=volunteer.street_id,
        community_id=volunteer.community_id,
        checkin=checkin,
        redemption=redemption,
        reverses=reverses,
        created_by=user,
        created_at=at or timezone.now(),
    )
    entry.full_clean()
    entry.save()
    earned = points if kind == EntryKind.AWARD else 0
    if reverses is not None and reverses.kind == EntryKind.AWARD:
        earned = points
    PointsAccount.objects.filter(pk=account.pk).update(
        balance=F("balance") + points,
        earned=F("earned") + earned,
        updated_at=timezone.now(),
    )
    account.balance += points
    account.earned += earned
    return entry


@transaction.atomic
def points_award(*, user, volunteer, points, reason):
    """Award points for service recorded outside an activity (with a reason)."""
    require(user, "volunteers.correct_points", volunteer)
    reason = (reason or "").strip()
    if not reason:
        raise _invalid(_("发放积分须填写事由。"), "reason")
    if int(points) <= 0:
        raise _invalid(_("发放的积分须大于 0。"), "points")
    return _ledger_append(
        volunteer=volunteer,
        kind=EntryKind.AWARD,
        points=int(points),
        reason=reason,
        user=user,
    )


@transaction.atomic
def points_correct(*, user, volunteer, points, reason):
    """Add a correction entry (plus or minus) with its reason."""
    require(user, "volunteers.correct_points", volunteer)
    reason = (reason or "").strip()
    if not reason:
        raise _invalid(_("调整积分须填写原因。"), "reason")
    if not points:
        raise _invalid(_("调整的积分不能为 0。"), "points")
    return _ledger_append(
        volunteer=volunteer,
        kind=EntryKind.CORRECTION,
        points=int(points),
        reason=reason,
        user=user,
    )


@transaction.atomic
def points_reverse(*, user, entry, reason):
    """Reverse a ledger entry with a reason; return the reversing entry.

    The entry stays; a new entry of the opposite sign names it. Reversing a
    redemption also cancels it and puts the items back in stock.
    """
    volunteer = entry.volunteer
    require(user, "volunteers.correct_points", volunteer)
    reason = (reason or "").strip()
    if not reason:
        raise _invalid(_("冲正须填写原因。"), "reason")
    account = _account_locked(volunteer)  # first lock: serialises reversals
    entry = PointsEntry.objects.select_related("redemption").get(pk=entry.pk)
    if entry.kind == EntryKind.REVERSAL:
        raise _invalid(_("冲正记录不能再冲正，如有错误请另行调整。"))
    if PointsEntry.objects.filter(reverses=entry).exists():
        raise _invalid(_("该记录已冲正过。"))
    if entry.redemption_id:
        redemption = Redemption.objects.select_for_update().get(pk=entry.redemption_id)
        if redemption.status != RedemptionStatus.DONE:
            raise _invalid(_("该兑换已撤销。"))
        now = timezone.now()
        redemption.status = RedemptionStatus.CANCELLED
        redemption.cancelled_at = now
        redemption.cancel_reason = reason
        redemption.save(
            update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"]
        )
        StationItem.objects.filter(pk=redemption.item_id).update(
            stock=F("stock") + redemption.quantity, updated_at=now
        )
    try:
        with transaction.atomic():
            return _ledger_append(
                volunteer=volunteer,
                kind=EntryKind.REVERSAL,
                points=-entry.points,
                reason=reason,
                user=user,
                reverses=entry,
                account=account,
            )
    except IntegrityError as exc:
        raise _invalid(_("该记录已冲正过。")) from exc


def points_balance(volunteer):
    """Return the volunteer's balance (the cached row; equal to the sum)."""
    return (
        PointsAccount.objects.filter(volunteer=volunteer)
        .values_list("balance", flat=True)
        .first()
        or 0
    )


def points_ledger_sum(volunteer):
    """Return the sum of the volunteer's ledger entries."""
    return (
        PointsEntry.objects.filter(volunteer=volunteer).aggregate(s=Sum("points"))["s"]
        or 0
    )


# -- love station ------------------------------------------------------------------------


@transaction.atomic
def station_get_or_create(*, user, community, name="", address="", opening_hours=""):
    _check_community(community)
    require(user, "volunteers.manage", community)
    station, _created = LoveStation.objects.get_or_create(
        community=community,
        defaults={
            "street_id": community.street_id,
            "name": name or _("%s爱心加油站") % community.name,
            "address": address,
            "opening_hours": opening_hours,
        },
    )
    return station


@transaction.atomic
def station_item_create(*, user, station, name, price, stock=0, description=""):
    require(user, "volunteers.manage", station)
    item = StationItem(
        station=station,
        name=name,
        price=price,
        stock=stock,
        description=description,
        street_id=station.street_id,
        community_id=station.community_id,
    )
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def station_item_restock(*, user, item, quantity):
    """Add ``quantity`` items to the stock (atomic increment)."""
    require(user, "volunteers.manage", item)
    if int(quantity) <= 0:
        raise _invalid(_("补充数量须大于 0。"), "quantity")
    StationItem.objects.filter(pk=item.pk).update(
        stock=F("stock") + int(quantity), updated_at=timezone.now()
    )
    item.refresh_from_db(fields=["stock", "updated_at"])
    return item


@transaction.atomic
def redemption_create(*, user, item, quantity=1, volunteer=None, now=None):
    """Redeem points for ``quantity`` of ``item``; return the redemption.

    The volunteer redeems for himself; staff may record a redemption at the
    station counter for a volunteer of their community. The account row is
    locked first (so two redemptions by one person run one after the other
    and the second sees the first's balance); stock is taken by a
    conditional UPDATE (so the last item goes to exactly one person).
    """
    now = now or timezone.now()
    if volunteer is None:
        volunteer = _require_volunteer(user)
        require(user, "volunteers.participate", volunteer)
    else:
        require(user, "volunteers.manage", volunteer)
    quantity = int(quantity)
    if quantity < 1:
        raise _invalid(_("数量至少为 1。"), "quantity")
    item = StationItem.objects.get(pk=item.pk)
    if item.community_id != volunteer.community_id:
        raise _invalid(_("只能在报到社区的爱心加油站兑换。"))
    if not item.active:
        raise _invalid(_("该物品已下架。"))
    cost = item.price * quantity
    account = _account_locked(volunteer)
    if account.balance < cost:
        raise _invalid(
            _("积分余额不足：当前余额 %(balance)s，需要 %(need)s。")
            % {"balance": account.balance, "need": cost}
        )
    taken = StationItem.objects.filter(
        pk=item.pk, active=True, stock__gte=quantity
    ).update(stock=F("stock") - quantity, updated_at=now)
    if not taken:
        raise _invalid(_("库存不足：“%s”已兑完。") % item.name)
    redemption = Redemption(
        volunteer=volunteer,
        item=item,
        quantity=quantity,
        points=cost,
        street_id=volunteer.street_id,
        community_id=volunteer.community_id,
        redeemed_at=now,
    )
    redemption.full_clean()
    redemption.save()
    _ledger_append(
        volunteer=volunteer,
        kind=EntryKind.REDEMPTION,
        points=-cost,
        reason=_("兑换“%(item)s”×%(n)s") % {"item": item.name, "n": quantity},
        user=user,
        redemption=redemption,
        at=now,
        account=account,
    )
    return redemption


@transaction.atomic
def redemption_cancel(*, user, redemption, reason):
    """Cancel a redemption: refund by a reversing entry and restock."""
    require(user, "volunteers.correct_points", redemption)
    entry = PointsEntry.objects.get(redemption=redemption)
    return points_reverse(user=user, entry=entry, reason=reason)


# -- micro-wishes and service posts ----------------------------------------------------


def _noun(model):
    return _("心愿") if model is MicroWish else _("岗位")


def _secretaries_of(community_id):
    from portal.models import User

    return list(
        User.objects.filter(
            role_assignments__role=Role.COMMUNITY_SECRETARY,
            role_assignments__org_node_id=community_id,
            is_active=True,
        ).distinct()
    )


@transaction.atomic
def claimable_create(
    *,
    user,
    model,
    community,
    title,
    description="",
    resident_name="",
    resident_address="",
    resident_phone="",
    **fields,
):
    """List a micro-wish or a service post in ``community``; return it.

    Its texts are stored as plain text (markup removed): the API hands them to
    clients that may render HTML.
    """
    _check_community(community)
    require(user, "volunteers.manage", community)
    obj = model(
        community=community,
        street_id=community.street_id,
        title=strip_markup(title).strip(),
        description=strip_markup(description).strip(),
        resident_name=strip_markup(resident_name).strip(),
        resident_address=strip_markup(resident_address).strip(),
        resident_phone=resident_phone,
        created_by=user,
        **fields,
    )
    obj.full_clean()
    obj.save()
    return obj


def wish_create(*, user, community, **fields):
    return claimable_create(user=user, model=MicroWish, community=community, **fields)


def post_create(*, user, community, **fields):
    return claimable_create(user=user, model=ServicePost, community=community, **fields)


@transaction.atomic
def claimable_claim(*, user, obj, as_unit=None, now=None):
    """Claim a wish or post for a unit or for the user as a party member.

    Exactly one claimant wins when several claim at once: the claim is one
    conditional UPDATE (``… WHERE status = 'open'``); the others are told it
    is already claimed.
    """
    now = now or timezone.now()
    model = type(obj)
    noun = _noun(model)
    values = {"claimed_by_user": user, "claimed_at": now}
    if as_unit is not None:
        if as_unit.kind != OrgKind.UNIT:
            raise _invalid(_("认领单位须为驻街单位。"))
        require(user, "volunteers.claim", as_unit)
        if as_unit.street_id != obj.street_id:
            raise _invalid(_("只能认领本街道的%s。") % noun)
        values["claimed_by_unit"] = as_unit
    else:
        volunteer = _require_volunteer(user)
        if not volunteer.is_party_member:
            raise _invalid(_("微心愿和服务岗位由党员或驻街单位认领。"))
        require(user, "volunteers.claim", community_id=obj.community_id)
        values["claimed_by_volunteer"] = volunteer
    won = model.objects.filter(pk=obj.pk, status=ClaimStatus.OPEN).update(
        status=ClaimStatus.CLAIMED, updated_at=now, **values
    )
    if not won:
        current = (
            model.objects.filter(pk=obj.pk).values_list("status", flat=True).first()
        )
        if current == ClaimStatus.CANCELLED:
            raise _invalid(_("该%s已撤销。") % noun)
        raise _invalid(_("该%s已被认领。") % noun)
    obj = model.objects.get(pk=obj.pk)
    notify(
        recipients=_secretaries_of(obj.community_id),
        title=_("%(noun)s“%(title)s”已被认领") % {"noun": noun, "title": obj.title},
        kind="volunteers.claim",
    )
    return obj


def is_claimant(obj, user):
    """Return whether ``user`` is (or acts for) the accepted claimant of ``obj``."""
    if obj.status not in (
        ClaimStatus.CLAIMED,
        ClaimStatus.FULFILLED,
        ClaimStatus.CONFIRMED,
    ):
        return False
    if obj.claimed_by_user_id and obj.claimed_by_user_id == user.pk:
        return True
    from portal.scope import scope_for

    return bool(
        obj.claimed_by_unit_id and obj.claimed_by_unit_id in scope_for(user).unit_ids
    )


@transaction.atomic
def claimable_fulfil(*, user, obj, photo, note="", now=None):
    """Mark a claimed wish or post fulfilled, with a photo as proof."""
    now = now or timezone.now()
    model = type(obj)
    obj = model.objects.select_for_update().get(pk=obj.pk)
    if not is_claimant(obj, user):
        raise _invalid(_("只有认领人可以登记完成情况。"))
    if obj.status != ClaimStatus.CLAIMED:
        raise _invalid(_("该%s当前不能登记完成。") % _noun(model))
    if photo is None:
        raise _invalid(_("请上传完成情况的照片。"), "photo")
    name = upload_store(upload_check(photo, policy=PROOF_PHOTO), policy=PROOF_PHOTO)
    obj.photo = name
    obj.fulfil_note = strip_markup(note)[:500]
    obj.fulfilled_at = now
    obj.status = ClaimStatus.FULFILLED
    obj.save(
        update_fields=["photo", "fulfil_note", "fulfilled_at", "status", "updated_at"]
    )
    notify(
        recipients=_secretaries_of(obj.community_id),
        title=_("%(noun)s“%(title)s”已完成，请确认")
        % {"noun": _noun(model), "title": obj.title},
        kind="volunteers.fulfil",
    )
    return obj


@transaction.atomic
def claimable_confirm(*, user, obj, now=None):
    """The community confirms a fulfilled wish or post."""
    now = now or timezone.now()
    model = type(obj)
    require(user, "volunteers.manage", obj)
    done = model.objects.filter(pk=obj.pk, status=ClaimStatus.FULFILLED).update(
        status=ClaimStatus.CONFIRMED,
        confirmed_at=now,
        confirmed_by=user,
        updated_at=now,
    )
    if not done:
        raise _invalid(_("只有已完成的%s可以确认。") % _noun(model))
    obj = model.objects.get(pk=obj.pk)
    notify(
        recipients=[obj.claimed_by_user],
        title=_("社区已确认：%s") % obj.title,
        kind="volunteers.confirm",
    )
    return obj


@transaction.atomic
def claimable_cancel(*, user, obj, now=None):
    """Withdraw an open wish or post."""
    now = now or timezone.now()
    model = type(obj)
    require(user, "volunteers.manage", obj)
    done = model.objects.filter(pk=obj.pk, status=ClaimStatus.OPEN).update(
        status=ClaimStatus.CANCELLED, cancelled_at=now, updated_at=now
    )
    if not done:
        raise _invalid(_("只有待认领的%s可以撤销。") % _noun(model))
    return model.objects.get(pk=obj.pk)


# -- group service events --------------------------------------------------------------


@transaction.atomic
def group_event_record(
    *,
    user,
    unit,
    service_type,
    title,
    held_on,
    residents_served,
    place="",
    volunteers_count=0,
    description="",
):
    """Record a unit's group (组团式) service event; return it."""
    if unit is None or unit.kind != OrgKind.UNIT:
        raise _invalid(_("请选择驻街单位。"), "unit")
    require(user, "volunteers.record_group_event", unit)
    event = GroupServiceEvent(
        unit=unit,
        street_id=unit.street_id,
        community_id=unit.community_id,
        service_type=service_type,
        title=title,
        held_on=held_on,
        place=place,
        residents_served=residents_served,
        volunteers_count=volunteers_count,
        description=description,
        recorded_by=user,
    )
    event.full_clean()
    event.save()
    return event


# -- in-service party members: the year's review -----------------------------------


@transaction.atomic
def in_service_year_close(*, year, now=None):
    """Write each in-service party member's services in ``year`` and the flag.

    Idempotent: a rerun recomputes the same figures. Members below
    ``YEARLY_SERVICES_REQUIRED`` are flagged not eligible for excellent
    party member. Return the number of members reviewed.
    """
    from volunteers.selectors import in_service_monthly_counts

    now = now or timezone.now()
    if year >= timezone.localdate(now).year:
        raise _invalid(_("年度尚未结束，不能结算。"))
    volunteers = list(
        Volunteer.objects.filter(kind=VolunteerKind.IN_SERVICE).values(
            "id", "street_id", "community_id", "employer_unit_id"
        )
    )
    counts = in_service_monthly_counts(
        Volunteer.objects.filter(kind=VolunteerKind.IN_SERVICE), year
    )
    existing = set(
        InServiceYearReview.objects.filter(year=year).values_list(
            "volunteer_id", flat=True
        )
    )
    new, changed = [], []
    for v in volunteers:
        months = counts.get(v["id"], {})
        services = sum(months.values())
        review = InServiceYearReview(
            volunteer_id=v["id"],
            year=year,
            services=services,
            months_below=sum(1 for m in range(1, 13) if months.get(m, 0) < 1),
            eligible_excellent=services >= YEARLY_SERVICES_REQUIRED,
            street_id=v["street_id"],
            community_id=v["community_id"],
            employer_unit_id=v["employer_unit_id"],
            computed_at=now,
        )
        (changed if v["id"] in existing else new).append(review)
    InServiceYearReview.objects.bulk_create(new, batch_size=1000)
    for review in changed:
        InServiceYearReview.objects.filter(
            volunteer_id=review.volunteer_id, year=year
        ).update(
            services=review.services,
            months_below=review.months_below,
            eligible_excellent=review.eligible_excellent,
            employer_unit_id=review.employer_unit_id,
            computed_at=now,
            updated_at=now,
        )
    return len(volunteers)


def service_card_notices_send(*, year, quarter):
    """Tell each employer unit's heads their quarter's service record card is ready.

    One inbox notice per unit head and quarter (a reminder row with a unique
    key), so a rerun sends nothing twice. Return how many were scheduled.
    """
    from django.urls import reverse

    from portal.notify import reminder_schedule

    unit_ids = (
        CheckIn.objects.filter(
            in_service=True,
            attendance__in=ATTENDED,
            checked_in_at__year=year,
            checked_in_at__month__in=quarter_months(quarter),
        )
        .values_list("employer_unit_id", flat=True)
        .distinct()
    )
    heads = RoleAssignment.objects.filter(
        role=Role.UNIT_HEAD, org_node_id__in=list(unit_ids)
    ).select_related("user", "org_node")
    scheduled = 0
    for assignment in heads:
        link = reverse(
            "volunteers:service_card",
            args=[assignment.org_node_id, year, quarter],
        )
        reminder_schedule(
            key=f"volunteers.card:{year}Q{quarter}:{assignment.org_node_id}:{assignment.user_id}",
            due_at=timezone.now(),
            recipient=assignment.user,
            subject=_("%(year)s 年第 %(q)s 季度在职党员服务记录卡")
            % {"year": year, "q": quarter},
            body=_("“%s”在职党员到社区报到服务记录卡已生成。")
            % assignment.org_node.name,
            link=link,
            kind="volunteers.card",
        )
        scheduled += 1
    return scheduled


def quarter_months(quarter):
    """Return the months of ``quarter`` (1–4)."""
    first = (int(quarter) - 1) * 3 + 1
    return [first, first + 1, first + 2]
