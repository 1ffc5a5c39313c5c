"""Pages of the joint meetings: thin views over selectors and services.

Every object is fetched through a scoped selector (another scope's object is a
404); every write is a service call (a forbidden action is a 403, bad input a
form error in Chinese, never a 500).
"""

import calendar
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meetings import selectors, services
from meetings.forms import (
    ActionItemForm,
    ActionItemUpdateForm,
    AnswerForm,
    AttendanceForm,
    CampaignForm,
    CancelForm,
    EscalateForm,
    InspectionForm,
    MeetingForm,
    MinutesForm,
    PostForm,
    ProblemForm,
    ReplyForm,
    RescheduleForm,
    ScheduleForm,
    SectionForm,
    SwapForm,
)
from meetings.models import (
    OPEN_PROBLEM_STATUSES,
    ActionItemStatus,
    AttendeeKind,
    MeetingStatus,
    RotationSwap,
)
from meetings.rotation import (
    add_months,
    month_start,
    parse_month,
    rotation_plan,
    rotation_pool,
    unit_secretaries_only,
)
from meetings.uploads import MAX_FILES
from orgs.models import CommitteeKind, OrgKind, OrgNode, Seat
from orgs.selectors import community_list
from portal import pages
from portal.params import query_id, query_year
from portal.roles import can, require
from portal.scope import scope_for
from portal.uploads import upload_limit


def _viewer(request):
    require(request.user, "meetings.view")


def _month_arg(request, default=None):
    raw = request.GET.get("month", "")
    if raw:
        try:
            return parse_month(raw)
        except ValueError:
            messages.warning(request, _("月份格式应为 YYYY-MM，已显示本月。"))
    return default or month_start(timezone.localdate())


def _units_for(committee):
    qs = OrgNode.objects.filter(kind=OrgKind.UNIT, street_id=committee.street_id)
    if committee.kind == CommitteeKind.BIG_PARTY:
        qs = qs.filter(community_id=committee.community_id)
    return qs.order_by("community__code", "code")


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


def _url(name, *args):
    return reverse(name, args=args)


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


def _forbidden():
    return PermissionDenied(_("您没有执行此操作的权限。"))


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


@login_required
def problem_add(request, pk):
    """Add a problem to a meeting's agenda, optionally with its first action item."""
    _viewer(request)
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    committee = meeting.committee
    if not services.can_report_problem(request.user, committee):
        raise _forbidden()
    units = _units_for(committee)
    if request.method == "POST":
        form = ProblemForm(request.POST, units=units)
        if form.is_valid():
            data = form.cleaned_data
            try:
                problem = services.problem_create_with_item(
                    user=request.user,
                    committee=committee,
                    meeting=meeting,
                    title=data["title"],
                    description=data["description"],
                    source=data["source"],
                    reporter_name=data["reporter_name"],
                    reporter_unit=data["reporter_unit"],
                    raised_during_meeting=data["raised_during_meeting"],
                    item_unit=data.get("item_unit"),
                    item_title=data["item_title"],
                    item_due_on=data["item_due_on"],
                )
            except ValidationError as exc:
                pages.form_errors(form, exc)
            else:
                messages.success(request, _("问题已列入议程。"))
                return redirect(
                    "%s#problem-%s" % (_url("meetings:detail", meeting.pk), problem.pk)
                )
    else:
        form = ProblemForm(units=units)
    return render(
        request, "meetings/problem_add.html", {"meeting": meeting, "form": form}
    )


# -- problems ----------------------------------------------------------------------------


def _problem_page(request, problem, **forms):
    committee = problem.committee
    target = services.committee_target(committee)
    can_manage = can(request.user, "meetings.manage", **target)
    is_open = problem.status in OPEN_PROBLEM_STATUSES
    items = list(problem.action_items.select_related("unit").order_by("due_on", "id"))
    history = selectors.problem_histories([problem], downwards=True)[problem.pk]
    escalated_to = selectors.problem_escalated_to(problem)
    meeting_visible = (
        problem.meeting_id is not None
        and selectors.meeting_queryset(user=request.user)
        .filter(pk=problem.meeting_id)
        .exists()
    )
    context = {
        "problem": problem,
        "items": items,
        "history": history,
        "escalated_to": escalated_to,
        "meeting_visible": meeting_visible,
        "can_manage": can_manage and is_open,
        "can_escalate": is_open
        and committee.kind == CommitteeKind.BIG_PARTY
        and can(request.user, "meetings.escalate", **target),
        "item_form": forms.get("item_form")
        or (
            ActionItemForm(units=_units_for(committee))
            if can_manage and is_open
            else None
        ),
        "escalate_form": forms.get("escalate_form") or EscalateForm(),
        "answer_form": forms.get("answer_form") or AnswerForm(),
    }
    status = 400 if any(f.errors for f in forms.values()) else 200
    return render(request, "meetings/problem.html", context, status=status)


