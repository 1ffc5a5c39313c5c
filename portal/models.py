"""Users and their role assignments: the portal's permission core; and the
model pieces every app shares (``TimeStamped``, ``org_fk``)."""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

#: The org tree's nodes (street, community, unit, party organisation).
ORG = "orgs.OrgNode"


class TimeStamped(models.Model):
    """When a row was created and last changed (``updated_at`` follows every
    ``save()``; list it in ``update_fields``)."""

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


def org_fk(
    verbose_name: str | Promise,
    *,
    null: bool = False,
    related_name: str = "+",
    db_index: bool = True,
) -> "models.ForeignKey[Any, Any]":
    """Return a foreign key to an org node that keeps the node (``PROTECT``);
    blank exactly when ``null``. Big fact tables pass ``db_index=False`` when a
    composite index leads with the key."""
    return models.ForeignKey(
        ORG,
        on_delete=models.PROTECT,
        null=null,
        blank=null,
        related_name=related_name,
        verbose_name=verbose_name,
        db_index=db_index,
    )


class User(AbstractUser):
    """A person who signs in. Roles come from ``RoleAssignment`` rows."""

    display_name = models.CharField(_("显示名称"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]

    def __str__(self):
        return self.display_name or self.username


class Role(models.TextChoices):
    STREET_ADMIN = "street_admin", _("街道管理员")
    STREET_STAFF = "street_staff", _("街道工作人员")
    COMMUNITY_SECRETARY = "community_secretary", _("社区书记")
    UNIT_HEAD = "unit_head", _("单位党组织负责人")
    GRID_WORKER = "grid_worker", _("网格员")
    VOLUNTEER = "volunteer", _("志愿者")


class RoleAssignment(models.Model):
    """A role held by a user over a scope: an org node, and for grid workers a cell.

    Street roles are scoped to a street node, a secretary to a community, a unit
    head to a unit, a grid worker to a grid cell (and its community), a
    volunteer to the community where they are registered.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        verbose_name=_("用户"),
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    org_node = models.ForeignKey(
        "orgs.OrgNode",
        on_delete=models.PROTECT,
        related_name="role_assignments",
        verbose_name=_("范围（组织）"),
    )
    cell = models.ForeignKey(
        "grids.Cell",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("范围（网格）"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        ordering = ["user_id", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "org_node"],
                condition=models.Q(cell__isnull=True),
                name="portal_roleassignment_unique_node",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "cell"],
                condition=models.Q(cell__isnull=False),
                name="portal_roleassignment_unique_cell",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="grid_worker") | models.Q(cell__isnull=False),
                name="portal_roleassignment_grid_worker_has_cell",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.org_node}"


class Notification(models.Model):
    """An in-app inbox message. Every notice lands here, whatever else is sent."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("收件人"),
    )
    kind = models.CharField(_("类别"), max_length=50, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return self.title


class Channel(models.TextChoices):
    INBOX = "inbox", _("站内消息")
    EMAIL = "email", _("电子邮件")
    SMS = "sms", _("短信")
    WEBHOOK = "webhook", _("群机器人")


class Reminder(models.Model):
    """A message due at a time on one channel. Rows, not broker messages.

    A periodic task sends the due ones, so a broker outage only delays them;
    ``key`` is unique, so scheduling the same reminder twice is a no-op, and
    ``sent_at`` is set in the same transaction as the inbox write.
    """

    key = models.CharField(_("唯一键"), max_length=200, unique=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("收件人"),
    )
    channel = models.CharField(
        _("渠道"), max_length=16, choices=Channel.choices, default=Channel.INBOX
    )
    target = models.CharField(
        _("目标地址"), max_length=300, blank=True, help_text=_("群机器人地址或手机号")
    )
    kind = models.CharField(_("类别"), max_length=50, blank=True)
    due_at = models.DateTimeField(_("发送时间"))
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("已发送时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("已取消时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(sent_at__isnull=True, cancelled_at__isnull=True),
                name="portal_reminder_pending_idx",
            )
        ]

    def __str__(self):
        return self.key


class AccessLog(models.Model):
    """Who viewed or exported a list of personal data, when, and how many rows.

    Written by ``portal.audit.log_access``; append-only (no change or delete
    in the admin). ``username`` is copied so the row survives the account.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("查看")
        EXPORT = "export", _("导出")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("用户"),
    )
    username = models.CharField(_("用户名"), max_length=150)
    what = models.CharField(_("数据"), max_length=100)
    action = models.CharField(
        _("操作"), max_length=16, choices=Action.choices, default=Action.VIEW
    )
    count = models.PositiveIntegerField(_("条数"), default=0)
    path = models.CharField(_("地址"), max_length=300, blank=True)
    query = models.CharField(_("筛选条件"), max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("个人信息访问记录")
        verbose_name_plural = _("个人信息访问记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self):
        return f"{self.username} · {self.get_action_display()} · {self.what}"
