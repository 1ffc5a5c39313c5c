"""Scheduling the monthly meetings, changing and cancelling them, and the
periodic work that schedules ahead and keeps their reminders in step."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.models import (
    OPEN_PROBLEM_STATUSES,
    ActionItem,
    ActionItemStatus,
    Meeting,
    MeetingStatus,
    PlaceKind,
    Problem,
)
from meetings.reminders import (
    action_item_reminders_sync,
    meeting_reminders_sync,
    person_channels,
)
from meetings.rotation import add_months, chairs_for, month_start
from meetings.services._common import (
    _as_month,
    _check_meeting_open,
    _require,
    _tz,
    committee_target,
)
from orgs.models import Committee, CommitteeKind, OrgNode, Person
from portal.models import User
from portal.roles import can

#: Committees that hold monthly joint meetings.
MEETING_KINDS = (CommitteeKind.BIG_WORKING, CommitteeKind.BIG_PARTY)


def default_schedule(
    committee: Committee, month: date
) -> tuple[datetime, str, str, str]:
    """Return (held_at, place_kind, place, address) for a newly scheduled meeting.

    大党委: third Wednesday, 15:00, in the community's service centre; 大工委:
    last Friday, 09:00, at the street office, so what a 大党委 escalates in a
    month is on the 大工委's table the same month.
    """
    last_day = calendar.monthrange(month.year, month.month)[1]
    if committee.kind == CommitteeKind.BIG_WORKING:
        day = date(month.year, month.month, last_day)
        while day.weekday() != calendar.FRIDAY:
            day -= timedelta(days=1)
        at = time(9, 0)
        place = _("街道党工委会议室")
    else:
        day = date(month.year, month.month, 1)
        while day.weekday() != calendar.WEDNESDAY:
            day += timedelta(days=1)
        day += timedelta(days=14)
        at = time(15, 0)
        community = committee.community
        community_name = community.name if community is not None else ""
        place = _("%s党群服务中心会议室") % community_name
    address = committee.org.address if committee.org_id else ""
    return datetime.combine(day, at, tzinfo=_tz()), PlaceKind.ROOM, place, address


# -- scheduling ----------------------------------------------------------------


@transaction.atomic
def meeting_schedule_month(
    *,
    month: date | str,
    user: User | None = None,
    street: OrgNode | None = None,
    committees: Iterable[Committee] | None = None,
) -> list[Meeting]:
    """Create the month's meeting of every 大工委 and 大党委; return the new ones.

    Idempotent: a committee that has its meeting for the month gets nothing new
    (one row per committee and month, enforced by a unique constraint). Each
    new meeting gets its rotating chair, its reminders, and the problems still
    waiting for a meeting of its committee on its agenda.
    """
    month = _as_month(month)
    query = Committee.objects.filter(kind__in=MEETING_KINDS).select_related(
        "community", "org"
    )
    if street is not None:
        query = query.filter(street=street)
    if committees is not None:
        query = query.filter(pk__in=[c.pk for c in committees])
    qs = list(query.order_by("street_id", "kind", "community_id", "pk"))
    if user is not None:
        allowed = [c for c in qs if can(user, "meetings.manage", **committee_target(c))]
        if not allowed:
            raise PermissionDenied(_("您没有排定联席会议的权限。"))
        qs = allowed
    existing = set(
        Meeting.objects.filter(committee__in=qs, month=month).values_list(
            "committee_id", flat=True
        )
    )
    missing = [c for c in qs if c.pk not in existing]
    chairs = chairs_for(missing, [month])
    created = []
    for committee in missing:
        held_at, place_kind, place, address = default_schedule(committee, month)
        meeting = Meeting(
            committee=committee,
            street_id=committee.street_id,
            community_id=committee.community_id,
            month=month,
            held_at=held_at,
            place_kind=place_kind,
            place=place,
            address=address,
            chair=chairs[committee.pk].get(month),
        )
        meeting.full_clean(validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                meeting.save()
        except IntegrityError:
            continue  # a concurrent run created it first: exactly one row wins
        created.append(meeting)
    for meeting in created:
        if meeting.held_at >= timezone.now():
            Problem.objects.filter(
                committee_id=meeting.committee_id,
                meeting__isnull=True,
                status__in=OPEN_PROBLEM_STATUSES,
            ).update(meeting=meeting, updated_at=timezone.now())
        meeting_reminders_sync(meeting)
    return created


@transaction.atomic
def meeting_update(
    *,
    user: User | None,
    meeting: Meeting,
    held_at: datetime,
    place_kind: str,
    place: str,
    address: str = "",
    agenda: str = "",
) -> Meeting:
    """Change a meeting's time, place or agenda; move its reminders with it."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _require(user, "meetings.manage", **committee_target(meeting.committee))
    _check_meeting_open(meeting)
    if meeting.status == MeetingStatus.HELD and held_at != meeting.held_at:
        raise ValidationError({"held_at": _("会议已召开，不能再改时间。")})
    local = timezone.localtime(held_at, _tz())
    if month_start(local.date()) != meeting.month:
        raise ValidationError(
            {
                "held_at": _("会议时间必须在 %s 月内（每月一次的联席会议）。")
                % meeting.month.strftime("%Y-%m")
            }
        )
    meeting.held_at = held_at
    meeting.place_kind = place_kind
    meeting.place = (place or "").strip()
    meeting.address = (address or "").strip()
    meeting.agenda = (agenda or "").strip()
    meeting.full_clean()
    meeting.save()
    meeting_reminders_sync(meeting)
    return meeting


