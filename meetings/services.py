"""Every write of the meetings app: one entry point per rule.

Keyword-only arguments, one transaction each, the permission check first
(``portal.roles.require`` → 403), ``full_clean()``, and a ``ValidationError``
with a Chinese message for bad input. ``user=None`` means the system itself (a
periodic task or the seed); views and the API always pass the signed-in user.
"""

import calendar
import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from grids import services as grid_services
from grids.models import Case, CaseStatus
from meetings.minutes import minutes_text, sanitise_minutes
from meetings.models import (
    OPEN_PROBLEM_STATUSES,
    ActionItem,
    ActionItemStatus,
    ActionItemUpdate,
    Attachment,
    Attendance,
    AttendanceStatus,
    AttendeeKind,
    Campaign,
    CampaignSection,
    ChannelPost,
    Meeting,
    MeetingStatus,
    MinutesRevision,
    PlaceKind,
    Problem,
    ProblemEvent,
    ProblemEventKind,
    ProblemSource,
    ProblemStatus,
    RotationSwap,
    SectionInspection,
)
from meetings.reminders import (
    action_item_reminders_sync,
    meeting_reminders_sync,
    person_channels,
    unit_channels,
)
from meetings.rotation import (
    add_months,
    chairs_for,
    compute_chairs,
    month_start,
    parse_month,
    seat_serves,
    unit_secretaries_only,
)
from meetings.uploads import ATTACHMENTS
from orgs.models import Committee, CommitteeKind, OrgKind, Seat
from portal.models import Channel, Role, User
from portal.notify import notify, reminder_schedule
from portal.roles import can, require
from portal.uploads import upload_store, uploads_check

log = logging.getLogger("meetings")

#: Committees that hold monthly joint meetings.
MEETING_KINDS = (CommitteeKind.BIG_WORKING, CommitteeKind.BIG_PARTY)


# -- helpers -------------------------------------------------------------------


def _tz():
    return ZoneInfo(settings.TIME_ZONE)


def committee_target(committee):
    """Return where an action on ``committee`` lands, for ``portal.roles``."""
    return {"street_id": committee.street_id, "community_id": committee.community_id}


def _require(user, action, **target):
    if user is None:  # the system: periodic tasks and the seed
        return
    require(user, action, **target)


def _actor(user):
    return user if user is not None and user.pk else None


def _as_month(month):
    if isinstance(month, date):
        return month_start(month)
    try:
        return parse_month(month)
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            {"month": _("月份格式应为 YYYY-MM，例如 2024-05。")}
        ) from exc


def is_committee_member(user, committee):
    """Return whether ``user`` holds (or their unit holds) a current seat on it."""
    if user is None or not user.is_authenticated:
        return False
    from portal.scope import scope_for

    scope = scope_for(user)
    q = Q(pk__in=[])
    if scope.person_id:
        q |= Q(person_id=scope.person_id)
    if scope.unit_ids:
        q |= Q(represents_id__in=scope.unit_ids) | Q(
            represents__parent_id__in=scope.unit_ids
        )
    return Seat.objects.filter(q, committee=committee, vacated_on__isnull=True).exists()


def unit_of_seat(seat):
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


def default_schedule(committee, month):
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
        community_name = committee.community.name if committee.community_id else ""
        place = _("%s党群服务中心会议室") % community_name
    address = committee.org.address if committee.org_id else ""
    return datetime.combine(day, at, tzinfo=_tz()), PlaceKind.ROOM, place, address


def next_meeting(committee, *, after=None):
    """Return the committee's next scheduled meeting (from now), or None."""
    after = after or timezone.now()
    return (
        Meeting.objects.filter(
            committee=committee, status=MeetingStatus.SCHEDULED, held_at__gte=after
        )
        .order_by("held_at", "id")
        .first()
    )


# -- scheduling and the rotating chair ---------------------------------------------------


@transaction.atomic
def meeting_schedule_month(*, month, user=None, street=None, committees=None):
    """Create the month's meeting of every 大工委 and 大党委; return the new ones.

    Idempotent: a committee that has its meeting for the month gets nothing new
    (one row per committee and month, enforced by a unique constraint). Each
    new meeting gets its rotating chair, its reminders, and the problems still
    waiting for a meeting of its committee on its agenda.
    """
    month = _as_month(month)
    qs = Committee.objects.filter(kind__in=MEETING_KINDS).select_related(
        "community", "org"
    )
    if street is not None:
        qs = qs.filter(street=street)
    if committees is not None:
        qs = qs.filter(pk__in=[c.pk for c in committees])
    qs = list(qs.order_by("street_id", "kind", "community_id", "pk"))
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


