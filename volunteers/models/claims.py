"""Micro-wishes and service posts, claimed by units and volunteers."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import org_fk
from volunteers.models.choices import ClaimStatus, PostKind, WishCategory
from volunteers.models.registration import Volunteer


class Claimable(models.Model):
    """What micro-wishes and service posts share: a resident, a claim, steps.

    The resident's name, address and phone are shown masked on every list
    until a claimant is accepted, and then unmasked to that claimant only.
    Each step has its own date; a claim is taken by a conditional UPDATE.
    """

    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    street = org_fk(_("街道"), db_index=False)
    community = org_fk(_("社区"), db_index=False)
    resident_name = models.CharField(_("居民姓名"), max_length=50, blank=True)
    resident_address = models.CharField(_("居民地址"), max_length=200, blank=True)
    resident_phone = models.CharField(_("居民电话"), max_length=20, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.OPEN
    )
    claimed_by_unit = org_fk(_("认领单位"), null=True, db_index=False)
    claimed_by_volunteer = models.ForeignKey(
        Volunteer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("认领党员"),
    )
    claimed_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("认领经办人"),
    )
    published_at = models.DateTimeField(_("发布时间"), default=timezone.now)
    claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    fulfil_note = models.CharField(_("完成说明"), max_length=500, blank=True)
    #: Server-generated storage name of the proof photo (never the upload's name).
    photo = models.CharField(_("完成照片"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_index=False,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发布人"),
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_index=False,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认人"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["-published_at", "-id"]

    def __str__(self):
        return self.title

    @property
    def claimant_label(self):
        if self.claimed_by_unit_id:
            return str(self.claimed_by_unit)
        if self.claimed_by_volunteer_id:
            return str(self.claimed_by_volunteer)
        return ""


class MicroWish(Claimable):
    """A resident's micro-wish (微心愿), e.g. a child's school bag."""

    category = models.CharField(
        _("类别"), max_length=16, choices=WishCategory.choices, default="other"
    )

    class Meta(Claimable.Meta):
        verbose_name = _("微心愿")
        verbose_name_plural = _("微心愿")
        indexes = [
            models.Index(fields=["community", "status"]),
            models.Index(fields=["street", "status"]),
            models.Index(fields=["claimed_by_unit", "status"]),
            # The monthly evaluation: one street's claims fulfilled in a month.
            models.Index(fields=["street", "fulfilled_at"]),
        ]


class ServicePost(Claimable):
    """A service post (服务岗位) a community lists for units or party members."""

    kind = models.CharField(
        _("岗位类别"), max_length=16, choices=PostKind.choices, default="other"
    )

    class Meta(Claimable.Meta):
        verbose_name = _("服务岗位")
        verbose_name_plural = _("服务岗位")
        indexes = [
            models.Index(fields=["community", "status"]),
            models.Index(fields=["street", "status"]),
            models.Index(fields=["claimed_by_unit", "status"]),
            # The monthly evaluation: one street's claims fulfilled in a month.
            models.Index(fields=["street", "fulfilled_at"]),
        ]
