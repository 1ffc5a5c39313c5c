"""Problems on the agenda: added, answered, escalated, given action items."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meetings import selectors, services
from meetings.forms import ActionItemForm, AnswerForm, EscalateForm, ProblemForm
from meetings.models import OPEN_PROBLEM_STATUSES
from meetings.views._common import _forbidden, _units_for, _url, _viewer
from orgs.models import CommitteeKind
from portal import pages
from portal.roles import can, require


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