@transaction.atomic
def meeting_cancel(*, user: User | None, meeting: Meeting, reason: str) -> Meeting:
    """Cancel a meeting that has not been held; cancel its pending reminders."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _require(user, "meetings.manage", **committee_target(meeting.committee))
    if meeting.status != MeetingStatus.SCHEDULED:
        raise ValidationError(_("只有待召开的会议可以取消。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写取消原因。")})
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_reason = reason[:255]
    meeting.save(update_fields=["status", "cancelled_reason", "updated_at"])
    meeting_reminders_sync(meeting)
    return meeting


# -- periodic work ----------------------------------------------------------------------


def meetings_schedule_ahead(*, today: date | None = None) -> int:
    """Schedule this month's and next month's meetings; return how many were new."""
    today = today or timezone.localdate()
    this = month_start(today)
    created = meeting_schedule_month(month=this)
    created += meeting_schedule_month(month=add_months(this, 1))
    return len(created)


#: How far ahead and back the periodic sync looks; reminders further ahead were
#: created at scheduling time, and older meetings need none.
SYNC_AHEAD = timedelta(days=10)
SYNC_BACK = timedelta(days=7)


def meetings_sync_reminders(*, now: datetime | None = None) -> int:
    """Re-sync the reminders of meetings and items near now; return rows created.

    Catches what changed since scheduling (a new seat, a role given to a new
    secretary) and heals anything missed. Idempotent.
    """
    now = now or timezone.now()
    created = 0
    meetings = Meeting.objects.filter(
        held_at__gte=now - SYNC_BACK, held_at__lte=now + SYNC_AHEAD
    ).exclude(status=MeetingStatus.CANCELLED)
    for meeting in meetings.select_related("committee", "chair__person__user"):
        with transaction.atomic():
            created += meeting_reminders_sync(meeting, now=now)
    today = timezone.localdate(now)
    items = ActionItem.objects.filter(
        due_on__gte=today - SYNC_BACK, due_on__lte=today + SYNC_AHEAD
    ).exclude(status=ActionItemStatus.DONE)
    for item in items.select_related("unit__head__user"):
        with transaction.atomic():
            created += action_item_reminders_sync(item, now=now)
    return created


def person_reachable(person: Person) -> bool:
    """Return whether a reminder can reach ``person`` at all (for the pages)."""
    return bool(person_channels(person))
