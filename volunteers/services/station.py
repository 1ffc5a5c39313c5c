"""The love station: its items, their stock and redemptions."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.models import OrgNode
from portal.models import User
from portal.roles import require
from volunteers.models import (
    EntryKind,
    LoveStation,
    PointsEntry,
    Redemption,
    StationItem,
    Volunteer,
)
from volunteers.services._common import _check_community, _invalid
from volunteers.services.ledger import _account_locked, _ledger_append, points_reverse
from volunteers.services.registration import _require_volunteer


@transaction.atomic
def station_get_or_create(
    *,
    user: User,
    community: OrgNode,
    name: str = "",
    address: str = "",
    opening_hours: str = "",
) -> LoveStation:
    _check_community(community)
    require(user, "volunteers.manage", community)
    station, _created = LoveStation.objects.get_or_create(
        community=community,
        defaults={
            "street_id": community.street_id,
            "name": name or _("%s爱心加油站") % community.name,
            "address": address,
            "opening_hours": opening_hours,
        },
    )
    return station


@transaction.atomic
def station_item_create(
    *,
    user: User,
    station: LoveStation,
    name: str,
    price: int,
    stock: int = 0,
    description: str = "",
) -> StationItem:
    require(user, "volunteers.manage", station)
    item = StationItem(
        station=station,
        name=name,
        price=price,
        stock=stock,
        description=description,
        street_id=station.street_id,
        community_id=station.community_id,
    )
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def station_item_restock(
    *, user: User, item: StationItem, quantity: int
) -> StationItem:
    """Add ``quantity`` items to the stock (atomic increment)."""
    require(user, "volunteers.manage", item)
    if int(quantity) <= 0:
        raise _invalid(_("补充数量须大于 0。"), "quantity")
    StationItem.objects.filter(pk=item.pk).update(
        stock=F("stock") + int(quantity), updated_at=timezone.now()
    )
    item.refresh_from_db(fields=["stock", "updated_at"])
    return item


@transaction.atomic
def redemption_create(
    *,
    user: User,
    item: StationItem,
    quantity: int = 1,
    volunteer: Volunteer | None = None,
    now: datetime | None = None,
) -> Redemption:
    """Redeem points for ``quantity`` of ``item``; return the redemption.

    The volunteer redeems for himself; staff may record a redemption at the
    station counter for a volunteer of their community. The account row is
    locked first (so two redemptions by one person run one after the other
    and the second sees the first's balance); stock is taken by a
    conditional UPDATE (so the last item goes to exactly one person).
    """
    now = now or timezone.now()
    if volunteer is None:
        volunteer = _require_volunteer(user)
        require(user, "volunteers.participate", volunteer)
    else:
        require(user, "volunteers.manage", volunteer)
    quantity = int(quantity)
    if quantity < 1:
        raise _invalid(_("数量至少为 1。"), "quantity")
    item = StationItem.objects.get(pk=item.pk)
    if item.community_id != volunteer.community_id:
        raise _invalid(_("只能在报到社区的爱心加油站兑换。"))
    if not item.active:
        raise _invalid(_("该物品已下架。"))
    cost = item.price * quantity
    account = _account_locked(volunteer)
    if account.balance < cost:
        raise _invalid(
            _("积分余额不足：当前余额 %(balance)s，需要 %(need)s。")
            % {"balance": account.balance, "need": cost}
        )
    taken = StationItem.objects.filter(
        pk=item.pk, active=True, stock__gte=quantity
    ).update(stock=F("stock") - quantity, updated_at=now)
    if not taken:
        raise _invalid(_("库存不足：“%s”已兑完。") % item.name)
    redemption = Redemption(
        volunteer=volunteer,
        item=item,
        quantity=quantity,
        points=cost,
        street_id=volunteer.street_id,
        community_id=volunteer.community_id,
        redeemed_at=now,
    )
    redemption.full_clean()
    redemption.save()
    _ledger_append(
        volunteer=volunteer,
        kind=EntryKind.REDEMPTION,
        points=-cost,
        reason=_("兑换“%(item)s”×%(n)s") % {"item": item.name, "n": quantity},
        user=user,
        redemption=redemption,
        at=now,
        account=account,
    )
    return redemption


@transaction.atomic
def redemption_cancel(
    *, user: User, redemption: Redemption, reason: str
) -> PointsEntry:
    """Cancel a redemption: refund by a reversing entry and restock."""
    require(user, "volunteers.correct_points", redemption)
    entry = PointsEntry.objects.get(redemption=redemption)
    return points_reverse(user=user, entry=entry, reason=reason)
