"""Monthly evaluations, scoring policies, credit ratings, appeals, notices to
departments and the two-way commitments.

Results rows carry plain ``street`` / ``community`` / ``unit`` foreign keys so
scoping and counting are GROUP BYs. History rows (policy versions, grade
overrides, credit ratings, appeal events) are append-only: the services create
them and never update or delete them, and they have no ``updated_at``.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import org_fk

USER = settings.AUTH_USER_MODEL


def _user_fk(verbose_name, *, related_name="+"):
    return models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name=related_name,
        verbose_name=verbose_name,
    )


# -- grades and policies -------------------------------------------------------------


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    FAIR = "fair", _("一般")
    POOR = "poor", _("较差")


#: Grades from best to worst (thresholds and feedback follow this order).
GRADE_ORDER = [Grade.EXCELLENT, Grade.GOOD, Grade.FAIR, Grade.POOR]


class ScoringPolicy(models.Model):
    """One version of a street's scoring policy (weights, targets, thresholds).

    Rows are never edited: a change is a new version with its effective month.
    A run uses the version in force for its month (the latest effective month
    not after it), and a version may not take effect in a published month, so
    a published month keeps the policy it was graded with.
    """

    street = org_fk(_("街道"))
    version = models.PositiveIntegerField(_("版本"))
    effective_month = models.DateField(_("生效月份"))
    #: component key → weight, for units and for committees.
    unit_weights = models.JSONField(_("单位指标权重"))
    committee_weights = models.JSONField(_("委员会指标权重"))
    #: count component key → monthly target that earns full marks.
    targets = models.JSONField(_("数量指标月目标"))
    excellent_min = models.DecimalField(_("优秀分数线"), max_digits=5, decimal_places=2)
    good_min = models.DecimalField(_("良好分数线"), max_digits=5, decimal_places=2)
    fair_min = models.DecimalField(_("一般分数线"), max_digits=5, decimal_places=2)
    note = models.CharField(_("修订说明"), max_length=500, blank=True)
    created_by = _user_fk(_("修订人"))
    created_at = models.DateTimeField(_("修订时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("评分办法")
        verbose_name_plural = _("评分办法")
        ordering = ["street_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "version"], name="evaluations_policy_version_once"
            ),
            models.CheckConstraint(
                condition=models.Q(excellent_min__gt=models.F("good_min"))
                & models.Q(good_min__gt=models.F("fair_min"))
                & models.Q(fair_min__gte=0)
                & models.Q(excellent_min__lte=100),
                name="evaluations_policy_thresholds_ordered",
            ),
        ]

    def __str__(self):
        return _("第%(version)s版（%(month)s起）") % {
            "version": self.version,
            "month": self.effective_month.strftime("%Y-%m"),
        }

    def grade_for(self, score):
        """Return the grade a score earns under this policy's thresholds."""
        if score >= self.excellent_min:
            return Grade.EXCELLENT
        if score >= self.good_min:
            return Grade.GOOD
        if score >= self.fair_min:
            return Grade.FAIR
        return Grade.POOR


# -- runs and results -------------------------------------------------------------------


class RunStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("计算中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
    ABANDONED = "abandoned", _("已中断")


ACTIVE_RUN_STATUSES = (RunStatus.PENDING, RunStatus.RUNNING)


class RunTrigger(models.TextChoices):
    BUTTON = "button", _("页面发起")
    COMMAND = "command", _("命令行")
    SCHEDULE = "schedule", _("定时任务")
    API = "api", _("接口")
    SEED = "seed", _("演示数据")


class EvaluationRun(models.Model):
    """One computation of a street's month: status, progress and timings.

    The task claims the run with a conditional UPDATE that draws a fresh
    ``token``; every batch re-checks the token under the row lock before it
    writes, so a run that was abandoned (its worker died) and replaced never
    writes again even if its worker comes back.
    """

    street = org_fk(_("街道"))
    month = models.DateField(_("月份"))
    policy = models.ForeignKey(
        ScoringPolicy,
        on_delete=models.PROTECT,
        related_name="runs",
        verbose_name=_("评分办法"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=RunStatus.choices, default=RunStatus.PENDING
    )
    trigger = models.CharField(
        _("发起方式"),
        max_length=16,
        choices=RunTrigger.choices,
        default=RunTrigger.BUTTON,
    )
    units_total = models.PositiveIntegerField(_("单位总数"), default=0)
    units_done = models.PositiveIntegerField(_("已完成单位"), default=0)
    committees_total = models.PositiveIntegerField(_("委员会总数"), default=0)
    committees_done = models.PositiveIntegerField(_("已完成委员会"), default=0)
    attempts = models.PositiveSmallIntegerField(_("执行次数"), default=0)
    #: When the broker took the run's task message; empty while it could not
    #: be sent (Redis down): the watchdog sends it when the broker is back.
    queued_at = models.DateTimeField(_("送入队列时间"), null=True, blank=True)
    #: How often the watchdog sent the run again after it went silent.
    requeues = models.PositiveSmallIntegerField(_("重新排队次数"), default=0)
    token = models.CharField(max_length=32, blank=True)
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    created_by = _user_fk(_("发起人"))
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("评议运行")
        verbose_name_plural = _("评议运行")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["street", "month", "status"])]

    def __str__(self):
        return "%s · %s" % (self.month.strftime("%Y-%m"), self.get_status_display())

    @property
    def total(self):
        return self.units_total + self.committees_total

    @property
    def done(self):
        return self.units_done + self.committees_done

    @property
    def percent(self):
        if self.status == RunStatus.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def duration_seconds(self):
        if self.started_at and self.finished_at:
            return round((self.finished_at - self.started_at).total_seconds(), 1)
        return None

    @property
    def is_active(self):
        return self.status in ACTIVE_RUN_STATUSES

    @property
    def waiting_for_queue(self):
        """Recorded, but its task could not be sent yet (the broker was down)."""
        return self.status == RunStatus.PENDING and self.queued_at is None


class Publication(models.Model):
    """The publication of a street's month: one row per (street, month).

    The unique constraint makes a second, concurrent publication fail, so a
    month is published (and its notices sent) exactly once.
    """

    street = org_fk(_("街道"))
    month = models.DateField(_("月份"))
    run = models.ForeignKey(
        EvaluationRun,
        on_delete=models.PROTECT,
        related_name="publications",
        verbose_name=_("评议运行"),
    )
    policy = models.ForeignKey(
        ScoringPolicy,
        on_delete=models.PROTECT,
        related_name="publications",
        verbose_name=_("评分办法"),
    )
    notices_sent = models.PositiveIntegerField(_("发送反馈数"), default=0)
    published_by = _user_fk(_("发布人"))
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("评议发布")
        verbose_name_plural = _("评议发布")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "month"], name="evaluations_month_published_once"
            )
        ]

    def __str__(self):
        return self.month.strftime("%Y-%m")


class SubjectKind(models.TextChoices):
    UNIT = "unit", _("驻街单位")
    COMMITTEE = "committee", _("委员会")


class FeedbackCategory(models.TextChoices):
    """分类施策: how a grade is answered when the month is published."""

    PRAISE = "praise", _("通报表扬")
    ENCOURAGE = "encourage", _("肯定鼓励")
    REMINDER = "reminder", _("提醒督促")
    INTERVIEW = "interview", _("约谈整改")


