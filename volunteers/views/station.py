"""The love station: items to redeem (volunteers), stock and redemptions (staff)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orgs.selectors import community_list
from portal import pages
from portal.params import query_id, to_int
from portal.roles import can
from volunteers import selectors, services
from volunteers.forms import ItemForm, RestockForm
from volunteers.models import LoveStation, RedemptionStatus
from volunteers.views._common import _require_staff, _volunteer_or_redirect


@login_required
def station(request):
    """The love station of my community: items, prices, stock; redeem."""
    volunteer = _volunteer_or_redirect(request)
    if volunteer is None:
        return redirect("volunteers:register")
    the_station = LoveStation.objects.filter(community=volunteer.community).first()
    items = []
    if the_station is not None:
        items = the_station.items.filter(active=True).order_by("price", "id")
    return render(
        request,
        "volunteers/station.html",
        {
            "volunteer": volunteer,
            "station": the_station,
            "items": items,
            "balance": services.points_balance(volunteer),
            "tab": "station",
        },
    )


@login_required
@require_POST
def redeem(request, pk):
    item = get_object_or_404(selectors.item_list(user=request.user), pk=pk)
    try:
        quantity = max(to_int(request.POST.get("quantity"), 1), 1)
        services.redemption_create(user=request.user, item=item, quantity=quantity)
    except ValidationError as exc:
        pages.error_messages(request, exc)
    else:
        messages.success(request, _("兑换成功，请到爱心加油站领取。"))
    return redirect("volunteers:station")


# -- staff: love station ---------------------------------------------------------------


def _station_open(request, community):
    services.station_get_or_create(user=request.user, community=community)


def _station_item_add(request, community):
    form = ItemForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("请完整填写物品、积分和库存。"))
    the_station = get_object_or_404(LoveStation, community=community)
    services.station_item_create(
        user=request.user, station=the_station, **form.cleaned_data
    )


def _station_item_restock(request, community):
    item = get_object_or_404(
        selectors.item_list(user=request.user),
        pk=to_int(request.POST.get("item"), 0),
    )
    form = RestockForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("补充数量须大于 0。"))
    services.station_item_restock(
        user=request.user,
        item=item,
        quantity=form.cleaned_data["quantity"],
    )


def _redemption_cancel(request, community):
    redemption = get_object_or_404(
        selectors.redemption_list(user=request.user),
        pk=to_int(request.POST.get("redemption"), 0),
    )
    services.redemption_cancel(
        user=request.user,
        redemption=redemption,
        reason=request.POST.get("reason", ""),
    )


#: The station page's forms, by the ``action`` each posts: one service each.
STATION_ACTIONS = {
    "open": _station_open,
    "item": _station_item_add,
    "restock": _station_item_restock,
    "cancel": _redemption_cancel,
}


def _station_post(request, community):
    """Apply the form posted from the station page, then show the page again."""
    handler = STATION_ACTIONS.get(request.POST.get("action"))
    try:
        # An unknown action changes nothing and is answered like the others.
        if handler is not None:
            handler(request, community)
    except ValidationError as exc:
        pages.error_messages(request, exc)
    else:
        messages.success(request, _("已保存。"))
    return redirect(f"{reverse('volunteers:station_manage')}?community={community.pk}")


@login_required
def station_manage(request):
    _require_staff(request.user)
    communities = list(community_list(user=request.user))
    if not communities:
        raise PermissionDenied
    community_id = query_id(request.GET, "community", communities[0].pk)
    community = next((c for c in communities if c.pk == community_id), None)
    if community is None:
        raise Http404
    if request.method == "POST":
        return _station_post(request, community)
    the_station = LoveStation.objects.filter(community=community).first()
    items = the_station.items.order_by("price", "id") if the_station else []
    redemptions = (
        selectors.redemption_list(user=request.user)
        .filter(community=community)
        .order_by("-redeemed_at", "-id")
    )
    return render(
        request,
        "volunteers/station_manage.html",
        {
            "communities": communities,
            "community": community,
            "station": the_station,
            "items": items,
            "page": pages.page(request, redemptions, 20),
            "item_form": ItemForm(),
            "can_manage": can(request.user, "volunteers.manage", community),
            "done": RedemptionStatus.DONE,
            "query": f"community={community.pk}",
        },
    )
