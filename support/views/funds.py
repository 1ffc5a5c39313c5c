"""Pages of the community funds: budgets, spendings and their vouchers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import pages
from portal.params import query_year
from portal.roles import can, require
from support import forms, selectors, services
from support.models import MIN_COMMUNITY_FUNDS_YUAN, BudgetLine
from support.views._common import PAGE_SIZE, _require_view, _today


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
