"""Committees and their seats: the list, a committee's page, add and vacate."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orgs import excel, selectors, services
from orgs.forms import SeatForm, VacateForm
from orgs.models import CommitteeKind, Person, Seat
from portal import audit, exports
from portal.roles import can, require

# -- committees ---------------------------------------------------------------------------


@login_required
def committee_list(request):
    require(request.user, "orgs.view_committees")
    committees = selectors.committee_list(user=request.user)
    return render(
        request,
        "orgs/committee_list.html",
        {
            "street_committees": [c for c in committees if c.community_id is None],
            "community_committees": [
                c for c in committees if c.community_id is not None
            ],
        },
    )


@login_required
def committee_detail(request, pk):
    require(request.user, "orgs.view_committees")
    committee = selectors.committee_get(user=request.user, pk=pk)
    seats = list(
        Seat.objects.filter(committee=committee)
        .select_related("person", "represents", "created_by", "vacated_by")
        .order_by("position", "term_start", "id")
    )
    order = {"secretary": 0, "deputy": 1, "member": 2}
    current = sorted(
        (s for s in seats if s.vacated_on is None),
        key=lambda s: (order.get(s.position, 3), s.term_start, s.pk),
    )
    history = sorted(
        (s for s in seats if s.vacated_on is not None),
        key=lambda s: s.vacated_on,
        reverse=True,
    )
    can_manage = can(request.user, "orgs.manage_seats", committee)
    # A name links to the person's page only when the user may open it.
    visible_people = set(
        selectors.person_list(user=request.user)
        .filter(pk__in={s.person_id for s in seats})
        .values_list("pk", flat=True)
    )
    form = None
    if can_manage:
        form = SeatForm(
            candidates=selectors.seat_candidates(committee=committee),
            initial={"term_start": timezone.localdate()},
        )
    return render(
        request,
        "orgs/committee_detail.html",
        {
            "committee": committee,
            "current": current,
            "history": history,
            "can_manage": can_manage,
            "visible_people": visible_people,
            "form": form,
            "today": timezone.localdate(),
            "rule": _committee_rule(committee),
        },
    )


def _committee_rule(committee):
    if committee.kind == CommitteeKind.BIG_WORKING:
        return _("委员须为社区党组织书记或大型驻街单位党组织书记（S3）。")
    if committee.kind == CommitteeKind.BIG_PARTY:
        return _("委员须为本社区内各类组织的党组织书记，推选产生（S4）。")
    return ""


@login_required
@require_POST
def seat_add(request, pk):
    require(request.user, "orgs.view_committees")
    committee = selectors.committee_get(user=request.user, pk=pk)
    require(request.user, "orgs.manage_seats", committee)
    candidates = Person.objects.filter(street_id=committee.street_id)
    form = SeatForm(request.POST, candidates=candidates)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.seat_add(
                user=request.user,
                committee=committee,
                person=data["person"],
                position=data["position"],
                origin=data["origin"],
                term_start=data["term_start"],
                term_end=data["term_end"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("已增加委员“%s”。") % data["person"].name)
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("orgs:committee_detail", pk=committee.pk)


@login_required
@require_POST
def seat_vacate(request, pk):
    require(request.user, "orgs.view_committees")
    seat = selectors.seat_get(user=request.user, pk=pk)
    require(request.user, "orgs.manage_seats", seat.committee)
    form = VacateForm(request.POST)
    if form.is_valid():
        try:
            services.seat_vacate(
                user=request.user,
                seat=seat,
                vacated_on=form.cleaned_data["vacated_on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("已登记“%s”离任。") % seat.person.name)
    else:
        messages.error(request, _("请填写离任日期和原因。"))
    return redirect("orgs:committee_detail", pk=seat.committee_id)


@login_required
def committee_export(request, pk):
    require(request.user, "orgs.export")
    committee = selectors.committee_get(user=request.user, pk=pk)
    sheet = excel.seats_sheet(
        selectors.seat_list(user=request.user).filter(committee=committee),
        title=committee.name,
    )
    response = exports.xlsx_response(_("%s-委员名单.xlsx") % committee.name, sheet)
    audit.log_access(request, "orgs.seat", sheet.count, export=True)
    return response
