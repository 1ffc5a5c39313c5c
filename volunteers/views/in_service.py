"""In-service party members (S15): reports, points, service record cards."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.models import OrgKind, OrgNode
from portal import pages
from portal.audit import log_access
from portal.exports import Sheet, xlsx_response
from portal.params import query_id, query_month, query_year, to_int
from portal.roles import can
from volunteers import exports, selectors, services
from volunteers.forms import PartyConfirmForm
from volunteers.models import ATTENDED
from volunteers.views._common import _query_without

# -- staff: in-service party members (S15) --------------------------------------------------


def _report_params(request):
    today = timezone.localdate()
    year = query_year(request.GET, default=today.year)
    if year > today.year + 1:
        year = today.year
    month = query_month(request.GET, default=today.month if year == today.year else 12)
    unit = query_id(request.GET, "unit")
    return year, month, unit


def _report_unit(request, unit_id):
    if unit_id is None:
        return None
    if (
        not selectors.in_service_volunteers(user=request.user)
        .filter(employer_unit_id=unit_id)
        .exists()
    ):
        raise Http404
    return get_object_or_404(OrgNode, pk=unit_id, kind=OrgKind.UNIT)


@login_required
def inservice_report(request):
    """Monthly services of in-service party members, per employer unit."""
    if not can(request.user, "volunteers.party_member_report"):
        raise PermissionDenied
    year, month, unit_id = _report_params(request)
    unit = _report_unit(request, unit_id)
    context = {
        "year": year,
        "month": month,
        "unit": unit,
        "months": range(1, 13),
        "years": range(timezone.localdate().year, timezone.localdate().year - 5, -1),
        "closed": selectors.year_is_closed(year),
        "quarter": (month - 1) // 3 + 1,
        "query": _query_without(request, "page"),
    }
    if unit is None:
        units = selectors.in_service_units(user=request.user, year=year, month=month)
        context["page"] = pages.page(request, units, 50)
        context["totals"] = {
            k: sum(u[k] for u in units)
            for k in ("members", "services", "below_month", "below_year")
        }
    else:
        rows = selectors.in_service_members(
            user=request.user, year=year, unit_id=unit.pk, month=month
        )
        context["below_month"] = sum(1 for r in rows if r["below_month"])
        context["below_year"] = sum(1 for r in rows if r["below_year"])
        context["only_below"] = request.GET.get("below") == "1"
        if context["only_below"]:
            rows = [r for r in rows if r["below_month"]]
        context["page"] = pages.page(request, rows, 50)
        log_access(request, "volunteers.in_service", len(context["page"].object_list))
    return render(request, "volunteers/inservice_report.html", context)


@login_required
def inservice_report_xlsx(request):
    """The same report as the page (same selector, same filters) as .xlsx."""
    if not can(request.user, "volunteers.party_member_report"):
        raise PermissionDenied
    year, month, unit_id = _report_params(request)
    unit = _report_unit(request, unit_id)
    if unit is None:
        header, rows = exports.in_service_units_rows(
            selectors.in_service_units(user=request.user, year=year, month=month)
        )
        filename = f"in-service-{year}-{month:02d}.xlsx"
    else:
        members = selectors.in_service_members(
            user=request.user, year=year, unit_id=unit.pk, month=month
        )
        if request.GET.get("below") == "1":
            # The page's "only those below this month" filter, as on the page.
            members = [r for r in members if r["below_month"]]
        header, rows = exports.in_service_members_rows(members)
        filename = f"in-service-{unit.code}-{year}.xlsx"
        log_access(request, "volunteers.in_service", len(rows), export=True)
    return xlsx_response(
        filename, Sheet(title=_("在职党员服务"), headers=header, rows=rows)
    )


@login_required
def inservice_confirm(request):
    """Check-ins of the party org's members waiting for its points (S15)."""
    if not can(request.user, "volunteers.confirm_party_points"):
        raise PermissionDenied
    queryset = (
        selectors.checkin_list(user=request.user)
        .filter(
            in_service=True,
            party_confirmed_at__isnull=True,
            attendance__in=ATTENDED,
        )
        .select_related("employer_unit")
        .order_by("-checked_in_at", "-id")
    )
    if request.method == "POST":
        ids = [to_int(i) for i in request.POST.getlist("checkin")]
        form = PartyConfirmForm(request.POST)
        points = form.cleaned_data["points"] if form.is_valid() else None
        done = 0
        if points is None:
            messages.error(request, _("积分须在 0 到 100 之间。"))
        else:
            for checkin in queryset.filter(pk__in=[i for i in ids if i]):
                try:
                    services.party_points_confirm(
                        user=request.user, checkin=checkin, points=points
                    )
                    done += 1
                except ValidationError as exc:
                    pages.error_messages(request, exc)
            messages.success(request, _("已确认 %s 条服务记录。") % done)
        return redirect("volunteers:inservice_confirm")
    return render(
        request,
        "volunteers/inservice_confirm.html",
        {
            "page": pages.page(request, queryset, 50),
            "default_points": services.DEFAULT_PARTY_POINTS,
        },
    )


def _card(request, unit_id, year, quarter):
    if not can(request.user, "volunteers.party_member_report"):
        raise PermissionDenied
    if not 1 <= quarter <= 4:
        raise Http404
    unit = _report_unit(request, unit_id)
    return unit, selectors.service_card(
        user=request.user, unit_id=unit.pk, year=year, quarter=quarter
    )


@login_required
def service_card(request, unit_id, year, quarter):
    """The quarter's service record card of one employer unit (printable)."""
    unit, card = _card(request, unit_id, year, quarter)
    log_access(request, "volunteers.in_service", len(card["members"]))
    return render(
        request,
        "volunteers/service_card.html",
        {
            "unit": unit,
            "card": card,
            "year": year,
            "quarter": quarter,
            "issued": timezone.localdate(),
        },
    )


@login_required
def service_card_xlsx(request, unit_id, year, quarter):
    unit, card = _card(request, unit_id, year, quarter)
    header, rows = exports.service_card_rows(card)
    log_access(request, "volunteers.in_service", len(rows), export=True)
    return xlsx_response(
        f"service-card-{unit.code}-{year}Q{quarter}.xlsx",
        Sheet(title=_("服务记录卡"), headers=header, rows=rows),
    )
