"""The love station of a community: its items and their redemptions."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import ORG, org_fk
from volunteers.models.choices import RedemptionStatus
from volunteers.models.registration import Volunteer


class LoveStation(models.Model):
    """A community's love station (爱心加油站): points buy items."""

    name = models.CharField(_("名称"), max_length=100)
    street = org_fk(_("街道"))
    community = models.OneToOneField(
        ORG,
        on_delete=models.PROTECT,
        related_name="love_station",
        verbose_name=_("社区"),
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    opening_hours = models.CharField(_("开放时间"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("爱心加油站")
        verbose_name_plural = _("爱心加油站")
        ordering = ["community_id"]

    def __str__(self):
        return self.name


class StationItem(models.Model):
    station = models.ForeignKey(
        LoveStation,
        on_delete=models.PROTECT,
        related_name="items",
        verbose_name=_("爱心加油站"),
    )
    name = models.CharField(_("物品"), max_length=100)
    description = models.CharField(_("说明"), max_length=255, blank=True)
    price = models.PositiveIntegerField(_("所需积分"))
    stock = models.IntegerField(_("库存"), default=0)
    active = models.BooleanField(_("上架"), default=True)
    street = org_fk(_("街道"))
    community = org_fk(_("社区"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("兑换物品")
        verbose_name_plural = _("兑换物品")
        ordering = ["station_id", "price", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stock__gte=0),
                name="volunteers_item_stock_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(price__gte=1), name="volunteers_item_price_positive"
            ),
        ]

    def __str__(self):
        return self.name


class Redemption(models.Model):
    volunteer = models.ForeignKey(
        Volunteer,
        on_delete=models.PROTECT,
        related_name="redemptions",
        db_index=False,
    )
    item = models.ForeignKey(
        StationItem, on_delete=models.PROTECT, related_name="redemptions"
    )
    quantity = models.PositiveSmallIntegerField(_("数量"), default=1)
    points = models.PositiveIntegerField(_("消耗积分"))
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=RedemptionStatus.choices,
        default=RedemptionStatus.DONE,
    )
    street = org_fk(_("街道"), db_index=False)
    community = org_fk(_("社区"), db_index=False)
    redeemed_at = models.DateTimeField(_("兑换时间"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("撤销原因"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("积分兑换")
        verbose_name_plural = _("积分兑换")
        ordering = ["-redeemed_at", "-id"]
        indexes = [
            models.Index(fields=["community", "redeemed_at"]),
            models.Index(fields=["street", "redeemed_at"]),
            models.Index(fields=["volunteer", "redeemed_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1),
                name="volunteers_redemption_quantity_positive",
            ),
        ]

    def __str__(self):
        return f"{self.volunteer_id} · {self.item_id} ×{self.quantity}"