@login_required
def problem_detail(request, pk):
    _viewer(request)
    problem = selectors.problem_get(user=request.user, pk=pk)
    return _problem_page(request, problem)


@login_required
@require_POST
def problem_item_add(request, pk):
    _viewer(request)
    problem = selectors.problem_get(user=request.user, pk=pk)
    require(
        request.user, "meetings.manage", **services.committee_target(problem.committee)
    )
    form = ActionItemForm(request.POST, units=_units_for(problem.committee))
    if form.is_valid():
        try:
            services.action_item_create(
                user=request.user, problem=problem, **form.cleaned_data
            )
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(request, _("举措已登记，责任单位会收到通知。"))
            return redirect("meetings:problem", pk=problem.pk)
    return _problem_page(request, problem, item_form=form)


@login_required
@require_POST
def problem_escalate(request, pk):
    _viewer(request)
    problem = selectors.problem_get(user=request.user, pk=pk)
    require(
        request.user,
        "meetings.escalate",
        **services.committee_target(problem.committee),
    )
    form = EscalateForm(request.POST)
    if form.is_valid():
        try:
            services.problem_escalate(
                user=request.user, problem=problem, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(request, _("已上报大工委，将列入其下次会议议程。"))
            return redirect("meetings:problem", pk=problem.pk)
    return _problem_page(request, problem, escalate_form=form)


@login_required
@require_POST
def problem_answer(request, pk):
    _viewer(request)
    problem = selectors.problem_get(user=request.user, pk=pk)
    require(
        request.user, "meetings.manage", **services.committee_target(problem.committee)
    )
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.problem_answer(
                user=request.user, problem=problem, answer=form.cleaned_data["answer"]
            )
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(request, _("已答复办结，结果已反馈给反映人。"))
            return redirect("meetings:problem", pk=problem.pk)
    return _problem_page(request, problem, answer_form=form)


# -- action items -------------------------------------------------------------------------


def _item_filters(request):
    status = request.GET.get("status", "")
    if status not in ActionItemStatus.values:
        status = ""
    overdue = {"1": True, "0": False}.get(request.GET.get("overdue", ""))
    return status, overdue


@login_required
def action_item_board(request):
    """The action-item board: by unit, by status, overdue first."""
    _viewer(request)
    user = request.user
    status, overdue = _item_filters(request)
    communities = list(community_list(user=user))
    community_id = query_id(request.GET, "community")
    community = next((c for c in communities if c.pk == community_id), None)
    unit_id = query_id(request.GET, "unit")
    base = selectors.action_item_list(user=user, community=community)
    qs = selectors.action_item_list(
        user=user, community=community, status=status or None, overdue=overdue
    )
    unit = None
    if unit_id:
        unit = OrgNode.objects.filter(
            pk=unit_id, kind=OrgKind.UNIT, pk__in=base.values("unit_id")
        ).first()
        qs = qs.filter(unit_id=unit_id)
    qs, sort = pages.sort(
        request,
        qs,
        {
            "due_on": "due_on",
            "unit": "unit__name",
            "status": "status",
            "progress": "progress",
        },
        "due_on",
    )
    return render(
        request,
        "meetings/board.html",
        {
            "page": pages.page(request, qs),
            "summary": selectors.action_item_summary(base),
            "by_unit": selectors.action_items_by_unit(base),
            "communities": communities,
            "community": community,
            "unit": unit,
            "status": status,
            "overdue": request.GET.get("overdue", ""),
            "statuses": ActionItemStatus.choices,
            "sort": sort,
            "today": timezone.localdate(),
        },
    )


@login_required
def action_item_todo(request):
    """A unit head's own to-do list: their units' items, what is due first."""
    _viewer(request)
    scope = scope_for(request.user)
    units = sorted(scope.unit_ids)
    qs = selectors.action_item_list(user=request.user, units=units)
    show = request.GET.get("show", "open")
    if show != "all":
        qs = qs.exclude(status=ActionItemStatus.DONE)
    return render(
        request,
        "meetings/todo.html",
        {
            "page": pages.page(request, qs.order_by("due_on", "id")),
            "summary": selectors.action_item_summary(
                selectors.action_item_list(user=request.user, units=units)
            ),
            "has_units": bool(units),
            "show": show,
            "today": timezone.localdate(),
        },
    )


@upload_limit(MAX_FILES)
@login_required
def action_item_detail(request, pk):
    """An action item: its history, and the form to report progress or completion."""
    _viewer(request)
    item = selectors.action_item_get(user=request.user, pk=pk)
    target = {
        "street_id": item.street_id,
        "community_id": item.community_id,
        "unit_id": item.unit_id,
    }
    can_update = item.status != ActionItemStatus.DONE and can(
        request.user, "meetings.update_action_item", **target
    )
    can_reschedule = item.status != ActionItemStatus.DONE and can(
        request.user, "meetings.manage", **services.committee_target(item.committee)
    )
    form = ActionItemUpdateForm(initial={"progress": item.progress})
    reschedule_form = RescheduleForm(initial={"due_on": item.due_on})
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "update")
        # The permission before the body: a refusal says nothing about the form.
        if action == "reschedule":
            require(
                request.user,
                "meetings.manage",
                **services.committee_target(item.committee),
            )
        else:
            require(request.user, "meetings.update_action_item", **target)
        if action == "reschedule":
            reschedule_form = RescheduleForm(request.POST)
            if reschedule_form.is_valid():
                try:
                    services.action_item_reschedule(
                        user=request.user, item=item, **reschedule_form.cleaned_data
                    )
                except ValidationError as exc:
                    pages.form_errors(reschedule_form, exc)
                else:
                    messages.success(request, _("完成时限已调整。"))
                    return redirect("meetings:item", pk=item.pk)
        else:
            form = ActionItemUpdateForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    services.action_item_update(
                        user=request.user, item=item, **form.cleaned_data
                    )
                except ValidationError as exc:
                    pages.form_errors(form, exc)
                else:
                    messages.success(request, _("进展已更新。"))
                    return redirect("meetings:item", pk=item.pk)
        status = 400
    return render(
        request,
        "meetings/item.html",
        {
            "item": item,
            "updates": selectors.action_item_updates(item),
            "attachments": list(item.attachments.order_by("id")),
            "form": form,
            "reschedule_form": reschedule_form,
            "can_update": can_update,
            "can_reschedule": can_reschedule,
            "overdue": item.status != ActionItemStatus.DONE
            and item.due_on < timezone.localdate(),
        },
        status=status,
    )