def _check_meeting_open(meeting):
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("会议已取消，不能再修改。"))


@transaction.atomic
def meeting_update(*, user, meeting, held_at, place_kind, place, address="", agenda=""):
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
def meeting_cancel(*, user, meeting, reason):
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


@transaction.atomic
def rotation_swap_record(*, user, committee, month_a, month_b, reason):
    """Let the chairs of two months trade places, with a reason kept on record."""
    committee = Committee.objects.select_for_update().get(pk=committee.pk)
    _require(user, "meetings.manage", **committee_target(committee))
    a, b = sorted([_as_month(month_a), _as_month(month_b)])
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写调换原因。")})
    if a == b:
        raise ValidationError(_("请选择两个不同的月份。"))
    swapped = RotationSwap.objects.filter(committee=committee).filter(
        Q(month_a__in=[a, b]) | Q(month_b__in=[a, b])
    )
    if swapped.exists():
        raise ValidationError(_("所选月份已经调换过一次，不能再调换。"))
    if Meeting.objects.filter(
        committee=committee, month__in=[a, b], status=MeetingStatus.HELD
    ).exists():
        raise ValidationError(_("已召开会议的轮值书记不能再调换。"))
    seats = list(Seat.objects.filter(committee=committee))
    only = unit_secretaries_only(committee)
    natural = compute_chairs(seats, [], [a, b], only)
    chair_a, chair_b = natural.get(a), natural.get(b)
    if chair_a is None or chair_b is None:
        raise ValidationError(_("所选月份没有可轮值的委员。"))
    if chair_a.pk == chair_b.pk:
        raise ValidationError(_("两个月的轮值书记是同一人，无需调换。"))
    if not (seat_serves(chair_b, a) and seat_serves(chair_a, b)):
        raise ValidationError(_("调换后的轮值书记在对应月份不在任，不能调换。"))
    swap = RotationSwap(
        committee=committee,
        month_a=a,
        month_b=b,
        reason=reason[:255],
        created_by=_actor(user),
    )
    swap.full_clean()
    swap.save()
    chairs = compute_chairs(seats, list(committee.rotation_swaps.all()), [a, b], only)
    for meeting in Meeting.objects.filter(committee=committee, month__in=[a, b]):
        meeting.chair = chairs.get(meeting.month)
        meeting.save(update_fields=["chair", "updated_at"])
        meeting_reminders_sync(meeting)
    return swap


# -- attendance and minutes ---------------------------------------------------------


def _check_meeting_started(meeting, message):
    """Refuse a record of what happened at a meeting that has not started yet."""
    if not meeting.has_started(timezone.now()):
        start = timezone.localtime(meeting.held_at, _tz())
        raise ValidationError(message % start.strftime("%Y-%m-%d %H:%M"))


def _mark_held(meeting):
    if meeting.status == MeetingStatus.SCHEDULED:
        meeting.status = MeetingStatus.HELD
        meeting.save(update_fields=["status", "updated_at"])


@transaction.atomic
def meeting_record_attendance(*, user, meeting, statuses, guests=()):
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


def can_file_minutes(user, meeting):
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


def _store_files(checked, *, meeting, written, action_item=None, user):
    """Write checked files under server-chosen names, noting each in ``written``.

    The caller deletes the files in ``written`` when its transaction fails, so a
    refused filing leaves no orphan file behind.
    """
    rows = []
    for f in checked:
        name = upload_store(f, policy=ATTACHMENTS)
        written.append(name)
        rows.append(
            Attachment(
                meeting=meeting,
                action_item=action_item,
                kind=f.kind,
                file=name,
                original_name=f.original_name,
                content_type=f.content_type,
                size=len(f.data),
                uploaded_by=_actor(user),
            )
        )
    return Attachment.objects.bulk_create(rows)


def _discard(written):
    for name in written:
        try:
            default_storage.delete(name)
        except OSError:
            log.warning("could not delete orphan upload %s", name)


def meeting_file_minutes(*, user, meeting, text, files=(), note=""):
    """File (or revise) a meeting's minutes with attachments; all or nothing.

    The text is sanitised; every filing is kept as a revision with who and
    when. Files are checked before anything is written; a bad file refuses the
    whole filing with a clear message, and files written by a filing that then
    fails are deleted again.
    """
    written = []
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
def _meeting_file_minutes(*, user, meeting, text, files, note, written):
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
def meeting_save_minutes_draft(*, user, meeting, text):
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


