"""Attendance at a meeting, its minutes and their draft."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.minutes import minutes_text, sanitise_minutes
from meetings.models import (
    Attendance,
    AttendanceStatus,
    AttendeeKind,
    Meeting,
    MeetingStatus,
    MinutesRevision,
)
from meetings.reminders import meeting_reminders_sync
from meetings.services._common import (
    _actor,
    _check_meeting_open,
    _discard,
    _require,
    _store_files,
    _tz,
    committee_target,
)
from meetings.uploads import ATTACHMENTS
from orgs.models import OrgKind, OrgNode, Seat
from portal.models import User
from portal.roles import Actor, can
from portal.uploads import uploads_check


def unit_of_seat(seat: Seat) -> OrgNode | None:
    """Return the resident unit a seat represents (through its party org), or None."""
    node = seat.represents
    for _hop in range(4):
        if node is None:
            return None
        if node.kind == OrgKind.UNIT:
            return node
        if node.kind != OrgKind.PARTY_ORG:
            return None
        node = node.parent
    return None


def _check_meeting_started(meeting: Meeting, message: str) -> None:
    """Refuse a record of what happened at a meeting that has not started yet."""
    if not meeting.has_started(timezone.now()):
        start = timezone.localtime(meeting.held_at, _tz())
        raise ValidationError(message % start.strftime("%Y-%m-%d %H:%M"))


def _mark_held(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.SCHEDULED:
        meeting.status = MeetingStatus.HELD
        meeting.save(update_fields=["status", "updated_at"])


@transaction.atomic
def meeting_record_attendance(
    *,
    user: User | None,
    meeting: Meeting,
    statuses: Mapping[Any, str],
    guests: Iterable[tuple[str, str]] = (),
) -> Meeting:
    """Record who came: ``statuses`` maps seat id → status; ``guests`` are
    (kind, name) pairs of resident representatives and guests (replaced whole).
    """
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _require(user, "meetings.file_minutes", **committee_target(meeting.committee))
    _check_meeting_open(meeting)
    _check_meeting_started(meeting, _("会议将于 %s 召开，召开后才能登记出席情况。"))
    seats = {
        s.pk: s
        for s in meeting.committee.seats.select_related(
            "person", "represents__parent__parent"
        )
    }
    valid = set(AttendanceStatus.values)
    for seat_id, status in statuses.items():
        if int(seat_id) not in seats:
            raise ValidationError(_("出席名单中有不属于本委员会的席位。"))
        if status not in valid:
            raise ValidationError(_("出席情况只能是出席、缺席或请假。"))
    existing = {a.seat_id: a for a in meeting.attendance.filter(seat__isnull=False)}
    fresh = []
    for seat_id, status in statuses.items():
        seat = seats[int(seat_id)]
        row = existing.get(seat.pk)
        if row is not None:
            if row.status != status:
                row.status = status
                row.save(update_fields=["status", "updated_at"])
            continue
        unit = unit_of_seat(seat)
        fresh.append(
            Attendance(
                meeting=meeting,
                kind=AttendeeKind.MEMBER,
                seat=seat,
                name=seat.person.name,
                status=status,
                street_id=meeting.street_id,
                community_id=meeting.community_id,
                unit=unit,
            )
        )
    Attendance.objects.bulk_create(fresh)
    meeting.attendance.filter(seat__isnull=True).delete()
    guest_rows = []
    for kind, name in guests:
        name = (name or "").strip()
        if not name:
            continue
        if kind not in (AttendeeKind.RESIDENT, AttendeeKind.GUEST):
            raise ValidationError(_("列席人员只能是居民代表或嘉宾。"))
        guest_rows.append(
            Attendance(
                meeting=meeting,
                kind=kind,
                name=name[:100],
                status=AttendanceStatus.PRESENT,
                street_id=meeting.street_id,
                community_id=meeting.community_id,
            )
        )
    Attendance.objects.bulk_create(guest_rows)
    _mark_held(meeting)
    meeting_reminders_sync(meeting)
    return meeting


def can_file_minutes(user: Actor, meeting: Meeting) -> bool:
    """Return whether ``user`` may file this meeting's minutes (secretary or chair)."""
    if can(user, "meetings.file_minutes", **committee_target(meeting.committee)):
        return True
    chair = meeting.chair
    return bool(
        chair is not None
        and user is not None
        and user.is_authenticated
        and chair.person.user_id == user.pk
    )


