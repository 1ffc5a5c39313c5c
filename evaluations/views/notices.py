"""Pages of the notices to departments and the annual reports."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from evaluations import forms, reports, selectors, services
from evaluations.models import Department
from evaluations.months import add_months, month_label, month_start
from evaluations.views._common import PAGE_SIZE, _querystring, _viewer, _year
from orgs.models import IN_SYSTEM_KINDS, UnitKind
from portal import pages
from portal.exports import attachment
from portal.roles import require

# -- notices and annual reports ---------------------------------------------------------


@login_required
def notices(request):
    """Notices to departments: issue one for a period, download its .xlsx."""
    street = _viewer(request)
    require(request.user, "evaluations.reports", street_id=street.pk)
    today = month_start(timezone.localdate())
    form = forms.NoticeForm(
        initial={
            "period_start": month_label(add_months(today, -12)),
            "period_end": month_label(add_months(today, -1)),
        }
    )
    if request.method == "POST":
        form = forms.NoticeForm(request.POST)
        if form.is_valid():
            try:
                notice = services.department_notice_create(
                    user=request.user, street=street, **form.cleaned_data
                )
            except ValidationError as exc:
                pages.error_messages(request, exc)
            else:
                messages.success(request, _("通报已生成：%s。") % notice)
                return redirect("evaluations:notices")
    return render(
        request,
        "evaluations/notices.html",
        {
            "form": form,
            "page": pages.page(
                request, selectors.notice_list(user=request.user), PAGE_SIZE
            ),
            "kinds_note": [
                (
                    department.label,
                    pgettext("punctuation", "、").join(
                        str(UnitKind(kind).label)
                        for kind in sorted(reports.DEPARTMENT_UNIT_KINDS[department])
                    ),
                )
                for department in Department
            ],
        },
    )


@login_required
@require_GET
def notice_download(request, pk):
    notice = selectors.notice_get(user=request.user, pk=pk)
    require(request.user, "evaluations.reports", street_id=notice.street_id)
    return attachment(
        reports.department_notice_xlsx(notice),
        "notice-%s-%s-%s.xlsx"
        % (
            notice.department,
            month_label(notice.period_start),
            month_label(notice.period_end),
        ),
    )


@login_required
@require_GET
def annual(request):
    """The in-system units in scope, each with its annual report."""
    _viewer(request)
    year = _year(request)
    units = (
        selectors.unit_list(user=request.user)
        .filter(unit_kind__in=IN_SYSTEM_KINDS)
        .select_related("community")
        .order_by("community__code", "code")
    )
    return render(
        request,
        "evaluations/annual.html",
        {
            "year": year,
            "years": list(range(timezone.localdate().year, 2018, -1)),
            "page": pages.page(request, units, PAGE_SIZE),
            "qs": _querystring(request),
        },
    )


@login_required
@require_GET
def annual_report(request, unit_pk, year):
    require(request.user, "evaluations.view")
    unit = selectors.in_system_unit_get(user=request.user, pk=unit_pk)
    return render(
        request,
        "evaluations/annual_report.html",
        {"data": reports.annual_report_data(unit, year), "unit": unit, "year": year},
    )


@login_required
@require_GET
def annual_report_xlsx(request, unit_pk, year):
    require(request.user, "evaluations.view")
    unit = selectors.in_system_unit_get(user=request.user, pk=unit_pk)
    return attachment(
        reports.annual_report_xlsx(unit, year), f"annual-{unit.code}-{year}.xlsx"
    )