# -- problems -----------------------------------------------------------------------


def _event(problem, kind, user=None, note=""):
    return ProblemEvent.objects.create(
        problem=problem, kind=kind, actor=_actor(user), note=note
    )


def can_report_problem(user, committee):
    if can(user, "meetings.manage", **committee_target(committee)):
        return True
    return can(user, "meetings.report_problem") and is_committee_member(user, committee)


@transaction.atomic
def problem_create(
    *,
    user,
    committee,
    title,
    description="",
    source=ProblemSource.MEMBER_UNIT,
    meeting=None,
    reporter_name="",
    reporter_unit=None,
    raised_during_meeting=False,
):
    """Put a problem on a committee's agenda (its next meeting unless given)."""
    if user is not None and not can_report_problem(user, committee):
        raise PermissionDenied(_("您没有向该委员会反映问题的权限。"))
    if source not in (ProblemSource.MEMBER_UNIT, ProblemSource.RESIDENT):
        raise ValidationError(
            {"source": _("这里只能登记成员单位或居民代表反映的问题。")}
        )
    if meeting is not None:
        if meeting.committee_id != committee.pk:
            raise ValidationError(_("会议不属于该委员会。"))
        if meeting.status == MeetingStatus.CANCELLED:
            raise ValidationError(_("会议已取消，不能再添加问题。"))
    else:
        meeting = next_meeting(committee)
    if reporter_unit is not None and (
        reporter_unit.kind != OrgKind.UNIT
        or reporter_unit.street_id != committee.street_id
    ):
        raise ValidationError({"reporter_unit": _("反映单位必须是本街道的驻区单位。")})
    problem = Problem(
        committee=committee,
        meeting=meeting,
        street_id=committee.street_id,
        community_id=committee.community_id,
        source=source,
        title=(title or "").strip(),
        description=(description or "").strip(),
        raised_during_meeting=raised_during_meeting,
        reporter=_actor(user),
        reporter_name=(reporter_name or (str(user) if user else "")).strip()[:100],
        reporter_unit=reporter_unit,
    )
    problem.full_clean()
    problem.save()
    _event(problem, ProblemEventKind.CREATED, user, problem.description)
    return problem


def _normalise_history(history):
    rows = []
    for entry in history or ():
        if isinstance(entry, dict):
            at, actor = entry.get("at", ""), entry.get("actor", "")
            action, note = entry.get("action", ""), entry.get("note", "")
        else:
            at, actor, action, note = (list(entry) + ["", "", "", ""])[:4]
        if isinstance(at, datetime):
            at = timezone.localtime(at, _tz()).isoformat(timespec="minutes")
        rows.append(
            {
                "at": str(at or ""),
                "actor": str(actor or ""),
                "action": str(action or ""),
                "note": str(note or ""),
            }
        )
    return rows


