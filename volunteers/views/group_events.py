"""Group service events recorded by units (staff)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Sum
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal import pages
from portal.params import query_year
from portal.roles import can
from volunteers import selectors, services
from volunteers.forms import GroupEventForm
from volunteers.models import GroupServiceType
from volunteers.views._common import _query_without, _require_staff

# -- staff: group service events ---------------------------------------------------------


@login_required
def group_events(request):
    _require_staff(request.user)
    queryset = selectors.group_event_list(user=request.user)
    service_type = request.GET.get("type", "")
    if service_type in GroupServiceType.values:
        queryset = queryset.filter(service_type=service_type)
    year = query_year(request.GET)
    if year:
        queryset = queryset.filter(held_on__year=year)
    totals = queryset.aggregate(n=Count("id"), served=Sum("residents_served"))
    by_type = {
        row["service_type"]: row
        for row in queryset.order_by()
        .values("service_type")
        .annotate(n=Count("id"), served=Sum("residents_served"))
    }
    queryset, sort = pages.sort(
        request,
        queryset,
        {"held_on": "held_on", "served": "residents_served", "unit": "unit__name"},
        "-held_on",
        then=("-pk",),
    )
    return render(
        request,
        "volunteers/group_events.html",
        {
            "page": pages.page(request, queryset),
            "sort": sort,
            "totals": totals,
            "by_type": [
                (
                    label,
                    by_type.get(value, {}).get("n", 0),
                    by_type.get(value, {}).get("served") or 0,
                )
                for value, label in GroupServiceType.choices
            ],
            "types": GroupServiceType.choices,
            "type": service_type,
            "year": year,
            "can_record": can(request.user, "volunteers.record_group_event"),
            "query": _query_without(request, "page"),
            "sort_query": _query_without(request, "page", "sort"),
        },
    )


@login_required
def group_event_create(request):
    if not can(request.user, "volunteers.record_group_event"):
        raise PermissionDenied
    form = GroupEventForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.group_event_record(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(request, _("已登记组团式服务。"))
            return redirect("volunteers:group_events")
    return render(request, "volunteers/group_event_form.html", {"form": form})
