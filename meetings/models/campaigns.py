"""Campaigns, their sections given to units, and the sections' on-site
inspections at meetings (S11)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from meetings.models.meetings import Meeting
from portal.models import TimeStamped

# -- campaign sections (S11) ------------------------------------------------------


class Campaign(TimeStamped):
    """A campaign (e.g. 创文) that divides a community into sections owned by units."""

    name = models.CharField(_("名称"), max_length=200)
    street = models.ForeignKey(
        "orgs.OrgNode",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("街道"),
    )
    community = models.ForeignKey(
        "orgs.OrgNode",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("社区"),
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("专项活动")
        verbose_name_plural = _("专项活动")
        ordering = ["community_id", "-starts_on", "id"]

    def __str__(self):
        return self.name


class CampaignSection(TimeStamped):
    """A section of a campaign (分片包段), owned by one unit."""

    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="sections",
        verbose_name=_("专项活动"),
    )
    name = models.CharField(_("片段名称"), max_length=200)
    area = models.CharField(_("范围"), max_length=255, blank=True)
    unit = models.ForeignKey(
        "orgs.OrgNode",
        on_delete=models.PROTECT,
        related_name="campaign_sections",
        verbose_name=_("包保单位"),
    )
    street = models.ForeignKey(
        "orgs.OrgNode",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("街道"),
    )
    community = models.ForeignKey(
        "orgs.OrgNode",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("社区"),
    )

    class Meta:
        verbose_name = _("包保片段")
        verbose_name_plural = _("包保片段")
        ordering = ["campaign_id", "id"]

    def __str__(self):
        return self.name


class InspectionResult(models.TextChoices):
    GOOD = "good", _("优良")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class SectionInspection(TimeStamped):
    """The on-site inspection of a section at a monthly meeting."""

    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        related_name="inspections",
        verbose_name=_("会议"),
    )
    section = models.ForeignKey(
        CampaignSection,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("片段"),
    )
    result = models.CharField(
        _("检查结果"), max_length=16, choices=InspectionResult.choices
    )
    note = models.CharField(_("情况"), max_length=255, blank=True)
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("记录人"),
    )
    street = models.ForeignKey(
        "orgs.OrgNode",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("街道"),
    )
    community = models.ForeignKey(
        "orgs.OrgNode",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("社区"),
    )
    unit = models.ForeignKey(
        "orgs.OrgNode",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("单位"),
    )

    class Meta:
        verbose_name = _("现场检查")
        verbose_name_plural = _("现场检查")
        ordering = ["meeting_id", "section_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "section"], name="meetings_inspection_once"
            )
        ]

    def __str__(self):
        return "%s · %s" % (self.section, self.get_result_display())