def meeting_file_minutes(
    *,
    user: User | None,
    meeting: Meeting,
    text: str,
    files: Iterable[Any] = (),
    note: str = "",
) -> Meeting:
    """File (or revise) a meeting's minutes with attachments; all or nothing.

    The text is sanitised; every filing is kept as a revision with who and
    when. Files are checked before anything is written; a bad file refuses the
    whole filing with a clear message, and files written by a filing that then
    fails are deleted again.
    """
    written: list[str] = []
    try:
        return _meeting_file_minutes(
            user=user,
            meeting=meeting,
            text=text,
            files=files,
            note=note,
            written=written,
        )
    except BaseException:
        _discard(written)
        raise


@transaction.atomic
def _meeting_file_minutes(
    *,
    user: User | None,
    meeting: Meeting,
    text: str,
    files: Iterable[Any],
    note: str,
    written: list[str],
) -> Meeting:
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("chair__person")
        .get(pk=meeting.pk)
    )
    if user is not None and not can_file_minutes(user, meeting):
        raise PermissionDenied(_("只有社区书记或本次会议的轮值书记可以提交会议纪要。"))
    _check_meeting_open(meeting)
    _check_meeting_started(
        meeting,
        _("会议将于 %s 召开，召开后才能提交纪要；现在可以先保存草稿。"),
    )
    html = sanitise_minutes(text)
    if not minutes_text(html):
        raise ValidationError({"text": _("会议纪要不能为空。")})
    checked = uploads_check(files, policy=ATTACHMENTS)
    now = timezone.now()
    MinutesRevision.objects.create(
        meeting=meeting, html=html, filed_by=_actor(user), note=(note or "")[:255]
    )
    meeting.minutes_html = html
    if meeting.minutes_filed_at is None:
        meeting.minutes_filed_at = now
        meeting.minutes_filed_by = _actor(user)
    if meeting.status == MeetingStatus.SCHEDULED:
        meeting.status = MeetingStatus.HELD
    meeting.minutes_draft_html = ""
    meeting.minutes_draft_saved_at = None
    meeting.save(
        update_fields=[
            "minutes_html",
            "minutes_filed_at",
            "minutes_filed_by",
            "status",
            "minutes_draft_html",
            "minutes_draft_saved_at",
            "updated_at",
        ]
    )
    _store_files(checked, meeting=meeting, written=written, user=user)
    meeting_reminders_sync(meeting)
    return meeting


@transaction.atomic
def meeting_save_minutes_draft(*, user: User, meeting: Meeting, text: str) -> Meeting:
    """Save the minutes as a draft: nothing is filed, so the meeting's status
    and its reminders stay as they are (the chair can write ahead of the
    meeting, and file after it)."""
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("chair__person")
        .get(pk=meeting.pk)
    )
    if not can_file_minutes(user, meeting):
        raise PermissionDenied(_("只有社区书记或本次会议的轮值书记可以提交会议纪要。"))
    _check_meeting_open(meeting)
    html = sanitise_minutes(text)
    if not minutes_text(html):
        raise ValidationError({"text": _("草稿不能为空。")})
    meeting.minutes_draft_html = html
    meeting.minutes_draft_saved_at = timezone.now()
    meeting.save(
        update_fields=["minutes_draft_html", "minutes_draft_saved_at", "updated_at"]
    )
    return meeting