# -- committee channel and rotation -----------------------------------------------------------


@login_required
def committee_channel(request, pk):
    """The committee's notice board: posts and replies between meetings (S13)."""
    _viewer(request)
    committee = selectors.committee_get(user=request.user, pk=pk)
    can_post = services.can_post_channel(request.user, committee)
    post_form, reply_form, reply_to = PostForm(), ReplyForm(), None
    status = 200
    if request.method == "POST":
        if not can_post:
            raise _forbidden()
        parent_id = request.POST.get("parent")
        parent = None
        if parent_id:
            try:
                parent = selectors.channel_post_get(
                    committee=committee, pk=int(parent_id)
                )
            except ValueError as exc:
                raise Http404 from exc
            reply_form, reply_to = ReplyForm(request.POST), parent.pk
            form = reply_form
        else:
            post_form = PostForm(request.POST)
            form = post_form
        if form.is_valid():
            try:
                services.channel_post_create(
                    user=request.user,
                    committee=committee,
                    parent=parent,
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                pages.form_errors(form, exc)
            else:
                messages.success(request, _("已发布。"))
                return redirect("meetings:channel", pk=committee.pk)
        status = 400
    return render(
        request,
        "meetings/channel.html",
        {
            "committee": committee,
            "page": pages.page(request, selectors.channel_posts(committee)),
            "can_post": can_post,
            "post_form": post_form,
            "reply_form": reply_form,
            "reply_to": reply_to,
        },
        status=status,
    )


@login_required
def committee_rotation(request, pk):
    """The year's rotation of chairs, the swaps with their reasons, and a swap form."""
    _viewer(request)
    committee = selectors.committee_get(user=request.user, pk=pk)
    today = timezone.localdate()
    year = query_year(request.GET, default=today.year)
    can_manage = can(
        request.user, "meetings.manage", **services.committee_target(committee)
    )
    form = SwapForm()
    status = 200
    if request.method == "POST":
        if not can_manage:
            raise _forbidden()
        form = SwapForm(request.POST)
        if form.is_valid():
            try:
                services.rotation_swap_record(
                    user=request.user, committee=committee, **form.cleaned_data
                )
            except ValidationError as exc:
                pages.form_errors(form, exc)
            else:
                messages.success(request, _("调换已登记，两个月的会议和提醒已更新。"))
                return redirect(
                    "%s?year=%s" % (_url("meetings:rotation", committee.pk), year)
                )
        status = 400
    seats = list(
        Seat.objects.filter(committee=committee).select_related("person", "represents")
    )
    swaps = list(
        RotationSwap.objects.filter(committee=committee).select_related("created_by")
    )
    months = [date(year, m, 1) for m in range(1, 13)]
    plan = rotation_plan(seats, swaps, months, unit_secretaries_only(committee))
    held = {
        m.month: m
        for m in committee.meetings.filter(month__year=year).select_related(
            "chair__person"
        )
    }
    for row in plan:
        row.meeting = held.get(row.month)
    return render(
        request,
        "meetings/rotation.html",
        {
            "committee": committee,
            "plan": plan,
            "year": year,
            "swaps": swaps,
            "form": form,
            "can_manage": can_manage,
            "seats": rotation_pool(seats, unit_secretaries_only(committee)),
        },
        status=status,
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


# -- campaign sections (S11) --------------------------------------------------------------------


@login_required
def campaign_list(request):
    """Campaigns per community: sections, owner units, recent inspection results."""
    _viewer(request)
    user = request.user
    communities = community_list(user=user)
    manageable = [
        c
        for c in communities
        if can(user, "meetings.manage", street_id=c.street_id, community_id=c.pk)
    ]
    form = None
    status = 200
    if manageable:
        form = CampaignForm(
            communities=communities.filter(pk__in=[c.pk for c in manageable]),
            initial={"starts_on": timezone.localdate()},
        )
    if request.method == "POST":
        if not manageable:
            raise _forbidden()
        form = CampaignForm(
            request.POST,
            communities=communities.filter(pk__in=[c.pk for c in manageable]),
        )
        if form.is_valid():
            try:
                campaign = services.campaign_create(user=user, **form.cleaned_data)
            except ValidationError as exc:
                pages.form_errors(form, exc)
            else:
                messages.success(request, _("专项活动已创建，请划分包保片段。"))
                return redirect("meetings:campaign", pk=campaign.pk)
        status = 400
    return render(
        request,
        "meetings/campaigns.html",
        {"page": pages.page(request, selectors.campaign_list(user=user)), "form": form},
        status=status,
    )


@login_required
def campaign_detail(request, pk):
    _viewer(request)
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    can_manage = can(
        request.user,
        "meetings.manage",
        street_id=campaign.street_id,
        community_id=campaign.community_id,
    )
    units = OrgNode.objects.filter(
        kind=OrgKind.UNIT, community_id=campaign.community_id
    ).order_by("code")
    form = SectionForm(units=units) if can_manage else None
    status = 200
    if request.method == "POST":
        if not can_manage:
            raise _forbidden()
        form = SectionForm(request.POST, units=units)
        if form.is_valid():
            try:
                services.campaign_section_create(
                    user=request.user, campaign=campaign, **form.cleaned_data
                )
            except ValidationError as exc:
                pages.form_errors(form, exc)
            else:
                messages.success(request, _("包保片段已添加。"))
                return redirect("meetings:campaign", pk=campaign.pk)
        status = 400
    meetings, rows = selectors.campaign_inspections(campaign)
    return render(
        request,
        "meetings/campaign.html",
        {"campaign": campaign, "meetings": meetings, "rows": rows, "form": form},
        status=status,
    )