@transaction.atomic
def problem_from_grid_case(
    *,
    case_id,
    level,
    street,
    title,
    text="",
    history=(),
    community=None,
    reporter=None,
    reporter_name="",
):
    """Put a grid case escalated to a community or the street on the agenda.

    ``level`` is ``"community"`` (the community's 大党委) or ``"street"`` (the
    大工委). ``history`` is the case's steps as dicts (``at``, ``actor``,
    ``action``, ``note``) or tuples in that order; it is stored as received and
    shown with the problem. Idempotent per committee and case: importing the
    same case again only refreshes its history. When a case that already sits
    with a 大党委 reaches the street, that problem counts as escalated and the
    new one links back to it, so the history reads as one chain.
    """
    if level == "community":
        if community is None:
            raise ValidationError(_("升级到社区的网格事件必须指明社区。"))
        committee = Committee.objects.filter(
            kind=CommitteeKind.BIG_PARTY, community=community
        ).first()
    elif level == "street":
        committee = Committee.objects.filter(
            kind=CommitteeKind.BIG_WORKING, street=street
        ).first()
    else:
        raise ValidationError(_("网格事件只能升级到社区或街道。"))
    if committee is None:
        raise ValidationError(_("找不到对应的大党委或大工委，无法列入会议议程。"))
    history = _normalise_history(history)
    existing = (
        Problem.objects.select_for_update()
        .filter(committee=committee, grid_case_id=case_id)
        .first()
    )
    if existing is not None:
        if history != existing.grid_case_history:
            existing.grid_case_history = history
            existing.save(update_fields=["grid_case_history", "updated_at"])
        return existing
    origin = None
    if level == "street":
        origin = (
            Problem.objects.select_for_update(of=("self",))
            .filter(committee__kind=CommitteeKind.BIG_PARTY, grid_case_id=case_id)
            .exclude(
                pk__in=Problem.objects.filter(escalated_from__isnull=False).values(
                    "escalated_from_id"
                )
            )
            .first()
        )
    problem = Problem(
        committee=committee,
        meeting=next_meeting(committee),
        street_id=committee.street_id,
        community_id=community.pk if community is not None else committee.community_id,
        source=ProblemSource.GRID_CASE,
        title=(title or "").strip()[:200] or _("网格事件 #%s") % case_id,
        description=(text or "").strip(),
        reporter=reporter,
        reporter_name=(reporter_name or "").strip()[:100],
        grid_case_id=case_id,
        grid_case_history=history,
        escalated_from=origin,
    )
    problem.full_clean()
    problem.save()
    _event(
        problem,
        ProblemEventKind.GRID_CASE,
        None,
        _("网格事件 #%(id)s 升级至%(level)s，列入联席会议议程。")
        % {"id": case_id, "level": _("社区") if level == "community" else _("街道")},
    )
    if origin is not None and origin.status in OPEN_PROBLEM_STATUSES:
        origin.status = ProblemStatus.ESCALATED
        origin.save(update_fields=["status", "updated_at"])
        _event(origin, ProblemEventKind.ESCALATED, None, _("网格事件已升级至街道。"))
    return problem


def _street_staff(street_id):
    return list(
        User.objects.filter(
            is_active=True,
            role_assignments__role__in=[Role.STREET_ADMIN, Role.STREET_STAFF],
            role_assignments__org_node_id=street_id,
        ).distinct()
    )