class Evaluation(models.Model):
    """A unit's or a committee's result for a month: metrics, score, grade.

    Upserted per (month, unit) / (month, committee) by the runs, so computing
    the month again (also after a worker died half-way) gives the same rows.
    ``grade`` is the effective grade: ``computed_grade`` unless overridden.
    """

    # No index of their own: the (street, month, …), (community, month),
    # (unit, month) and (committee, month) indexes below lead with them, and
    # every index a row is in is written again each time a run upserts it.
    street = org_fk(_("街道"), db_index=False)
    community = org_fk(_("社区"), null=True, db_index=False)
    kind = models.CharField(_("对象"), max_length=16, choices=SubjectKind.choices)
    unit = org_fk(_("单位"), null=True, related_name="evaluations", db_index=False)
    committee = models.ForeignKey(
        "orgs.Committee",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evaluations",
        verbose_name=_("委员会"),
        db_index=False,
    )
    month = models.DateField(_("月份"))
    # Not indexed: nothing reads results by run (and runs are never deleted),
    # and a rerun writes a new run into every row, which with an index on it
    # could never be a HOT update (in place, no index touched; see 0005).
    run = models.ForeignKey(
        EvaluationRun,
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name=_("评议运行"),
        db_index=False,
    )
    policy = models.ForeignKey(
        ScoringPolicy,
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name=_("评分办法"),
    )
    metrics = models.JSONField(_("指标"), default=dict)
    breakdown = models.JSONField(_("分项得分"), default=dict)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=2)
    computed_grade = models.CharField(
        _("计算等次"), max_length=16, choices=Grade.choices
    )
    grade = models.CharField(_("等次"), max_length=16, choices=Grade.choices)
    overridden = models.BooleanField(_("已调整"), default=False)
    publication = models.ForeignKey(
        Publication,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evaluations",
        verbose_name=_("发布"),
        db_index=False,  # a partial index below: drafts are not in it
    )
    feedback_category = models.CharField(
        _("反馈方式"), max_length=16, choices=FeedbackCategory.choices, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("评议结果")
        verbose_name_plural = _("评议结果")
        ordering = ["-month", "kind", "-score", "id"]
        constraints = [
            # Partial: a unit's row is not in the committees' index and the
            # other way round, so a run's upsert writes one of them per row.
            # Subject first: they also serve a unit's (committee's) history.
            # The upsert's ON CONFLICT names the columns and the condition.
            models.UniqueConstraint(
                fields=["unit", "month"],
                condition=models.Q(unit__isnull=False),
                name="evaluations_result_once_per_unit",
            ),
            models.UniqueConstraint(
                fields=["committee", "month"],
                condition=models.Q(committee__isnull=False),
                name="evaluations_result_once_per_committee",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="unit", unit__isnull=False, committee__isnull=True)
                    | models.Q(
                        kind="committee", unit__isnull=True, committee__isnull=False
                    )
                ),
                name="evaluations_result_one_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["street", "month", "kind", "grade"]),
            models.Index(fields=["community", "month"]),
            models.Index(
                fields=["publication"],
                condition=models.Q(publication__isnull=False),
                name="evaluations_published_idx",
            ),
        ]

    def __str__(self):
        return "%s · %s" % (self.month.strftime("%Y-%m"), self.subject_name)

    @property
    def subject_name(self):
        if self.kind == SubjectKind.UNIT:
            return str(self.unit)
        return str(self.committee)

    @property
    def is_published(self):
        return self.publication_id is not None


class GradeOverride(models.Model):
    """An admin's change of a grade, with the reason. Append-only."""

    evaluation = models.ForeignKey(
        Evaluation,
        on_delete=models.PROTECT,
        related_name="overrides",
        verbose_name=_("评议结果"),
    )
    from_grade = models.CharField(_("原等次"), max_length=16, choices=Grade.choices)
    to_grade = models.CharField(_("新等次"), max_length=16, choices=Grade.choices)
    reason = models.TextField(_("理由"))
    created_by = _user_fk(_("调整人"))
    created_at = models.DateTimeField(_("调整时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("等次调整记录")
        verbose_name_plural = _("等次调整记录")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return "%s → %s" % (self.get_from_grade_display(), self.get_to_grade_display())


class DeliveryChannel(models.TextChoices):
    INBOX = "inbox", _("站内消息")
    SMS = "sms", _("短信")
    NONE = "none", _("无可用渠道")


class DeliveryState(models.TextChoices):
    """Where a result's feedback stands (derived, see ``selectors``)."""

    DELIVERED = "delivered", _("已送达")
    PENDING = "pending", _("待发送")
    UNDELIVERABLE = "undeliverable", _("未送达")


class FeedbackDelivery(models.Model):
    """How one published result's feedback goes to its unit: one row per result.

    Written when the month is published: the inbox of the unit's heads (a
    大党委's: its community's secretaries), else an SMS reminder to the
    contact's mobile (``reminder``, sent once by the periodic sender), else
    no channel: the street prints the notice. Retrying touches only rows not
    delivered, so nobody is told twice.
    """

    publication = models.ForeignKey(
        Publication,
        on_delete=models.PROTECT,
        related_name="deliveries",
        verbose_name=_("发布"),
        db_index=False,  # the (publication, channel) index leads with it
    )
    evaluation = models.OneToOneField(
        Evaluation,
        on_delete=models.PROTECT,
        related_name="delivery",
        verbose_name=_("评议结果"),
    )
    channel = models.CharField(
        _("渠道"), max_length=16, choices=DeliveryChannel.choices
    )
    recipients = models.PositiveIntegerField(_("收件账号数"), default=0)
    reminder = models.ForeignKey(
        "portal.Reminder",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("短信提醒"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("反馈送达记录")
        verbose_name_plural = _("反馈送达记录")
        ordering = ["id"]
        indexes = [models.Index(fields=["publication", "channel"])]

    def __str__(self):
        return "%s · %s" % (self.evaluation_id, self.get_channel_display())


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
