"""The meetings: month calendar and list, a meeting's page, and what is
recorded at it (attendance, minutes, inspections); attachments."""

import calendar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meetings import selectors, services
from meetings.forms import (
    AttendanceForm,
    CancelForm,
    InspectionForm,
    MeetingForm,
    MinutesForm,
    ProblemForm,
    ScheduleForm,
)
from meetings.models import AttendeeKind, MeetingStatus
from meetings.rotation import add_months
from meetings.uploads import MAX_FILES
from meetings.views._common import _forbidden, _month_arg, _units_for, _url, _viewer
from orgs.models import CommitteeKind, Seat
from orgs.selectors import community_list
from portal import pages
from portal.params import query_id
from portal.roles import can, require
from portal.uploads import upload_limit

# -- meetings ----------------------------------------------------------------------------


@login_required
def meeting_list(request):
    """A month calendar and a list of meetings, filtered by community and month."""
    _viewer(request)
    user = request.user
    month = _month_arg(request)
    communities = list(community_list(user=user))
    community_id = query_id(request.GET, "community")
    community = next((c for c in communities if c.pk == community_id), None)
    status = request.GET.get("status", "")
    if status not in MeetingStatus.values:
        status = ""
    view = request.GET.get("view", "calendar")
    month_qs = selectors.meeting_list(
        user=user, month=month, community=community, status=status or None
    )
    if request.GET.get("kind") == "big_working":
        month_qs = month_qs.filter(committee__kind=CommitteeKind.BIG_WORKING)
    month_meetings = list(month_qs)
    weeks = []
    by_day = {}
    for m in month_meetings:
        by_day.setdefault(timezone.localtime(m.held_at).date(), []).append(m)
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(
        month.year, month.month
    ):
        weeks.append(
            [
                {
                    "day": d,
                    "in_month": d.month == month.month,
                    "today": d == timezone.localdate(),
                    "meetings": by_day.get(d, []),
                }
                for d in week
            ]
        )
    all_qs = selectors.meeting_list(
        user=user, community=community, status=status or None
    )
    if request.GET.get("month"):
        all_qs = all_qs.filter(month=month)
    all_qs, sort = pages.sort(
        request,
        all_qs,
        {"month": "month", "held_at": "held_at", "committee": "committee__name"},
        "-held_at",
    )
    return render(
        request,
        "meetings/list.html",
        {
            "month": month,
            "prev_month": add_months(month, -1),
            "next_month": add_months(month, 1),
            "weeks": weeks,
            "month_meetings": month_meetings,
            "page": pages.page(request, all_qs),
            "sort": sort,
            "communities": communities,
            "community": community,
            "status": status,
            "statuses": MeetingStatus.choices,
            "view": view,
            "can_schedule": can(user, "meetings.manage"),
            "committees": list(selectors.committee_list(user=user)),
            "schedule_form": ScheduleForm(),
            "weekdays": [
                _("周一"),
                _("周二"),
                _("周三"),
                _("周四"),
                _("周五"),
                _("周六"),
                _("周日"),
            ],
        },
    )


@login_required
@require_POST
def meeting_schedule(request):
    """Schedule a month's meetings now (the periodic task does it ahead anyway)."""
    _viewer(request)
    # The permission before the body: a refusal says nothing about the form.
    require(request.user, "meetings.manage")
    form = ScheduleForm(request.POST)
    if form.is_valid():
        try:
            created = services.meeting_schedule_month(
                month=form.cleaned_data["month"], user=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("已排定 %(n)s 场会议（已有的不会重复排定）。") % {"n": len(created)},
            )
        return redirect(
            "%s?month=%s"
            % (_url("meetings:list"), form.cleaned_data["month"].strftime("%Y-%m"))
        )
    messages.error(request, _("月份格式应为 YYYY-MM。"))
    return redirect("meetings:list")


@login_required
def meeting_detail(request, pk):
    """The meeting: agenda, attendance, minutes, problems, action items, inspections."""
    _viewer(request)
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    committee = meeting.committee
    own, carried = selectors.meeting_agenda(meeting)
    attendance = selectors.meeting_attendance(meeting)
    target = services.committee_target(committee)
    can_manage = can(request.user, "meetings.manage", **target)
    problem_form = None
    if services.can_report_problem(request.user, committee) and (
        meeting.status != MeetingStatus.CANCELLED
    ):
        problem_form = ProblemForm(units=_units_for(committee))
    return render(
        request,
        "meetings/detail.html",
        {
            "meeting": meeting,
            "committee": committee,
            "agenda_lines": [
                line for line in meeting.agenda.splitlines() if line.strip()
            ],
            "own_problems": own,
            "carried_problems": carried,
            "members": [a for a in attendance if a.kind == AttendeeKind.MEMBER],
            "others": [a for a in attendance if a.kind != AttendeeKind.MEMBER],
            "attachments": selectors.meeting_attachments(meeting),
            "inspections": selectors.meeting_inspections(meeting),
            "revisions": meeting.minutes_revisions.count(),
            "can_manage": can_manage,
            "can_file": services.can_file_minutes(request.user, meeting),
            "problem_form": problem_form,
            "cancel_form": CancelForm() if can_manage else None,
        },
    )


@login_required
def meeting_edit(request, pk):
    _viewer(request)
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    require(
        request.user, "meetings.manage", **services.committee_target(meeting.committee)
    )
    if request.method == "POST":
        form = MeetingForm(request.POST)
        if form.is_valid():
            try:
                services.meeting_update(
                    user=request.user, meeting=meeting, **form.cleaned_data
                )
            except ValidationError as exc:
                pages.form_errors(form, exc)
            else:
                messages.success(request, _("会议信息已保存，提醒已随之调整。"))
                return redirect("meetings:detail", pk=meeting.pk)
    else:
        form = MeetingForm(
            initial={
                "held_at": timezone.localtime(meeting.held_at),
                "place_kind": meeting.place_kind,
                "place": meeting.place,
                "address": meeting.address,
                "agenda": meeting.agenda,
            }
        )
    return render(request, "meetings/edit.html", {"meeting": meeting, "form": form})


