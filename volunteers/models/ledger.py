"""The points ledger: append-only entries and each volunteer's account."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import org_fk
from volunteers.models.activities import CheckIn
from volunteers.models.choices import EntryKind
from volunteers.models.registration import Volunteer


class PointsEntry(models.Model):
    """One line of a volunteer's points ledger. Append-only.

    A database trigger (migration 0002) refuses UPDATE and DELETE of these
    rows; a mistake is undone by a reversing entry that names the entry it
    reverses and the reason. There is no ``updated_at``: rows never change.
    """

    volunteer = models.ForeignKey(
        Volunteer,
        on_delete=models.PROTECT,
        related_name="points_entries",
        db_index=False,
    )
    kind = models.CharField(_("类别"), max_length=16, choices=EntryKind.choices)
    points = models.IntegerField(_("积分"))
    reason = models.CharField(_("事由"), max_length=255)
    street = org_fk(_("街道"), db_index=False)
    community = org_fk(_("社区"), db_index=False)
    checkin = models.OneToOneField(
        CheckIn,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="points_entry",
        verbose_name=_("签到"),
    )
    redemption = models.OneToOneField(
        "Redemption",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="points_entry",
        verbose_name=_("兑换"),
    )
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("冲正的记录"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_index=False,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("经办人"),
    )
    created_at = models.DateTimeField(_("记账时间"), default=timezone.now)

    class Meta:
        verbose_name = _("积分记录")
        verbose_name_plural = _("积分记录")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["volunteer", "created_at"]),
            models.Index(fields=["community", "created_at"]),
            models.Index(fields=["street", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(points=0), name="volunteers_entry_not_zero"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="award") | models.Q(points__gt=0),
                name="volunteers_entry_award_positive",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="redemption") | models.Q(points__lt=0),
                name="volunteers_entry_redemption_negative",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="reversal") | models.Q(reverses__isnull=False),
                name="volunteers_entry_reversal_names_entry",
            ),
        ]

    def __str__(self):
        return f"{self.volunteer} {self.points:+d}"


class PointsAccount(models.Model):
    """The cached balance of a volunteer: always the sum of his ledger.

    Written only by ``volunteers.services`` in the same transaction as the
    ledger entry, under a row lock; the CHECK keeps it from going negative even
    if a service were wrong. ``points_check_balances`` proves it equals the sum.
    """

    volunteer = models.OneToOneField(
        Volunteer,
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="account",
    )
    balance = models.IntegerField(_("积分余额"), default=0)
    earned = models.IntegerField(_("累计获得"), default=0)
    street = org_fk(_("街道"))
    community = org_fk(_("社区"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("积分账户")
        verbose_name_plural = _("积分账户")
        ordering = ["-balance", "volunteer_id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(balance__gte=0),
                name="volunteers_account_balance_not_negative",
            )
        ]

    def __str__(self):
        return f"{self.volunteer_id}: {self.balance}"
