"""Pages of guarantee integration: workforce, trainings, social organisations,
community funds, the special fund and the routine notice.

Views are thin: a selector reads within the user's scope (another scope's
object is a 404), a service writes (a forbidden action is a 403).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import pages
from portal.audit import log_access
from portal.exports import xlsx_response
from portal.params import query_year
from portal.roles import can, require
from portal.scope import scope_for
from support import exports, forms, selectors, services
from support.models import (
    MIN_COMMUNITY_FUNDS_YUAN,
    REQUIRED_TRAININGS_PER_YEAR,
    AttendanceStatus,
    BudgetLine,
    FundEntryKind,
    SocialOrgKind,
)
from support.notices import NoticePeriod, notice_build, period_presets
from support.stats import LABELS
from support.stats import stats as support_stats

PAGE_SIZE = 50


# -- helpers ----------------------------------------------------------------------
def _require_view(request):
    require(request.user, "support.view")


def _today():
    return timezone.localdate()


# -- home --------------------------------------------------------------------------
@login_required
def home(request):
    """Overview: the key figures, the shortfalls, recent trainings."""
    _require_view(request)
    scope = scope_for(request.user)
    today = _today()
    figures = support_stats(scope)
    cards = [
        {"key": key, "label": LABELS[key], "value": value}
        for key, value in figures.items()
    ]
    underfunded = list(
        selectors.communities_underfunded(scope, today.year).only("pk", "name")
    )
    under_by_community = selectors.workers_count_by_community(
        selectors.worker_compliance_list(user=request.user, today=today)
    )
    recent = selectors.training_list(user=request.user).order_by("-held_on", "-id")[:5]
    return render(
        request,
        "support/home.html",
        {
            "cards": cards,
            "underfunded": underfunded,
            "under_by_community": under_by_community,
            "recent_trainings": recent,
            "year": today.year,
            "min_funds": MIN_COMMUNITY_FUNDS_YUAN,
            "required": REQUIRED_TRAININGS_PER_YEAR,
            "can_manage": can(request.user, "support.manage"),
            "can_notice": can(request.user, "support.notices"),
        },
    )


# -- workers -------------------------------------------------------------------------
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


# -- trainings ------------------------------------------------------------------------
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


# -- social organisations ---------------------------------------------------------------
SOCIAL_ORG_SORTS = {
    "name": ["name", "id"],
    "community": ["community__code", "name", "id"],
    "kind": ["kind", "name", "id"],
    "status": ["status", "name", "id"],
    "incubated": ["incubated_on", "id"],
    "members": ["members", "id"],
}


@login_required
def social_org_list(request):
    _require_view(request)
    form = forms.SocialOrgFilterForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.social_org_list(
        user=request.user,
        community=data.get("community"),
        kind=data.get("kind", ""),
        status=data.get("status", ""),
        search=data.get("q", ""),
    )
    qs, sort = pages.sort(request, qs, SOCIAL_ORG_SORTS, "community", then=())
    summary = selectors.social_org_summary(scope_for(request.user))
    return render(
        request,
        "support/social_org_list.html",
        {
            "form": form,
            "page": pages.page(request, qs, PAGE_SIZE),
            "sort": sort,
            "summary": summary,
            "kind_counts": [
                (label, summary["kind"].get(value, 0))
                for value, label in SocialOrgKind.choices
            ],
            "can_manage": can(request.user, "support.manage"),
        },
    )


@login_required
def social_org_create(request):
    require(request.user, "support.manage")
    form = forms.SocialOrgForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        community = data.pop("community")
        data.pop("street", None)
        try:
            org = services.social_org_create(
                user=request.user,
                community=community,
                street=None if community else form.street(),
                **data,
            )
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(request, _("已登记%s。") % org.name)
            return redirect("support:social_org_detail", pk=org.pk)
    return render(
        request,
        "support/form.html",
        {
            "form": form,
            "title": _("登记社会组织"),
            "back": reverse("support:social_orgs"),
        },
    )


@login_required
def social_org_detail(request, pk):
    """A social organisation; managers edit it and change its status here."""
    _require_view(request)
    org = selectors.social_org_get(user=request.user, pk=pk)
    may_manage = can(
        request.user,
        "support.manage",
        street_id=org.street_id,
        community_id=org.community_id,
    )
    initial = {name: getattr(org, name) for name in services.SOCIAL_ORG_FIELDS}
    edit_form = forms.SocialOrgForm(
        initial=initial, user=request.user, editing=True, prefix="edit"
    )
    status_form = forms.SocialOrgStatusForm(prefix="status")
    if request.method == "POST":
        if not may_manage:
            require(request.user, "support.manage", org)
        try:
            if "status-status" in request.POST:
                status_form = forms.SocialOrgStatusForm(request.POST, prefix="status")
                if status_form.is_valid():
                    services.social_org_set_status(
                        user=request.user, org=org, **status_form.cleaned_data
                    )
                    messages.success(request, _("状态已变更。"))
                    return redirect("support:social_org_detail", pk=org.pk)
            else:
                edit_form = forms.SocialOrgForm(
                    request.POST, user=request.user, editing=True, prefix="edit"
                )
                if edit_form.is_valid():
                    data = dict(edit_form.cleaned_data)
                    data.pop("street", None)
                    services.social_org_update(user=request.user, org=org, **data)
                    messages.success(request, _("已保存。"))
                    return redirect("support:social_org_detail", pk=org.pk)
        except ValidationError as exc:
            target = status_form if "status-status" in request.POST else edit_form
            pages.form_errors(target, exc)
    return render(
        request,
        "support/social_org_detail.html",
        {
            "org": org,
            "changes": org.status_changes.select_related("changed_by"),
            "may_manage": may_manage,
            "edit_form": edit_form,
            "status_form": status_form,
        },
    )


# -- community funds ------------------------------------------------------------------------
def _year(request):
    return query_year(request.GET, default=_today().year)


@login_required
def funds(request):
    """Each community's three lines for a year, with the S19 check."""
    _require_view(request)
    year = _year(request)
    form = forms.FundsFilterForm(
        request.GET or None, user=request.user, initial={"year": year}
    )
    community = form.cleaned_data.get("community") if form.is_valid() else None
    rows = selectors.funds_overview(user=request.user, year=year, community=community)
    return render(
        request,
        "support/funds.html",
        {
            "form": form,
            "rows": rows,
            "year": year,
            "lines": BudgetLine.choices,
            "min_funds": MIN_COMMUNITY_FUNDS_YUAN,
            "underfunded_count": sum(1 for r in rows if r.underfunded),
            "can_manage": can(request.user, "support.manage"),
            "can_spend": can(request.user, "support.record_spending"),
        },
    )


