"""Pages of the grid: thin, they call selectors and services.

Every page fetches through a scoped selector (another scope's object is a 404)
and every write goes through a service (a forbidden action is a 403).
"""

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from grids import selectors, services
from grids.forms import (
    AssignForm,
    CaseFilterForm,
    CaseForm,
    LeaderForm,
    ReasonForm,
    VisitForm,
)
from grids.models import (
    LED_LEVELS,
    CaseLevel,
    CaseStatus,
    Cell,
    CellAssignment,
    CellLevel,
)
from grids.photos import MAX_PHOTOS
from orgs.models import Person
from portal import pages
from portal.params import ID_MAX, query_id, query_int, to_int
from portal.roles import can, require
from portal.scope import scope_for
from portal.uploads import upload_limit


def _my_person(user):
    return Person.objects.filter(user=user).first()


# -- the grid ------------------------------------------------------------------------


@login_required
def tree(request):
    """The grid as a tree down to level 3, with open cases and leader gaps."""
    require(request.user, "grids.view")
    roots = selectors.cell_tree(user=request.user)
    person = _my_person(request.user)
    my_cells = list(selectors.cells_of_person(person)) if person else []
    gaps = selectors.cell_gaps(user=request.user).count()
    return render(
        request,
        "grids/tree.html",
        {
            "roots": roots,
            "my_cells": my_cells,
            "gaps": gaps,
            "can_report": can(request.user, "grids.report_case"),
            "can_visit": can(request.user, "grids.visit"),
        },
    )


@login_required
def map_view(request):
    """The grid as a map of the cells' own boundaries, coloured by open cases."""
    require(request.user, "grids.view")
    level = query_int(request.GET, "level", CellLevel.AREA)
    if level not in (
        CellLevel.COMMUNITY,
        CellLevel.AREA,
        CellLevel.UNIT,
        CellLevel.SUB,
    ):
        level = CellLevel.AREA
    geojson = selectors.map_geojson(user=request.user, level=level)
    return render(
        request,
        "grids/map.html",
        {
            "geojson": geojson,
            "level": level,
            "levels": [
                (lv, CellLevel(lv).label)
                for lv in (
                    CellLevel.COMMUNITY,
                    CellLevel.AREA,
                    CellLevel.UNIT,
                    CellLevel.SUB,
                )
            ],
        },
    )


@login_required
def gaps(request):
    """Level 1–3 cells whose leader is missing or no longer qualifies."""
    require(request.user, "grids.view")
    page = pages.page(request, selectors.cell_gaps(user=request.user))
    return render(request, "grids/gaps.html", {"page": page})


@login_required
def cell_detail(request, pk):
    """One cell: leader, people, units, children, recent visits and cases."""
    require(request.user, "grids.view")
    cell = selectors.cell_get(user=request.user, pk=pk)
    can_manage = can(
        request.user,
        "grids.manage",
        street_id=cell.street_id,
        community_id=cell.community_id,
    )
    children = list(cell.get_children().select_related("leader"))
    counts = selectors.open_case_counts([cell, *children], user=request.user)
    for child in children:
        child.open_cases = counts.get(child.pk, 0)
    context = {
        "cell": cell,
        "ancestors": cell.get_ancestors().filter(
            selectors.cell_visible_q(scope_for(request.user))
        ),
        "children": children,
        "open_cases": counts.get(cell.pk, 0),
        "leader_ok": selectors.cell_leader_ok(cell),
        "is_led_level": cell.level in LED_LEVELS,
        "people": selectors.people_of_cell(cell),
        "units": cell.units.select_related("head").order_by("name"),
        "visits": selectors.visit_list(user=request.user, cell=cell)[:10],
        "cases": selectors.case_list(user=request.user, cell=cell.pk)[:10],
        "can_manage": can_manage,
        "can_report": can(
            request.user,
            "grids.report_case",
            street_id=cell.street_id,
            community_id=cell.community_id,
            cell=cell,
        ),
        "can_visit": can(
            request.user,
            "grids.visit",
            street_id=cell.street_id,
            community_id=cell.community_id,
            cell=cell,
        ),
    }
    if can_manage:
        context["leader_form"] = LeaderForm(
            candidates=selectors.leader_candidates(cell),
            initial={"leader": cell.leader_id},
        )
        context["assign_form"] = AssignForm(people=selectors.assignable_people(cell))
    return render(request, "grids/cell_detail.html", context)


