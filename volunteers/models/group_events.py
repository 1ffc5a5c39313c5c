"""Group service events recorded by units."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import ORG, org_fk
from volunteers.models.choices import GroupServiceType


class GroupServiceEvent(models.Model):
    """A group (组团式) service event by a resident unit (S16)."""

    unit = models.ForeignKey(
        ORG,
        db_index=False,
        on_delete=models.PROTECT,
        related_name="group_service_events",
        verbose_name=_("单位"),
    )
    street = org_fk(_("街道"), db_index=False)
    community = org_fk(_("社区"), db_index=False)
    service_type = models.CharField(
        _("服务类型"), max_length=16, choices=GroupServiceType.choices
    )
    title = models.CharField(_("名称"), max_length=200)
    held_on = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    residents_served = models.PositiveIntegerField(_("服务群众（人次）"))
    volunteers_count = models.PositiveIntegerField(_("参与人数"), default=0)
    description = models.TextField(_("内容"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_index=False,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("组团式服务")
        verbose_name_plural = _("组团式服务")
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["community", "held_on"]),
            models.Index(fields=["street", "held_on"]),
            models.Index(fields=["unit", "held_on"]),
        ]

    def __str__(self):
        return self.title