@transaction.atomic
def problem_escalate(*, user, problem, reason):
    """Send a problem a 大党委 cannot solve to the 大工委 (S9), with its history.

    The 大工委 gets a new problem linked to this one (``escalated_from``) on its
    next meeting's agenda; this one stays on record as escalated until the
    大工委's result comes back to it and to its reporter.
    """
    problem = (
        Problem.objects.select_for_update(of=("self",))
        .select_related("committee")
        .get(pk=problem.pk)
    )
    _require(user, "meetings.escalate", **committee_target(problem.committee))
    if problem.committee.kind != CommitteeKind.BIG_PARTY:
        raise ValidationError(_("只有大党委的问题可以上报大工委。"))
    if problem.status not in OPEN_PROBLEM_STATUSES:
        raise ValidationError(_("该问题已办结或已上报，不能再上报。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("请说明上报原因（大党委为何难以协调解决）。")}
        )
    big = Committee.objects.filter(
        kind=CommitteeKind.BIG_WORKING, street_id=problem.street_id
    ).first()
    if big is None:
        raise ValidationError(_("本街道还没有大工委，无法上报。"))
    upper = Problem(
        committee=big,
        meeting=next_meeting(big),
        street_id=problem.street_id,
        community_id=problem.community_id,
        source=ProblemSource.ESCALATED,
        title=problem.title,
        description=problem.description,
        reporter=None,  # the reporter is answered through the original problem
        reporter_name=problem.reporter_name,
        reporter_unit=problem.reporter_unit,
        escalated_from=problem,
        grid_case_id=problem.grid_case_id,
        grid_case_history=problem.grid_case_history,
    )
    upper.full_clean(validate_constraints=False)
    upper.save()
    problem.status = ProblemStatus.ESCALATED
    problem.save(update_fields=["status", "updated_at"])
    _event(problem, ProblemEventKind.ESCALATED, user, reason)
    _event(
        upper,
        ProblemEventKind.RECEIVED,
        user,
        _("%(committee)s上报：%(reason)s")
        % {"committee": problem.committee.name, "reason": reason},
    )
    from django.urls import reverse

    notify(
        recipients=_street_staff(problem.street_id),
        title=_("大党委上报问题：%s") % problem.title,
        body=reason,
        link=reverse("meetings:problem", args=[upper.pk]),
        kind="meetings.escalation",
    )
    return upper


def _root(problem):
    while problem.escalated_from_id:
        problem = problem.escalated_from
    return problem


def _feedback(problem, user):
    """Give the result back: up the escalation chain to the original reporter.

    Each level gets the result and a history line; the original problem's
    reporter gets it in the inbox (and the grid, for a grid case).
    """
    from django.urls import reverse

    now = timezone.now()
    problem.feedback_sent_at = now
    problem.save(update_fields=["feedback_sent_at", "updated_at"])
    origin = problem.escalated_from
    if origin is not None:
        origin = Problem.objects.select_for_update().get(pk=origin.pk)
        origin.status = ProblemStatus.RESOLVED
        origin.result = _("大工委办理结果：%s") % problem.result
        origin.result_at = now
        origin.result_by = _actor(user)
        origin.save(
            update_fields=["status", "result", "result_at", "result_by", "updated_at"]
        )
        _event(origin, ProblemEventKind.RESOLVED, user, origin.result)
        _feedback(origin, user)
        return
    who = problem.reporter_name or (str(problem.reporter) if problem.reporter else "")
    if problem.reporter_id:
        notify(
            recipients=[problem.reporter],
            title=_("您反映的问题有结果了：%s") % problem.title,
            body=problem.result,
            link=reverse("meetings:problem", args=[problem.pk]),
            kind="meetings.feedback",
        )
    note = _("已将办理结果反馈给%s。") % (who or _("反映人"))
    if problem.grid_case_id and _grid_case_feedback(problem):
        note = _("网格事件 #%(id)s 已按会议结果办结，由网格请%(who)s确认。") % {
            "id": problem.grid_case_id,
            "who": who or _("反映人"),
        }
    _event(problem, ProblemEventKind.FEEDBACK, user, note)


def _grid_case_feedback(problem):
    """Close the grid case with the result; return whether it was closed.

    The grid then asks the case's reporter to confirm (or reopen) it.
    """
    case = Case.objects.filter(pk=problem.grid_case_id).first()
    if case is None or case.status != CaseStatus.OPEN:
        return False
    grid_services.case_close(
        user=None, case=case, result=_("联席会议办理结果：%s") % problem.result
    )
    return True


@transaction.atomic
def problem_answer(*, user, problem, answer):
    """Close a problem with a written answer (no action needed, or explained)."""
    problem = (
        Problem.objects.select_for_update(of=("self",))
        .select_related("committee")
        .get(pk=problem.pk)
    )
    _require(user, "meetings.manage", **committee_target(problem.committee))
    if problem.status not in OPEN_PROBLEM_STATUSES:
        raise ValidationError(_("该问题已办结或已上报。"))
    if problem.action_items.exclude(status=ActionItemStatus.DONE).exists():
        raise ValidationError(_("该问题还有未完成的举措，完成后会自动办结。"))
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("请填写答复内容。")})
    problem.status = ProblemStatus.ANSWERED
    problem.result = answer
    problem.result_at = timezone.now()
    problem.result_by = _actor(user)
    problem.save(
        update_fields=["status", "result", "result_at", "result_by", "updated_at"]
    )
    _event(problem, ProblemEventKind.ANSWERED, user, answer)
    _feedback(problem, user)
    return problem


def _problem_refresh(problem, user):
    """Roll the items up into the problem: progress, and resolution when all done."""
    items = list(problem.action_items.all())
    if not items:
        return problem
    weight = sum(i.weight for i in items)
    progress = round(sum(i.weight * i.progress for i in items) / weight)
    fields = ["progress", "updated_at"]
    problem.progress = progress
    if problem.status in OPEN_PROBLEM_STATUSES:
        if all(i.status == ActionItemStatus.DONE for i in items):
            problem.status = ProblemStatus.RESOLVED
            problem.result = "\n".join(
                _("%(unit)s：%(title)s（%(evidence)s）")
                % {"unit": i.unit.name, "title": i.title, "evidence": i.evidence}
                for i in items
            )
            problem.result_at = timezone.now()
            problem.result_by = _actor(user)
            fields += ["status", "result", "result_at", "result_by"]
        elif problem.status == ProblemStatus.OPEN:
            problem.status = ProblemStatus.IN_PROGRESS
            fields.append("status")
    problem.save(update_fields=fields)
    if problem.status == ProblemStatus.RESOLVED and "result" in fields:
        _event(problem, ProblemEventKind.RESOLVED, user, problem.result)
        _feedback(problem, user)
    return problem


