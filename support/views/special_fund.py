"""Pages of the special fund and its ledger."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import pages
from portal.roles import can, require
from support import forms, selectors, services
from support.models import FundEntryKind
from support.views._common import PAGE_SIZE, _require_view, _today


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
