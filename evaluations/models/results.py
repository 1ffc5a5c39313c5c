"""Grades and scoring policies, monthly runs, results, publications, overrides and
feedback deliveries."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from evaluations.models._common import _user_fk
from portal.models import org_fk

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
