"""Monthly joint meetings (联席会议) of the 大工委 and each 大党委.

A meeting a month per committee, chaired in rotation (``meetings.rotation``);
its attendance, minutes (sanitised HTML with a revision history) and
attachments; problems raised before and during it, each ending as action items
assigned to units or escalated to the 大工委; campaign sections inspected on
site; and the committee's channel between meetings.

Fact rows carry plain ``street``/``community`` (and ``unit``) keys so counting
is a GROUP BY. Every write goes through ``meetings.services``.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import TimeStamped

# -- meetings -----------------------------------------------------------------


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("待召开")
    HELD = "held", _("已召开")
    CANCELLED = "cancelled", _("已取消")


class PlaceKind(models.TextChoices):
    ROOM = "room", _("会议室")
    ON_SITE = "on_site", _("现场")


class Meeting(TimeStamped):
    """The joint meeting of one committee in one month."""

    committee = models.ForeignKey(
        "orgs.Committee",
        on_delete=models.PROTECT,
        related_name="meetings",
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
    #: First day of the meeting's month.
    month = models.DateField(_("月份"))
    held_at = models.DateTimeField(_("会议时间"))
    place_kind = models.CharField(
        _("地点类型"), max_length=16, choices=PlaceKind.choices, default=PlaceKind.ROOM
    )
    place = models.CharField(_("地点"), max_length=200)
    address = models.CharField(_("地址"), max_length=255, blank=True)
    agenda = models.TextField(_("议程"), blank=True)
    chair = models.ForeignKey(
        "orgs.Seat",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="chaired_meetings",
        verbose_name=_("轮值书记"),
    )
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=MeetingStatus.choices,
        default=MeetingStatus.SCHEDULED,
    )
    cancelled_reason = models.CharField(_("取消原因"), max_length=255, blank=True)
    #: Current minutes, sanitised; every filing is also a ``MinutesRevision``.
    minutes_html = models.TextField(_("会议纪要"), blank=True)
    minutes_filed_at = models.DateTimeField(
        _("纪要首次提交时间"), null=True, blank=True
    )
    minutes_filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("纪要提交人"),
    )
    #: Minutes written ahead (before the meeting, or a revision in progress):
    #: saved without filing, so the meeting's status and reminders stay.
    minutes_draft_html = models.TextField(_("纪要草稿"), blank=True)
    minutes_draft_saved_at = models.DateTimeField(
        _("草稿保存时间"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("联席会议")
        verbose_name_plural = _("联席会议")
        ordering = ["-month", "held_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "month"], name="meetings_one_per_committee_month"
            )
        ]
        indexes = [
            models.Index(fields=["street", "month"]),
            models.Index(fields=["community", "month"]),
            models.Index(fields=["status", "held_at"]),
        ]

    def __str__(self):
        return "%s %s" % (self.committee, self.month.strftime("%Y-%m"))

    @property
    def month_label(self):
        return self.month.strftime("%Y-%m")

    @property
    def has_minutes(self):
        return self.minutes_filed_at is not None

    def has_started(self, now):
        """Return whether the meeting's start time has come."""
        return self.held_at <= now


class MinutesRevision(models.Model):
    """One filing of a meeting's minutes; append-only, so the history stays."""

    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        related_name="minutes_revisions",
        verbose_name=_("会议"),
    )
    html = models.TextField(_("纪要内容"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("提交人"),
    )
    note = models.CharField(_("修改说明"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("纪要修订")
        verbose_name_plural = _("纪要修订")
        ordering = ["meeting_id", "-created_at", "-id"]

    def __str__(self):
        return "%s · %s" % (self.meeting, self.created_at)


class RotationSwap(TimeStamped):
    """Two months of a committee whose rotating chairs trade places, with why."""

    committee = models.ForeignKey(
        "orgs.Committee",
        on_delete=models.PROTECT,
        related_name="rotation_swaps",
        verbose_name=_("委员会"),
    )
    month_a = models.DateField(_("月份一"))
    month_b = models.DateField(_("月份二"))
    reason = models.CharField(_("调换原因"), max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("登记人"),
    )

    class Meta:
        verbose_name = _("轮值调换")
        verbose_name_plural = _("轮值调换")
        ordering = ["committee_id", "month_a", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(month_a__lt=models.F("month_b")),
                name="meetings_swap_months_ordered",
            ),
            models.UniqueConstraint(
                fields=["committee", "month_a"], name="meetings_swap_once_a"
            ),
            models.UniqueConstraint(
                fields=["committee", "month_b"], name="meetings_swap_once_b"
            ),
        ]

    def __str__(self):
        return "%s ⇄ %s" % (self.month_a, self.month_b)


class AttendeeKind(models.TextChoices):
    MEMBER = "member", _("委员")
    RESIDENT = "resident", _("居民代表")
    GUEST = "guest", _("列席嘉宾")


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("出席")
    ABSENT = "absent", _("缺席")
    EXCUSED = "excused", _("请假")


class Attendance(TimeStamped):
    """Who came: seated members by seat; resident representatives and guests by name."""

    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        related_name="attendance",
        verbose_name=_("会议"),
    )
    kind = models.CharField(
        _("身份"),
        max_length=16,
        choices=AttendeeKind.choices,
        default=AttendeeKind.MEMBER,
    )
    seat = models.ForeignKey(
        "orgs.Seat",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attendance",
        verbose_name=_("席位"),
    )
    name = models.CharField(_("姓名"), max_length=100)
    status = models.CharField(
        _("出席情况"),
        max_length=16,
        choices=AttendanceStatus.choices,
        default=AttendanceStatus.PRESENT,
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
    #: The unit the member represents, for attendance per unit (evaluations).
    unit = models.ForeignKey(
        "orgs.OrgNode",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("单位"),
    )

    class Meta:
        verbose_name = _("出席记录")
        verbose_name_plural = _("出席记录")
        ordering = ["meeting_id", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "seat"],
                condition=models.Q(seat__isnull=False),
                name="meetings_attendance_one_per_seat",
            )
        ]
        indexes = [models.Index(fields=["unit", "status"])]

    def __str__(self):
        return "%s · %s" % (self.name, self.get_status_display())


class AttachmentKind(models.TextChoices):
    IMAGE = "image", _("图片")
    PDF = "pdf", _("PDF 文档")
    OFFICE = "office", _("Office 文档")


def attachment_path(instance, filename):
    # The stored name is chosen by the service (a random name); keep it.
    return filename


class Attachment(models.Model):
    """A photo or document of a meeting's minutes or of an action item's evidence.

    Stored under a server-generated name outside any public URL and served only
    by a view that checks the user's scope.
    """

    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("会议"),
    )
    action_item = models.ForeignKey(
        "meetings.ActionItem",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("举措"),
    )
    kind = models.CharField(_("类型"), max_length=16, choices=AttachmentKind.choices)
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("内容类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("上传人"),
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["meeting_id", "id"]

    def __str__(self):
        return self.original_name


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


# -- committee channel (S13) ------------------------------------------------------


class ChannelPost(TimeStamped):
    """A post or a reply on a committee's notice board (plain text)."""

    committee = models.ForeignKey(
        "orgs.Committee",
        on_delete=models.PROTECT,
        related_name="channel_posts",
        verbose_name=_("委员会"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("回复的帖子"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发帖人"),
    )
    title = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("内容"))
    mirrored = models.BooleanField(_("同步到群"), default=False)
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

    class Meta:
        verbose_name = _("委员会交流帖")
        verbose_name_plural = _("委员会交流帖")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["committee", "parent", "created_at"])]

    def __str__(self):
        return self.title or self.body[:30]