# -- action items -------------------------------------------------------------------


def _check_unit(unit, committee):
    if unit is None or unit.kind != OrgKind.UNIT:
        raise ValidationError({"unit": _("责任单位必须是驻区单位。")})
    if unit.street_id != committee.street_id:
        raise ValidationError({"unit": _("责任单位必须在本街道。")})
    if committee.kind == CommitteeKind.BIG_PARTY and unit.community_id != (
        committee.community_id
    ):
        raise ValidationError({"unit": _("大党委的举措只能交给本社区的驻区单位。")})


@transaction.atomic
def action_item_create(*, user, problem, unit, title, due_on, weight=1, meeting=None):
    """Agree a solution for a problem: a unit, a due date and a weight."""
    problem = (
        Problem.objects.select_for_update(of=("self",))
        .select_related("committee")
        .get(pk=problem.pk)
    )
    committee = problem.committee
    _require(user, "meetings.manage", **committee_target(committee))
    if problem.status not in OPEN_PROBLEM_STATUSES:
        raise ValidationError(_("该问题已办结或已上报，不能再添加举措。"))
    _check_unit(unit, committee)
    today = timezone.localdate()
    if due_on is None or due_on < today:
        raise ValidationError({"due_on": _("完成时限不能早于今天。")})
    meeting = meeting or problem.meeting
    if meeting is not None and meeting.committee_id != committee.pk:
        raise ValidationError(_("会议不属于该委员会。"))
    item = ActionItem(
        problem=problem,
        meeting=meeting,
        committee=committee,
        street_id=committee.street_id,
        community_id=unit.community_id,
        unit=unit,
        title=(title or "").strip(),
        due_on=due_on,
        weight=weight or 1,
        created_by=_actor(user),
    )
    item.full_clean()
    item.save()
    ActionItemUpdate.objects.create(
        item=item,
        actor=_actor(user),
        status_from="",
        status_to=item.status,
        progress=0,
        note=_("议定举措，完成时限 %s。") % due_on.isoformat(),
    )
    _event(
        problem,
        ProblemEventKind.ITEM_ADDED,
        user,
        _("%(unit)s：%(title)s（%(due)s 前完成）")
        % {"unit": unit.name, "title": item.title, "due": due_on.isoformat()},
    )
    _problem_refresh(problem, user)
    from django.urls import reverse

    recipients = [u for _c, u, _t, _r in unit_channels(unit) if u is not None]
    notify(
        recipients=list({u.pk: u for u in recipients}.values()),
        title=_("新的解决举措：%s") % item.title,
        body=_("%(committee)s交给贵单位的举措，请于 %(due)s 前完成。")
        % {"committee": committee.name, "due": due_on.isoformat()},
        link=reverse("meetings:item", args=[item.pk]),
        kind="meetings.action_item",
    )
    action_item_reminders_sync(item)
    return item


def _store_item_files(checked, item, user, written):
    if checked and item.meeting_id is None:
        raise ValidationError(_("该举措不属于任何会议，不能上传附件。"))
    return _store_files(
        checked, meeting=item.meeting, action_item=item, user=user, written=written
    )


def action_item_update(
    *, user, item, status, progress=None, note="", evidence="", files=()
):
    """Report progress on an action item: in progress with a %, or done with evidence."""
    written = []
    try:
        return _action_item_update(
            user=user,
            item=item,
            status=status,
            progress=progress,
            note=note,
            evidence=evidence,
            files=files,
            written=written,
        )
    except BaseException:
        _discard(written)
        raise


