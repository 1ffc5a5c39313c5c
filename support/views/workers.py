"""Pages of the workforce: workers, their compliance list, joining and leaving."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import pages
from portal.audit import log_access
from portal.exports import xlsx_response
from portal.roles import can, require
from support import exports, forms, selectors, services
from support.models import REQUIRED_TRAININGS_PER_YEAR, AttendanceStatus
from support.views._common import PAGE_SIZE, _require_view, _today

WORKER_SORTS = {
    "name": ["person__name", "id"],
    "community": ["community__code", "person__name", "id"],
    "type": ["worker_type", "person__name", "id"],
    "hired": ["hired_on", "id"],
    "trainings": ["trainings_year", "person__name", "id"],
}


def _worker_filters(request):
    form = forms.WorkerFilterForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    status = data.get("status") or "active"
    return form, {
        "community": data.get("community"),
        "worker_type": data.get("worker_type", ""),
        "search": data.get("q", ""),
        "active": {"active": True, "left": False}.get(status),
        "compliance": data.get("compliance", ""),
    }


@login_required
def worker_list(request):
    _require_view(request)
    form, filters = _worker_filters(request)
    qs = selectors.worker_list(user=request.user, **filters)
    qs, sort = pages.sort(request, qs, WORKER_SORTS, "community", then=())
    page = pages.page(request, qs, PAGE_SIZE)
    log_access(request, "support.worker", len(page.object_list))
    return render(
        request,
        "support/worker_list.html",
        {
            "form": form,
            "page": page,
            "sort": sort,
            "required": REQUIRED_TRAININGS_PER_YEAR,
            "can_manage": can(request.user, "support.manage"),
        },
    )


def _compliance_queryset(request):
    form = forms.WorkerFilterForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.worker_compliance_list(
        user=request.user,
        community=data.get("community"),
        worker_type=data.get("worker_type", ""),
    )
    return form, qs


@login_required
def compliance(request):
    """Workers with fewer than the required trainings this year."""
    _require_view(request)
    form, qs = _compliance_queryset(request)
    qs, sort = pages.sort(request, qs, WORKER_SORTS, "trainings", then=())
    page = pages.page(request, qs, PAGE_SIZE)
    log_access(request, "support.worker", len(page.object_list))
    return render(
        request,
        "support/compliance.html",
        {
            "form": form,
            "page": page,
            "sort": sort,
            "year": _today().year,
            "required": REQUIRED_TRAININGS_PER_YEAR,
        },
    )


@login_required
def compliance_xlsx(request):
    """The compliance list as .xlsx: its queryset and filters, row by row."""
    _require_view(request)
    _form, qs = _compliance_queryset(request)
    qs = qs.order_by("community__code", "worker_type", "person__name", "id")
    title = _("%(year)s年轮训不足%(n)s次人员") % {
        "year": _today().year,
        "n": REQUIRED_TRAININGS_PER_YEAR,
    }
    sheet = exports.compliance_sheet(qs, title=title)
    response = xlsx_response(f"{title}.xlsx", sheet)
    log_access(request, "support.worker", sheet.count, export=True)
    return response


@login_required
def worker_detail(request, pk):
    _require_view(request)
    worker = selectors.worker_get(user=request.user, pk=pk)
    log_access(request, "support.worker", 1)
    attendances = list(selectors.worker_attendances(worker=worker))
    year = _today().year
    attended_this_year = sum(
        1
        for a in attendances
        if a.status == AttendanceStatus.PRESENT and a.training.held_on.year == year
    )
    return render(
        request,
        "support/worker_detail.html",
        {
            "worker": worker,
            "cells": worker.cells.order_by("code"),
            "attendances": attendances,
            "attended_this_year": attended_this_year,
            "required": REQUIRED_TRAININGS_PER_YEAR,
            "year": year,
            "can_manage": can(request.user, "support.manage", worker),
            "leave_form": forms.WorkerLeaveForm(initial={"left_on": _today()}),
        },
    )


@login_required
def worker_create(request):
    require(request.user, "support.manage")
    form = forms.WorkerCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            worker = services.worker_create(
                user=request.user,
                name=data["name"],
                phone=data["phone"],
                worker_type=data["worker_type"],
                community=data["community"],
                employer=data["employer"],
                hired_on=data["hired_on"],
                cells=data["cell_codes"],
                note=data["note"],
            )
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(request, _("已登记%s。") % worker.person.name)
            return redirect("support:worker_detail", pk=worker.pk)
    return render(
        request,
        "support/form.html",
        {
            "form": form,
            "title": _("登记社工/网格员"),
            "back": reverse("support:workers"),
        },
    )


@login_required
def worker_edit(request, pk):
    _require_view(request)
    worker = selectors.worker_get(user=request.user, pk=pk)
    require(request.user, "support.manage", worker)
    initial = {
        "employer": worker.employer,
        "hired_on": worker.hired_on,
        "cell_codes": " ".join(c.code for c in worker.cells.order_by("code")),
        "note": worker.note,
    }
    form = forms.WorkerEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.worker_update(
                user=request.user,
                worker=worker,
                employer=data["employer"],
                hired_on=data["hired_on"],
                cells=data["cell_codes"],
                note=data["note"],
            )
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("support:worker_detail", pk=worker.pk)
    return render(
        request,
        "support/form.html",
        {
            "form": form,
            "title": _("修改：%s") % worker,
            "back": reverse("support:worker_detail", args=[worker.pk]),
        },
    )


@login_required
@require_POST
def worker_leave(request, pk):
    _require_view(request)
    worker = selectors.worker_get(user=request.user, pk=pk)
    require(request.user, "support.manage", worker)
    form = forms.WorkerLeaveForm(request.POST)
    if form.is_valid():
        try:
            services.worker_leave(
                user=request.user,
                worker=worker,
                left_on=form.cleaned_data["left_on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("已记录离岗。"))
    else:
        messages.error(request, _("请填写有效的离岗日期。"))
    return redirect("support:worker_detail", pk=worker.pk)
