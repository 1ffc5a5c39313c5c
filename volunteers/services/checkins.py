"""Check-ins: the scan, the check-out, service time and attendance."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portal.models import User
from portal.notify import notify
from portal.roles import require
from volunteers.models import Activity, Attendance, CheckIn, EntryKind, PointsRule
from volunteers.services._common import _invalid
from volunteers.services.activities import (
    _check_can_join,
    activity_from_token,
    checkin_window,
)
from volunteers.services.ledger import _ledger_append, points_for, points_rule_for
from volunteers.services.registration import _require_volunteer

#: Minutes after an activity's end during which a volunteer may still check out.
CHECKOUT_GRACE_MINUTES = 120


@transaction.atomic
def checkin_scan(*, user: User, token: str, now: datetime | None = None) -> CheckIn:
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


def min_service_minutes() -> int:
    """Return the minutes of service before a volunteer may check out.

    ``VOLUNTEERS_MIN_SERVICE_MINUTES``, read at each call (a changed setting
    applies without a restart of this module's importers).
    """
    return max(int(settings.VOLUNTEERS_MIN_SERVICE_MINUTES), 0)


def service_minutes(
    *,
    checked_in_at: datetime,
    until: datetime | None,
    starts_at: datetime,
    ends_at: datetime,
    max_hours: int,
) -> int:
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


def _service_minutes(
    checkin: CheckIn, activity: Activity, rule: PointsRule | None = None
) -> int:
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


def checkout_opens_at(checkin: CheckIn, activity: Activity) -> datetime:
    """Return the earliest check-out of ``checkin``.

    ``min_service_minutes()`` after the check-in, or after the activity's
    start when the volunteer checked in early: a check-out that would
    credit (next to) nothing is refused.
    """
    served_from = max(checkin.checked_in_at, activity.starts_at)
    return served_from + timedelta(minutes=min_service_minutes())


@transaction.atomic
def checkin_checkout(*, user: User, token: str, now: datetime | None = None) -> CheckIn:
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


@transaction.atomic
def attendance_confirm(
    *, user: User, checkin: CheckIn, attendance: str, now: datetime | None = None
) -> CheckIn:
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