@login_required
@require_POST
def meeting_cancel(request, pk):
    _viewer(request)
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    require(
        request.user, "meetings.manage", **services.committee_target(meeting.committee)
    )
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写取消原因。"))
        return redirect("meetings:detail", pk=meeting.pk)
    try:
        services.meeting_cancel(
            user=request.user, meeting=meeting, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("会议已取消，提醒已撤回。"))
    return redirect("meetings:detail", pk=meeting.pk)


def _seats_for_attendance(meeting):
    day = timezone.localtime(meeting.held_at).date()
    return [
        s
        for s in Seat.objects.filter(committee_id=meeting.committee_id)
        .select_related("person", "represents")
        .order_by("term_start", "id")
        if s.term_start <= day and (s.vacated_on is None or s.vacated_on > day)
    ]


@login_required
def meeting_attendance(request, pk):
    """Record attendance (phone-friendly: one row of three choices per member)."""
    _viewer(request)
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    require(
        request.user,
        "meetings.file_minutes",
        **services.committee_target(meeting.committee),
    )
    seats = _seats_for_attendance(meeting)
    rows = selectors.meeting_attendance(meeting)
    current = {a.seat_id: a.status for a in rows if a.seat_id}
    started = meeting.has_started(timezone.now())
    if request.method == "POST":
        form = AttendanceForm(request.POST, seats=seats, current=current)
        if form.is_valid():
            try:
                services.meeting_record_attendance(
                    user=request.user,
                    meeting=meeting,
                    statuses=form.statuses(),
                    guests=form.guest_list(),
                )
            except ValidationError as exc:
                pages.form_errors(form, exc)
            else:
                messages.success(request, _("出席情况已保存。"))
                return redirect("meetings:detail", pk=meeting.pk)
    else:
        form = AttendanceForm(
            seats=seats,
            current=current,
            initial={
                "residents": "\n".join(
                    a.name for a in rows if a.kind == AttendeeKind.RESIDENT
                ),
                "guests": "\n".join(
                    a.name for a in rows if a.kind == AttendeeKind.GUEST
                ),
            },
        )
    return render(
        request,
        "meetings/attendance.html",
        {"meeting": meeting, "form": form, "started": started},
    )


@upload_limit(MAX_FILES)
@login_required
def meeting_minutes(request, pk):
    """File the minutes from a phone: formatted text and photos or documents."""
    _viewer(request)
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    if not services.can_file_minutes(request.user, meeting):
        raise _forbidden()
    started = meeting.has_started(timezone.now())
    if request.method == "POST":
        form = MinutesForm(request.POST, request.FILES)
        draft = "save_draft" in request.POST
        if form.is_valid():
            try:
                if draft:
                    _save_minutes_draft(request, meeting, form)
                else:
                    services.meeting_file_minutes(
                        user=request.user,
                        meeting=meeting,
                        text=form.cleaned_data["text"],
                        files=form.cleaned_data["files"],
                        note=form.cleaned_data["note"],
                    )
            except ValidationError as exc:
                pages.form_errors(form, exc)
            else:
                if draft:
                    messages.success(request, _("草稿已保存，会议召开后再提交纪要。"))
                    return redirect("meetings:minutes", pk=meeting.pk)
                messages.success(request, _("会议纪要已提交。"))
                return redirect("meetings:detail", pk=meeting.pk)
    else:
        form = MinutesForm(
            initial={"text": meeting.minutes_draft_html or meeting.minutes_html}
        )
    return render(
        request,
        "meetings/minutes.html",
        {
            "meeting": meeting,
            "form": form,
            "started": started,
            "attachments": selectors.meeting_attachments(meeting),
        },
    )


def _save_minutes_draft(request, meeting, form):
    if form.cleaned_data["files"]:
        raise ValidationError(
            {"files": _("草稿只保存文字；照片和文件请在会后提交纪要时上传。")}
        )
    services.meeting_save_minutes_draft(
        user=request.user, meeting=meeting, text=form.cleaned_data["text"]
    )


@login_required
def meeting_inspections(request, pk):
    """Record the on-site inspection of each campaign section (S11)."""
    _viewer(request)
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    require(
        request.user,
        "meetings.file_minutes",
        **services.committee_target(meeting.committee),
    )
    sections = selectors.meeting_inspections(meeting)
    if request.method == "POST":
        form = InspectionForm(request.POST, sections=sections)
        if form.is_valid():
            try:
                services.meeting_record_inspections(
                    user=request.user, meeting=meeting, results=form.results()
                )
            except ValidationError as exc:
                pages.form_errors(form, exc)
            else:
                messages.success(request, _("现场检查结果已保存。"))
                return redirect("meetings:detail", pk=meeting.pk)
    else:
        form = InspectionForm(sections=sections)
    return render(
        request, "meetings/inspections.html", {"meeting": meeting, "form": form}
    )


# -- attachments -------------------------------------------------------------------------------


@login_required
def attachment_download(request, pk):
    """Serve an attachment to someone who may see its meeting or item (else 404)."""
    _viewer(request)
    attachment = selectors.attachment_get(user=request.user, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    inline = attachment.kind == "image" and request.GET.get("download") != "1"
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    # Whatever a file holds, the browser must not run it as part of the portal.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
