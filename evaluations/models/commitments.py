"""The two-way commitments (S20): units' views, commitments, surveys."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from evaluations.models._common import _user_fk
from portal.models import org_fk

# -- two-way commitment (S20) ------------------------------------------------------------


class CommitmentTheme(models.TextChoices):
    GOVERNANCE = "governance", _("基层治理")
    DEVELOPMENT = "development", _("社区发展")
    PUBLIC_SERVICE = "public_service", _("公共服务")


class UnitView(models.Model):
    """A unit's view (意见建议) collected before the street makes its commitments."""

    street = org_fk(_("街道"))
    community = org_fk(_("社区"))
    unit = org_fk(_("单位"), related_name="commitment_views")
    year = models.PositiveSmallIntegerField(_("年度"))
    theme = models.CharField(_("主题"), max_length=16, choices=CommitmentTheme.choices)
    content = models.TextField(_("意见建议"))
    submitted_by = _user_fk(_("提交人"))
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("单位意见")
        verbose_name_plural = _("单位意见")
        ordering = ["-year", "theme", "id"]
        indexes = [models.Index(fields=["street", "year"])]

    def __str__(self):
        return "%s · %s" % (self.unit, self.get_theme_display())


class Commitment(models.Model):
    """A commitment (承诺事项) the street makes for a year under a theme."""

    street = org_fk(_("街道"))
    year = models.PositiveSmallIntegerField(_("年度"))
    theme = models.CharField(_("主题"), max_length=16, choices=CommitmentTheme.choices)
    title = models.CharField(_("承诺事项"), max_length=200)
    content = models.TextField(_("具体内容"), blank=True)
    views_considered = models.PositiveIntegerField(_("参考单位意见数"), default=0)
    created_by = _user_fk(_("录入人"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("双向承诺")
        verbose_name_plural = _("双向承诺")
        ordering = ["-year", "theme", "id"]
        indexes = [models.Index(fields=["street", "year"])]

    def __str__(self):
        return self.title


class SurveyStatus(models.TextChoices):
    OPEN = "open", _("征集中")
    CLOSED = "closed", _("已结束")


class SurveyRound(models.Model):
    """A satisfaction survey of a year's commitments; units answer 1–5."""

    street = org_fk(_("街道"))
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("名称"), max_length=200)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=SurveyStatus.choices,
        default=SurveyStatus.OPEN,
    )
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    results_sent_at = models.DateTimeField(_("结果反馈时间"), null=True, blank=True)
    created_by = _user_fk(_("发起人"))
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("满意度测评")
        verbose_name_plural = _("满意度测评")
        ordering = ["-year", "-created_at", "-id"]

    def __str__(self):
        return self.title


class SurveyAnswer(models.Model):
    """A unit's rating (1–5) of one commitment's fulfilment in a survey round."""

    round = models.ForeignKey(
        SurveyRound, on_delete=models.PROTECT, related_name="answers"
    )
    commitment = models.ForeignKey(
        Commitment, on_delete=models.PROTECT, related_name="answers"
    )
    street = org_fk(_("街道"))
    community = org_fk(_("社区"))
    unit = org_fk(_("单位"), related_name="survey_answers")
    score = models.PositiveSmallIntegerField(_("满意度"))
    comment = models.CharField(_("意见"), max_length=500, blank=True)
    answered_by = _user_fk(_("填写人"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("测评答卷")
        verbose_name_plural = _("测评答卷")
        ordering = ["round_id", "commitment_id", "unit_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "commitment", "unit"],
                name="evaluations_answer_once_per_unit",
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5),
                name="evaluations_answer_score_1_to_5",
            ),
        ]

    def __str__(self):
        return "%s · %s · %s" % (self.unit, self.commitment, self.score)
