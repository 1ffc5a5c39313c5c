"""In-service party members: the year's review."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import org_fk
from volunteers.models.registration import Volunteer

#: Fewer services than this in a year: not eligible for excellent party member.
YEARLY_SERVICES_REQUIRED = 10
#: At least this many services each month (S15).
MONTHLY_SERVICES_REQUIRED = 1


class InServiceYearReview(models.Model):
    """An in-service party member's services in a closed year, and the flag.

    Written by ``in_service_year_close`` after the year ends (idempotent: a
    rerun recomputes the same rows), so the flag stays when check-ins are
    later corrected and the employer's party org has a record to cite.
    """

    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="year_reviews"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    services = models.PositiveSmallIntegerField(_("服务次数"))
    months_below = models.PositiveSmallIntegerField(_("未达标月数"), default=0)
    eligible_excellent = models.BooleanField(_("可评优秀党员"))
    street = org_fk(_("街道"))
    community = org_fk(_("报到社区"))
    employer_unit = org_fk(_("工作单位"))
    computed_at = models.DateTimeField(_("计算时间"), default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("在职党员年度服务")
        verbose_name_plural = _("在职党员年度服务")
        ordering = ["-year", "employer_unit_id", "volunteer_id"]
        indexes = [models.Index(fields=["employer_unit", "year"])]
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "year"], name="volunteers_review_once_a_year"
            )
        ]

    def __str__(self):
        return f"{self.volunteer_id} · {self.year}: {self.services}"
