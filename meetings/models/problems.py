"""Problems raised to a committee, their history, and the action items
agreed to solve them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from meetings.models.meetings import Meeting
from portal.models import TimeStamped

# -- problems and action items --------------------------------------------------


class ProblemSource(models.TextChoices):
    MEMBER_UNIT = "member_unit", _("成员单位")
    RESIDENT = "resident", _("居民代表")
    GRID_CASE = "grid_case", _("网格事件")
    ESCALATED = "escalated", _("大党委上报")


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("待研究")
    IN_PROGRESS = "in_progress", _("推进中")
    ESCALATED = "escalated", _("已上报大工委")
    RESOLVED = "resolved", _("已解决")
    ANSWERED = "answered", _("已答复办结")


#: Statuses in which a problem still needs work.
OPEN_PROBLEM_STATUSES = (ProblemStatus.OPEN, ProblemStatus.IN_PROGRESS)


class Problem(TimeStamped):
    """A problem on a committee's agenda, until it is solved, answered or escalated."""

    committee = models.ForeignKey(
        "orgs.Committee",
        on_delete=models.PROTECT,
        related_name="problems",
        verbose_name=_("委员会"),
    )
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="problems",
        verbose_name=_("列入议程的会议"),
    )
    street = models.ForeignKey(
        "orgs.OrgNode",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("街道"),
    )
    #: The community the problem comes from (also for a 大工委 problem escalated
    #: by a 大党委), so the community that raised it can follow it.
    community = models.ForeignKey(
        "orgs.OrgNode",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("社区"),
    )
    source = models.CharField(_("来源"), max_length=16, choices=ProblemSource.choices)
    title = models.CharField(_("问题"), max_length=200)
    description = models.TextField(_("情况说明"), blank=True)
    raised_during_meeting = models.BooleanField(_("会上提出"), default=False)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("反映人账号"),
    )
    reporter_name = models.CharField(_("反映人"), max_length=100, blank=True)
    reporter_unit = models.ForeignKey(
        "orgs.OrgNode",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("反映单位"),
    )
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=ProblemStatus.choices,
        default=ProblemStatus.OPEN,
    )
    #: Weighted roll-up of the action items' progress (0–100), kept by the services.
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    escalated_from = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="escalated_to",
        verbose_name=_("上报自"),
    )
    #: An escalated grid case (``grids`` app): its id and its history as received.
    grid_case_id = models.PositiveBigIntegerField(
        _("网格事件编号"), null=True, blank=True
    )
    grid_case_history = models.JSONField(_("网格事件经过"), default=list, blank=True)
    result = models.TextField(_("办理结果"), blank=True)
    result_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    result_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("办结人"),
    )
    feedback_sent_at = models.DateTimeField(_("已反馈时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "grid_case_id"],
                condition=models.Q(grid_case_id__isnull=False),
                name="meetings_grid_case_once_per_committee",
            )
        ]
        indexes = [
            models.Index(fields=["community", "status"]),
            models.Index(fields=["street", "status"]),
            models.Index(fields=["committee", "status"]),
        ]

    def __str__(self):
        return self.title

    @property
    def is_closed(self):
        return self.status in (ProblemStatus.RESOLVED, ProblemStatus.ANSWERED)


class ProblemEventKind(models.TextChoices):
    CREATED = "created", _("提出")
    GRID_CASE = "grid_case", _("网格事件转入")
    ITEM_ADDED = "item_added", _("制定举措")
    ESCALATED = "escalated", _("上报大工委")
    RECEIVED = "received", _("大工委受理")
    RESOLVED = "resolved", _("解决")
    ANSWERED = "answered", _("答复办结")
    FEEDBACK = "feedback", _("结果反馈")


class ProblemEvent(models.Model):
    """One step in a problem's history: who, when, what, why. Append-only."""

    problem = models.ForeignKey(
        Problem, on_delete=models.CASCADE, related_name="events", verbose_name=_("问题")
    )
    kind = models.CharField(_("事项"), max_length=16, choices=ProblemEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("问题经过")
        verbose_name_plural = _("问题经过")
        ordering = ["problem_id", "created_at", "id"]

    def __str__(self):
        return self.get_kind_display()


class ActionItemStatus(models.TextChoices):
    OPEN = "open", _("未开始")
    IN_PROGRESS = "in_progress", _("推进中")
    DONE = "done", _("已完成")
    OVERDUE = "overdue", _("已逾期")


class ActionItem(TimeStamped):
    """A solution (解决举措) agreed for a problem, assigned to a unit with a due date."""

    problem = models.ForeignKey(
        Problem,
        on_delete=models.PROTECT,
        related_name="action_items",
        verbose_name=_("问题"),
    )
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_items",
        verbose_name=_("议定会议"),
    )
    committee = models.ForeignKey(
        "orgs.Committee",
        on_delete=models.PROTECT,
        related_name="action_items",
        verbose_name=_("委员会"),
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
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("社区"),
    )
    unit = models.ForeignKey(
        "orgs.OrgNode",
        on_delete=models.PROTECT,
        related_name="meeting_action_items",
        verbose_name=_("责任单位"),
    )
    title = models.CharField(_("举措"), max_length=200)
    due_on = models.DateField(_("完成时限"))
    weight = models.PositiveSmallIntegerField(_("权重"), default=1)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=ActionItemStatus.choices,
        default=ActionItemStatus.OPEN,
    )
    progress = models.PositiveSmallIntegerField(_("完成百分比"), default=0)
    evidence = models.TextField(_("完成佐证"), blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )

    class Meta:
        verbose_name = _("解决举措")
        verbose_name_plural = _("解决举措")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="meetings_item_progress_max"
            ),
            models.CheckConstraint(
                condition=models.Q(weight__gte=1), name="meetings_item_weight_min"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="done")
                | models.Q(progress=100, done_at__isnull=False),
                name="meetings_item_done_is_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["community", "status"]),
            models.Index(fields=["street", "status"]),
            models.Index(fields=["status", "due_on"]),
            # The monthly evaluation: one street's items due in one month.
            models.Index(fields=["street", "due_on"]),
        ]

    def __str__(self):
        return self.title

    @property
    def is_done(self):
        return self.status == ActionItemStatus.DONE

    @property
    def done_on_time(self):
        return self.is_done and self.done_at.date() <= self.due_on


class ActionItemUpdate(models.Model):
    """One change of an action item (progress, status, due date); append-only."""

    item = models.ForeignKey(
        ActionItem,
        on_delete=models.CASCADE,
        related_name="updates",
        verbose_name=_("举措"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    status_from = models.CharField(
        _("原状态"), max_length=16, choices=ActionItemStatus.choices, blank=True
    )
    status_to = models.CharField(
        _("新状态"), max_length=16, choices=ActionItemStatus.choices
    )
    progress = models.PositiveSmallIntegerField(_("完成百分比"), default=0)
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("举措进展")
        verbose_name_plural = _("举措进展")
        ordering = ["item_id", "created_at", "id"]

    def __str__(self):
        return "%s → %s" % (self.status_from, self.status_to)