@transaction.atomic
def _action_item_update(
    *, user, item, status, progress, note, evidence, files, written
):
    item = (
        ActionItem.objects.select_for_update(of=("self",))
        .select_related("unit")
        .get(pk=item.pk)
    )
    _require(
        user,
        "meetings.update_action_item",
        street_id=item.street_id,
        community_id=item.community_id,
        unit_id=item.unit_id,
    )
    if item.status == ActionItemStatus.DONE:
        raise ValidationError(_("举措已完成，不能再修改。"))
    checked = uploads_check(files, policy=ATTACHMENTS)
    before = item.status
    note = (note or "").strip()
    if status == ActionItemStatus.DONE:
        evidence = (evidence or "").strip()
        if not evidence:
            raise ValidationError(
                {"evidence": _("标记完成时请填写完成佐证（做了什么、效果如何）。")}
            )
        item.status = ActionItemStatus.DONE
        item.progress = 100
        item.evidence = evidence
        item.done_at = timezone.now()
    elif status == ActionItemStatus.IN_PROGRESS:
        try:
            progress = int(progress)
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                {"progress": _("请填写 0 到 99 之间的完成百分比。")}
            ) from exc
        if not 0 <= progress <= 99:
            raise ValidationError({"progress": _("请填写 0 到 99 之间的完成百分比。")})
        if progress < item.progress:
            raise ValidationError(
                {"progress": _("完成百分比不能比上次（%s%%）低。") % item.progress}
            )
        item.progress = progress
        # An overdue item stays overdue until done: progress does not undo lateness.
        if item.status != ActionItemStatus.OVERDUE:
            item.status = ActionItemStatus.IN_PROGRESS
    else:
        raise ValidationError({"status": _("只能更新为“推进中”或“已完成”。")})
    item.full_clean()
    item.save()
    ActionItemUpdate.objects.create(
        item=item,
        actor=_actor(user),
        status_from=before,
        status_to=item.status,
        progress=item.progress,
        note=(note or item.evidence) if status == ActionItemStatus.DONE else note,
    )
    if checked:
        _store_item_files(checked, item, user, written)
    problem = Problem.objects.select_for_update().get(pk=item.problem_id)
    _problem_refresh(problem, user)
    action_item_reminders_sync(item)
    return item


@transaction.atomic
def action_item_reschedule(*, user, item, due_on, reason):
    """Give an action item a new due date, with the reason on record."""
    item = (
        ActionItem.objects.select_for_update(of=("self",))
        .select_related("committee")
        .get(pk=item.pk)
    )
    _require(user, "meetings.manage", **committee_target(item.committee))
    if item.status == ActionItemStatus.DONE:
        raise ValidationError(_("举措已完成，不能再改时限。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写调整时限的原因。")})
    if due_on is None or due_on < timezone.localdate():
        raise ValidationError({"due_on": _("完成时限不能早于今天。")})
    before = item.status
    old = item.due_on
    item.due_on = due_on
    if item.status == ActionItemStatus.OVERDUE:
        item.status = (
            ActionItemStatus.IN_PROGRESS if item.progress else ActionItemStatus.OPEN
        )
    item.full_clean()
    item.save()
    ActionItemUpdate.objects.create(
        item=item,
        actor=_actor(user),
        status_from=before,
        status_to=item.status,
        progress=item.progress,
        note=_("完成时限由 %(old)s 调整为 %(new)s：%(reason)s")
        % {"old": old.isoformat(), "new": due_on.isoformat(), "reason": reason},
    )
    action_item_reminders_sync(item)
    return item


@transaction.atomic
def action_items_mark_overdue(*, today=None):
    """Mark open and in-progress items past their due date as overdue; return count.

    Rows are claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` and moved with a
    conditional update, so two runs at once mark (and record) each item once.
    """
    today = today or timezone.localdate()
    late = list(
        ActionItem.objects.select_for_update(skip_locked=True)
        .filter(
            due_on__lt=today,
            status__in=[ActionItemStatus.OPEN, ActionItemStatus.IN_PROGRESS],
        )
        .values_list("pk", "status", "progress")
    )
    if not late:
        return 0
    ActionItem.objects.filter(pk__in=[pk for pk, _s, _p in late]).update(
        status=ActionItemStatus.OVERDUE, updated_at=timezone.now()
    )
    ActionItemUpdate.objects.bulk_create(
        ActionItemUpdate(
            item_id=pk,
            status_from=status,
            status_to=ActionItemStatus.OVERDUE,
            progress=progress,
            note=_("超过完成时限，系统标记为逾期。"),
        )
        for pk, status, progress in late
    )
    return len(late)


# -- campaign sections ----------------------------------------------------------------