@login_required
def budget_set(request):
    require(request.user, "support.manage")
    initial = {"year": _year(request)}
    form = forms.BudgetForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.budget_set(
                user=request.user,
                community=data["community"],
                year=data["year"],
                line=data["line"],
                amount=data["amount"],
                reason=data["reason"],
            )
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(request, _("预算已保存。"))
            return redirect(f"{reverse('support:funds')}?year={data['year']}")
    return render(
        request,
        "support/form.html",
        {
            "form": form,
            "title": _("设置社区经费预算"),
            "back": reverse("support:funds"),
            "intro": _(
                "三项经费（运转经费、党建经费、服务群众专项经费）合计每年不低于 %s 元；每次调整都会留下记录。"
            )
            % f"{MIN_COMMUNITY_FUNDS_YUAN:,.0f}",
        },
    )


SPENDING_SORTS = {
    "date": ["spent_on", "id"],
    "amount": ["amount", "id"],
    "community": ["community__code", "spent_on", "id"],
}


@login_required
def spending_list(request):
    _require_view(request)
    year = _year(request)
    form = forms.SpendingFilterForm(
        request.GET or None, user=request.user, initial={"year": year}
    )
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.spending_list(
        user=request.user,
        year=year,
        community=data.get("community"),
        line=data.get("line", ""),
    )
    qs, sort = pages.sort(request, qs, SPENDING_SORTS, "-date", then=())
    return render(
        request,
        "support/spending_list.html",
        {
            "form": form,
            "page": pages.page(request, qs, PAGE_SIZE),
            "sort": sort,
            "year": year,
            "can_spend": can(request.user, "support.record_spending"),
            "void_form": forms.ReasonForm(),
        },
    )