def _require_manage(request, cell):
    """Check the permission before the body: a refusal says nothing of the form."""
    require(
        request.user,
        "grids.manage",
        street_id=cell.street_id,
        community_id=cell.community_id,
    )


@login_required
@require_POST
def cell_leader(request, pk):
    cell = selectors.cell_get(user=request.user, pk=pk)
    _require_manage(request, cell)
    form = LeaderForm(request.POST, candidates=Person.objects.all())
    if form.is_valid():
        try:
            services.cell_set_leader(
                user=request.user, cell=cell, leader=form.cleaned_data["leader"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("网格长已更新。"))
    else:
        messages.error(request, _("请选择有效的人员。"))
    return redirect("grids:cell", pk=cell.pk)


@login_required
@require_POST
def cell_assign(request, pk):
    cell = selectors.cell_get(user=request.user, pk=pk)
    _require_manage(request, cell)
    form = AssignForm(request.POST, people=selectors.assignable_people(cell))
    if form.is_valid():
        try:
            services.cell_assign(
                user=request.user,
                cell=cell,
                person=form.cleaned_data["person"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已分配。"))
    else:
        messages.error(request, _("请选择人员和职责。"))
    return redirect("grids:cell", pk=cell.pk)


@login_required
@require_POST
def cell_unassign(request, pk, assignment_pk):
    cell = selectors.cell_get(user=request.user, pk=pk)
    assignment = get_object_or_404(CellAssignment, pk=assignment_pk, cell=cell)
    try:
        services.cell_unassign(user=request.user, assignment=assignment)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("分工已结束，记录保留。"))
    return redirect("grids:cell", pk=cell.pk)


@login_required
def person_cells(request, pk):
    """A person's cells (包网格 and routine visits), within the viewer's scope."""
    require(request.user, "grids.view")
    person = get_object_or_404(Person, pk=pk)
    visible = selectors.cell_visible_q(scope_for(request.user))
    cells = list(selectors.cells_of_person(person).filter(visible))
    if not cells:
        raise Http404
    assignments = CellAssignment.objects.filter(
        person=person, cell__in=cells
    ).select_related("cell")
    return render(
        request,
        "grids/person_cells.html",
        {"person": person, "assignments": assignments},
    )


# -- cases ---------------------------------------------------------------------------


@login_required
def case_list(request):
    """The case board: filter by level, status, category, overdue; sort; pages."""
    form = CaseFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    sort = request.GET.get("o", "")
    cases = selectors.case_list(
        user=request.user,
        level=filters.get("level"),
        status=filters.get("status"),
        category=filters.get("category"),
        overdue=filters.get("overdue"),
        search=filters.get("q"),
        sort=sort if sort in selectors.CASE_SORTS else None,
    )
    return render(
        request,
        "grids/case_list.html",
        {
            "form": form,
            "page": pages.page(request, cases),
            "today": timezone.localdate(),
            "can_report": can(request.user, "grids.report_case"),
        },
    )


@login_required
def case_detail(request, pk):
    case = selectors.case_get(user=request.user, pk=pk)
    may_handle = services.case_may_handle(request.user, case)
    may_answer = services.case_may_answer(request.user, case)
    return render(
        request,
        "grids/case_detail.html",
        {
            "case": case,
            "events": case.events.all(),
            "photos": case.photos.all(),
            "can_escalate": may_handle
            and case.status == CaseStatus.OPEN
            and case.level != CaseLevel.STREET,
            "can_close": may_handle and case.status == CaseStatus.OPEN,
            "can_note": may_handle and case.status == CaseStatus.OPEN,
            "can_answer": may_answer and case.status == CaseStatus.CLOSED,
            "form": ReasonForm(),
        },
    )


CASE_ACTIONS = {
    "escalate": (
        lambda user, case, text: services.case_escalate(
            user=user, case=case, reason=text
        ),
        gettext_lazy("事件已上报到上一级。"),
    ),
    "close": (
        lambda user, case, text: services.case_close(user=user, case=case, result=text),
        gettext_lazy("事件已办结，已通知反映人确认。"),
    ),
    "confirm": (
        lambda user, case, text: services.case_confirm(user=user, case=case, text=text),
        gettext_lazy("已确认问题解决。"),
    ),
    "reopen": (
        lambda user, case, text: services.case_reopen(
            user=user, case=case, reason=text
        ),
        gettext_lazy("事件已重新打开。"),
    ),
    "note": (
        lambda user, case, text: services.case_note(user=user, case=case, text=text),
        gettext_lazy("处理进展已记录。"),
    ),
}


@login_required
@require_POST
def case_action(request, pk, action):
    if action not in CASE_ACTIONS:
        raise Http404
    case = selectors.case_get(user=request.user, pk=pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    run, done = CASE_ACTIONS[action]
    try:
        run(request.user, case, form.cleaned_data.get("text", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("grids:case", pk=case.pk)


@upload_limit(MAX_PHOTOS)
@login_required
def case_new(request):
    """Report a case (a worker, cadre, unit or resident)."""
    require(request.user, "grids.report_case")
    cells = selectors.reportable_cells(user=request.user)
    units = selectors.units_for_report(user=request.user)
    initial = {}
    cell = query_id(request.GET, "cell")
    if cell:
        initial["cell"] = cell
    form = CaseForm(
        request.POST or None,
        request.FILES or None,
        cells=cells,
        units=units,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_report(
                user=request.user,
                cell=data["cell"],
                unit=data.get("unit"),
                category=data["category"],
                title=data["title"],
                description=data["description"],
                location=data["location"],
                deadline=data["deadline"],
                reporter_name=data["reporter_name"],
                reporter_phone=data["reporter_phone"],
                photos=data["photos"],
            )
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(request, _("事件已上报。"))
            return redirect("grids:case", pk=case.pk)
    return render(request, "grids/case_form.html", {"form": form})


# -- visits --------------------------------------------------------------------------


@login_required
def visit_list(request):
    require(request.user, "grids.view")
    mine = request.GET.get("mine") == "1"
    page = pages.page(request, selectors.visit_list(user=request.user, mine=mine))
    return render(
        request,
        "grids/visit_list.html",
        {"page": page, "mine": mine, "can_visit": can(request.user, "grids.visit")},
    )


@login_required
def visit_detail(request, pk):
    visit = selectors.visit_get(user=request.user, pk=pk)
    return render(request, "grids/visit_detail.html", {"visit": visit})


@upload_limit(MAX_PHOTOS)
@login_required
def visit_new(request):
    """Log a visit from a phone: cell or household, date, findings, photos."""
    require(request.user, "grids.visit")
    scope = scope_for(request.user)
    cells = Cell.objects.filter(
        selectors.cell_visible_q(scope), level__lte=CellLevel.SUB
    ).order_by("tree_id", "lft")
    chosen = query_id(request.GET, "cell") or to_int(
        request.POST.get("cell"), minimum=1, maximum=ID_MAX
    )
    if chosen:
        # A household or entrance opened from its cell page is offered too.
        cells = (
            Cell.objects.filter(selectors.cell_visible_q(scope)).filter(pk=chosen)
            | cells
        )
    form = VisitForm(
        request.POST or None,
        request.FILES or None,
        cells=cells.order_by("tree_id", "lft"),
        initial={"cell": chosen} if chosen else {},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        case = None
        if data["report"]:
            case = {
                "category": data["category"],
                "title": data["title"],
                "description": data["findings"],
            }
        try:
            visit = services.visit_log(
                user=request.user,
                cell=data["cell"],
                visited_on=data["visited_on"],
                findings=data["findings"],
                photos=data["photos"],
                case=case,
            )
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(request, _("巡访已记录。"))
            return redirect("grids:visit", pk=visit.pk)
    return render(request, "grids/visit_form.html", {"form": form})


# -- photos --------------------------------------------------------------------------


@login_required
def photo(request, pk):
    """Serve a photo to whoever sees its case or visit; 404 to anyone else."""
    item = selectors.photo_get(user=request.user, pk=pk)
    try:
        handle = item.image.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, content_type=mimetypes.guess_type(item.image.name)[0] or "image/jpeg"
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Disposition"] = "inline"
    return response
