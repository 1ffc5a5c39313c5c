"""Credit ratings and appeals of out-of-system units (S23/S24), notices to
departments."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from evaluations.models._common import _user_fk
from portal.models import org_fk

# -- credit ratings and appeals (out-of-system units, S23/S24) ----------------------------


class CreditLevel(models.TextChoices):
    A = "A", _("A级（诚信示范）")
    B = "B", _("B级（守信良好）")
    C = "C", _("C级（基本守信）")
    D = "D", _("D级（失信警示）")


CREDIT_LEVEL_ORDER = [CreditLevel.A, CreditLevel.B, CreditLevel.C, CreditLevel.D]


class RatingSource(models.TextChoices):
    DERIVED = "derived", _("按规则评定")
    DECISION = "decision", _("管理员决定")
    APPEAL = "appeal", _("申诉改定")


class CreditRating(models.Model):
    """One entry of an organisation's credit level and stars. Append-only.

    The latest row of a unit is its current rating. ``derived_*`` keep what the
    documented rules gave at that time, ``level``/``stars`` what applies (the
    rules' result, an admin's decision or an appeal's outcome), ``basis`` the
    figures the rules used. Ratings belong to organisations only (S24).
    """

    street = org_fk(_("街道"))
    community = org_fk(_("社区"))
    unit = org_fk(_("单位"), related_name="credit_ratings")
    level = models.CharField(_("信用等级"), max_length=1, choices=CreditLevel.choices)
    stars = models.PositiveSmallIntegerField(_("星级"))
    derived_level = models.CharField(
        _("规则等级"), max_length=1, choices=CreditLevel.choices
    )
    derived_stars = models.PositiveSmallIntegerField(_("规则星级"))
    source = models.CharField(_("来源"), max_length=16, choices=RatingSource.choices)
    #: Derived rows: the published month they were derived at; decisions and
    #: appeals: the month they were made in. Notices select changes by it.
    as_of_month = models.DateField(_("生效月份"))
    basis = models.JSONField(_("评定依据"), default=dict)
    reason = models.TextField(_("理由"), blank=True)
    previous = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("上一评定"),
    )
    decided_by = _user_fk(_("决定人"))
    created_at = models.DateTimeField(_("评定时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("信用评级")
        verbose_name_plural = _("信用评级")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "-id"]),
            models.Index(fields=["street", "created_at"]),
            models.Index(fields=["community", "level"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stars__gte=1, stars__lte=5)
                & models.Q(derived_stars__gte=1, derived_stars__lte=5),
                name="evaluations_rating_stars_1_to_5",
            )
        ]

    def __str__(self):
        return "%s · %s · %s★" % (self.unit, self.level, self.stars)

    @property
    def stars_text(self):
        return "★" * self.stars + "☆" * (5 - self.stars)


class AppealStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    ACCEPTED = "accepted", _("已采纳")
    REJECTED = "rejected", _("已驳回")


class Appeal(models.Model):
    """A unit's appeal (申诉) against its credit rating."""

    street = org_fk(_("街道"))
    community = org_fk(_("社区"))
    unit = org_fk(_("单位"), related_name="appeals")
    rating = models.ForeignKey(
        CreditRating,
        on_delete=models.PROTECT,
        related_name="appeals",
        verbose_name=_("被申诉的评级"),
    )
    reason = models.TextField(_("申诉理由"))
    #: Server-generated storage name under MEDIA_ROOT (never the upload's name).
    attachment = models.CharField(_("附件"), max_length=200, blank=True)
    attachment_type = models.CharField(_("附件类型"), max_length=100, blank=True)
    attachment_size = models.PositiveIntegerField(_("附件大小"), default=0)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=AppealStatus.choices,
        default=AppealStatus.OPEN,
    )
    submitted_by = _user_fk(_("申诉人"))
    decided_by = _user_fk(_("处理人"))
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_reason = models.TextField(_("处理意见"), blank=True)
    result_rating = models.ForeignKey(
        CreditRating,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("改定后的评级"),
    )
    created_at = models.DateTimeField(_("申诉时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("评级申诉")
        verbose_name_plural = _("评级申诉")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["street", "status"]),
            models.Index(fields=["community", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["unit"],
                condition=models.Q(status="open"),
                name="evaluations_one_open_appeal_per_unit",
                violation_error_message=_("该单位已有一件待处理的申诉。"),
            )
        ]

    def __str__(self):
        return "%s · %s" % (self.unit, self.get_status_display())


class AppealAction(models.TextChoices):
    SUBMITTED = "submitted", _("提出申诉")
    ACCEPTED = "accepted", _("采纳申诉")
    REJECTED = "rejected", _("驳回申诉")


class AppealEvent(models.Model):
    """One step of an appeal, seen by the unit and the street alike. Append-only."""

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("动作"), max_length=16, choices=AppealAction.choices)
    note = models.TextField(_("说明"), blank=True)
    actor = _user_fk(_("经办人"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("申诉记录")
        verbose_name_plural = _("申诉记录")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.get_action_display()


# -- notices to departments (S23) -------------------------------------------------------


class Department(models.TextChoices):
    MARKET = "market", _("市场监督管理部门")
    QUALITY = "quality", _("质量技术监督部门")
    ENVIRONMENT = "environment", _("生态环境部门")
    CITY = "city", _("城市管理部门")
    TAX = "tax", _("税务部门")


class DepartmentNotice(models.Model):
    """A notice (通报) to a department of out-of-system units' co-building and
    rating changes over a period; its .xlsx is built from frozen data."""

    street = org_fk(_("街道"))
    department = models.CharField(
        _("通报部门"), max_length=16, choices=Department.choices
    )
    period_start = models.DateField(_("起始月份"))
    period_end = models.DateField(_("截止月份"))
    units_count = models.PositiveIntegerField(_("单位数"), default=0)
    changes_count = models.PositiveIntegerField(_("评级变动数"), default=0)
    created_by = _user_fk(_("经办人"))
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("部门通报")
        verbose_name_plural = _("部门通报")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return "%s · %s—%s" % (
            self.get_department_display(),
            self.period_start.strftime("%Y-%m"),
            self.period_end.strftime("%Y-%m"),
        )