@login_required
def spending_create(request):
    require(request.user, "support.record_spending")
    year = _year(request)
    form = forms.SpendingForm(
        request.POST or None, request.FILES or None, user=request.user, year=year
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            spending = services.spending_create(
                user=request.user,
                budget=data["budget"],
                amount=data["amount"],
                spent_on=data["spent_on"],
                purpose=data["purpose"],
                payee=data["payee"],
                attachment=data["attachment"],
            )
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(request, _("支出已登记。"))
            return redirect(
                f"{reverse('support:spendings')}?year={spending.budget.year}"
            )
    return render(
        request,
        "support/form.html",
        {
            "form": form,
            "title": _("登记经费支出（%s年度）") % year,
            "back": reverse("support:spendings"),
            "multipart": True,
        },
    )


@login_required
@require_POST
def spending_void(request, pk):
    _require_view(request)
    spending = selectors.spending_get(user=request.user, pk=pk)
    # The permission before the body: a refusal says nothing about the form.
    require(request.user, "support.record_spending", spending)
    form = forms.ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.spending_void(
                user=request.user,
                spending=spending,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("支出记录已作废。"))
    else:
        messages.error(request, _("请说明作废原因。"))
    return redirect(f"{reverse('support:spendings')}?year={spending.spent_on.year}")


@login_required
def spending_attachment(request, pk):
    """Serve a voucher to those who may see the spending, as a download."""
    _require_view(request)
    spending = selectors.spending_get(user=request.user, pk=pk)
    if not spending.attachment:
        raise Http404
    try:
        handle = spending.attachment.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=spending.attachment_name or "attachment",
        content_type=spending.attachment_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response


# -- the special fund ---------------------------------------------------------------------------
@login_required
def special_funds(request):
    _require_view(request)
    funds_qs = selectors.special_fund_list(user=request.user)
    may_manage = can(request.user, "support.manage")
    form = forms.SpecialFundForm(request.POST or None, user=request.user)
    if request.method == "POST":
        require(request.user, "support.manage")
        if form.is_valid():
            data = dict(form.cleaned_data)
            data.pop("street", None)
            try:
                fund = services.special_fund_create(
                    user=request.user, street=form.street(), **data
                )
            except ValidationError as exc:
                pages.form_errors(form, exc)
            else:
                messages.success(request, _("已设立%s。") % fund.name)
                return redirect("support:special_fund_detail", pk=fund.pk)
    return render(
        request,
        "support/special_funds.html",
        {"funds": funds_qs, "form": form, "may_manage": may_manage},
    )


@login_required
def special_fund_detail(request, pk):
    """The fund's ledger with a running balance; managers add entries."""
    _require_view(request)
    fund = selectors.special_fund_get(user=request.user, pk=pk)
    may_manage = can(request.user, "support.manage", street_id=fund.street_id)
    form = forms.FundEntryForm(
        request.POST or None, fund=fund, initial={"occurred_on": _today()}
    )
    if request.method == "POST":
        require(request.user, "support.manage", street_id=fund.street_id)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["kind"] == FundEntryKind.CONTRIBUTION:
                    services.special_fund_contribute(
                        user=request.user,
                        fund=fund,
                        amount=data["amount"],
                        occurred_on=data["occurred_on"],
                        counterparty=data["counterparty"],
                        purpose=data["purpose"],
                        unit=data["unit"],
                    )
                else:
                    services.special_fund_grant(
                        user=request.user,
                        fund=fund,
                        amount=data["amount"],
                        occurred_on=data["occurred_on"],
                        counterparty=data["counterparty"],
                        purpose=data["purpose"],
                        community=data["community"],
                    )
            except ValidationError as exc:
                pages.form_errors(form, exc)
            else:
                messages.success(request, _("已记入台账。"))
                return redirect("support:special_fund_detail", pk=fund.pk)
    ledger = selectors.special_fund_ledger(fund=fund)
    page = pages.page(request, ledger, PAGE_SIZE)
    if "page" not in request.GET and page.paginator.num_pages > 1:
        # The newest movements are what people come for: open on the last page.
        page = page.paginator.page(page.paginator.num_pages)
    return render(
        request,
        "support/special_fund_detail.html",
        {
            "fund": fund,
            "page": page,
            "form": form,
            "may_manage": may_manage,
            "reverse_form": forms.ReasonForm(),
        },
    )


@login_required
@require_POST
def special_fund_entry_reverse(request, pk):
    _require_view(request)
    entry = selectors.special_fund_entry_get(user=request.user, pk=pk)
    require(request.user, "support.manage", street_id=entry.street_id)
    form = forms.ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.special_fund_entry_reverse(
                user=request.user, entry=entry, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("已冲正。"))
    else:
        messages.error(request, _("请说明冲正原因。"))
    return redirect("support:special_fund_detail", pk=entry.fund_id)


# -- the routine notice -------------------------------------------------------------------------
def _notice_period(request):
    today = _today()
    default = period_presets(today)[1][1]  # last month: the usual notice
    form = forms.NoticeForm(
        request.GET or None, initial={"start": default.start, "end": default.end}
    )
    if request.GET and form.is_valid():
        period = NoticePeriod(form.cleaned_data["start"], form.cleaned_data["end"])
    else:
        period = default
    return form, period


@login_required
def notice(request):
    """The routine notice for a period, as a printable page."""
    require(request.user, "support.notices")
    form, period = _notice_period(request)
    built = notice_build(scope=scope_for(request.user), period=period)
    presets = [
        (label, p.start.isoformat(), p.end.isoformat())
        for label, p in period_presets(_today())
    ]
    return render(
        request,
        "support/notice.html",
        {"form": form, "notice": built, "presets": presets},
    )


@login_required
def notice_xlsx(request):
    require(request.user, "support.notices")
    form, period = _notice_period(request)
    if request.GET and not form.is_valid():
        return render(
            request,
            "support/notice.html",
            {
                "form": form,
                "notice": notice_build(scope=scope_for(request.user), period=period),
                "presets": [],
            },
            status=400,
        )
    built = notice_build(scope=scope_for(request.user), period=period)
    # The shortfall list names workers: an export of personal data.
    named = sum(len(s.rows) for s in built.sections if s.key == "training_compliance")
    response = xlsx_response(f"{built.title}.xlsx", *exports.notice_sheets(built))
    log_access(request, "support.worker", named, export=True)
    return response
