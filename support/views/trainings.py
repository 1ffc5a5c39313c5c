"""Pages of the trainings and their attendance sheets."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from portal import pages
from portal.roles import can, require
from support import forms, selectors, services
from support.models import AttendanceStatus
from support.views._common import PAGE_SIZE, _require_view, _today

TRAINING_SORTS = {
    "date": ["held_on", "id"],
    "topic": ["topic", "id"],
    "present": ["present_count", "id"],
}


@login_required
def training_list(request):
    _require_view(request)
    form = forms.TrainingFilterForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.training_list(
        user=request.user,
        year=data.get("year"),
        community=data.get("community"),
        search=data.get("q", ""),
    )
    qs, sort = pages.sort(request, qs, TRAINING_SORTS, "-date", then=())
    return render(
        request,
        "support/training_list.html",
        {
            "form": form,
            "page": pages.page(request, qs, PAGE_SIZE),
            "sort": sort,
            "can_manage": can(request.user, "support.manage"),
        },
    )


@login_required
def training_create(request):
    require(request.user, "support.manage")
    form = forms.TrainingForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            training = services.training_create(
                user=request.user,
                community=data["community"],
                street=None if data["community"] else form.street(),
                topic=data["topic"],
                held_on=data["held_on"],
                trainer=data["trainer"],
                location=data["location"],
                audience=data["audience"],
            )
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(request, _("已登记轮训。"))
            return redirect("support:training_detail", pk=training.pk)
    return render(
        request,
        "support/form.html",
        {
            "form": form,
            "title": _("登记轮训"),
            "back": reverse("support:trainings"),
        },
    )


@login_required
def training_detail(request, pk):
    """A training and its attendance sheet (recording needs the action)."""
    _require_view(request)
    training = selectors.training_get(user=request.user, pk=pk)
    workers = list(
        selectors.training_eligible_workers(user=request.user, training=training)
    )
    current = selectors.training_attendance_map(training=training, workers=workers)
    may_record = can(request.user, "support.record_attendance") and bool(workers)
    form = forms.AttendanceForm(request.POST or None, workers=workers, current=current)
    if request.method == "POST":
        if not may_record:
            require(request.user, "support.record_attendance", training)
        if form.is_valid() and not form.statuses():
            messages.info(request, _("出勤没有改动。"))
            return redirect("support:training_detail", pk=training.pk)
        if form.is_valid():
            try:
                n = services.training_record_attendance(
                    user=request.user, training=training, statuses=form.statuses()
                )
            except ValidationError as exc:
                pages.form_errors(form, exc)
            else:
                messages.success(request, _("已登记 %s 人的出勤。") % n)
                return redirect("support:training_detail", pk=training.pk)
    counts = dict.fromkeys(AttendanceStatus.values, 0)
    for status in current.values():
        counts[status] += 1
    return render(
        request,
        "support/training_detail.html",
        {
            "training": training,
            "form": form,
            "rows": form.bound_rows(),
            "counts": [(s.label, counts[s.value]) for s in AttendanceStatus],
            "may_record": may_record,
            "held": training.held_on <= _today(),
            "can_manage": can(request.user, "support.manage"),
        },
    )


@login_required
def training_edit(request, pk):
    _require_view(request)
    training = selectors.training_get(user=request.user, pk=pk)
    require(request.user, "support.manage", training)
    form = forms.TrainingEditForm(
        request.POST or None,
        initial={
            "topic": training.topic,
            "held_on": training.held_on,
            "trainer": training.trainer,
            "location": training.location,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.training_update(
                user=request.user, training=training, **form.cleaned_data
            )
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("support:training_detail", pk=training.pk)
    return render(
        request,
        "support/form.html",
        {
            "form": form,
            "title": _("修改轮训"),
            "back": reverse("support:training_detail", args=[training.pk]),
        },
    )