@transaction.atomic
def campaign_create(*, user, community, name, starts_on, ends_on=None):
    """Start a campaign (e.g. 创文) in a community."""
    _require(
        user,
        "meetings.manage",
        street_id=community.street_id,
        community_id=community.pk,
    )
    if community.kind != OrgKind.COMMUNITY:
        raise ValidationError(_("专项活动必须属于一个社区。"))
    if ends_on is not None and starts_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": _("结束日期不能早于开始日期。")})
    campaign = Campaign(
        name=(name or "").strip(),
        street_id=community.street_id,
        community=community,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    campaign.full_clean()
    campaign.save()
    return campaign


@transaction.atomic
def campaign_section_create(*, user, campaign, name, unit, area=""):
    """Give a section of the campaign to a unit (分片包段)."""
    _require(
        user,
        "meetings.manage",
        street_id=campaign.street_id,
        community_id=campaign.community_id,
    )
    if (
        unit is None
        or unit.kind != OrgKind.UNIT
        or unit.community_id != campaign.community_id
    ):
        raise ValidationError({"unit": _("包保单位必须是本社区的驻区单位。")})
    section = CampaignSection(
        campaign=campaign,
        name=(name or "").strip(),
        area=(area or "").strip(),
        unit=unit,
        street_id=campaign.street_id,
        community_id=campaign.community_id,
    )
    section.full_clean()
    section.save()
    return section


@transaction.atomic
def meeting_record_inspections(*, user, meeting, results):
    """Record the on-site inspection of sections: {section id: (result, note)}."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _require(user, "meetings.file_minutes", **committee_target(meeting.committee))
    _check_meeting_open(meeting)
    if meeting.community_id is None:
        raise ValidationError(_("只有大党委的会议检查包保片段。"))
    sections = {
        s.pk: s
        for s in CampaignSection.objects.filter(
            community_id=meeting.community_id, pk__in=[int(k) for k in results]
        )
    }
    existing = {i.section_id: i for i in meeting.inspections.all()}
    for section_id, (result, note) in results.items():
        section = sections.get(int(section_id))
        if section is None:
            raise ValidationError(_("检查结果中有不属于本社区的片段。"))
        row = existing.get(section.pk) or SectionInspection(
            meeting=meeting,
            section=section,
            street_id=section.street_id,
            community_id=section.community_id,
            unit_id=section.unit_id,
        )
        row.result = result
        row.note = (note or "").strip()[:255]
        row.inspected_by = _actor(user)
        row.full_clean(validate_constraints=False)
        row.save()
    return meeting


# -- committee channel --------------------------------------------------------------------


def can_post_channel(user, committee):
    if can(user, "meetings.post_channel", **committee_target(committee)):
        return True
    return can(user, "meetings.post_channel") and is_committee_member(user, committee)


@transaction.atomic
def channel_post_create(*, user, committee, body, title="", parent=None, mirror=False):
    """Post (or reply) on a committee's board; mirror a post to its group robot.

    The mirror is a reminder row on the webhook channel, due now: the periodic
    sender posts it, so a broker or network outage delays it and loses nothing.
    """
    if not can_post_channel(user, committee):
        raise PermissionDenied(_("只有本委员会的成员可以在此发帖。"))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("内容不能为空。")})
    if parent is not None:
        if parent.committee_id != committee.pk or parent.parent_id is not None:
            raise ValidationError(_("只能回复本委员会的主题帖。"))
        title = ""
    elif not (title or "").strip():
        raise ValidationError({"title": _("请填写标题。")})
    if mirror and not committee.webhook_url:
        raise ValidationError(_("该委员会没有设置群机器人地址，无法同步到群。"))
    post = ChannelPost(
        committee=committee,
        parent=parent,
        author=user,
        title=(title or "").strip()[:200],
        body=body,
        mirrored=bool(mirror and parent is None),
        street_id=committee.street_id,
        community_id=committee.community_id,
    )
    post.full_clean()
    post.save()
    from django.urls import reverse

    link = reverse("meetings:channel", args=[committee.pk]) + "#post-%s" % (
        parent.pk if parent else post.pk
    )
    if post.mirrored:
        reminder_schedule(
            key="meetings:post:%s:webhook" % post.pk,
            due_at=timezone.now(),
            channel=Channel.WEBHOOK,
            target=committee.webhook_url,
            subject="【%s】%s" % (committee.name, post.title),
            body="%s\n—— %s" % (post.body, user),
            link=link,
            kind="meetings.channel",
        )
    if parent is not None and parent.author_id != user.pk:
        notify(
            recipients=[parent.author],
            title=_("%(who)s回复了您的帖子：%(title)s")
            % {"who": user, "title": parent.title},
            body=body[:500],
            link=link,
            kind="meetings.channel",
        )
    return post


# -- periodic work ----------------------------------------------------------------------


def meetings_schedule_ahead(*, today=None):
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


def meetings_sync_reminders(*, now=None):
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


def person_reachable(person):
    """Return whether a reminder can reach ``person`` at all (for the pages)."""
    return bool(person_channels(person))
