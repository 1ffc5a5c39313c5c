"""Who came to a meeting, and the files of its minutes and action items."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from meetings.models.meetings import Meeting
from portal.models import TimeStamped


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
