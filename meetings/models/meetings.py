"""The monthly meeting of a committee, its minutes' revisions, and the
swaps of its rotating chair (``meetings.rotation``)."""

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
