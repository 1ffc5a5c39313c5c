"""Guarantee integration (保障融合): workforce and rotation training, social
organisations incubated by the street, community funds and the special fund.

Every fact row carries plain ``street`` and ``community`` keys, so counts are
GROUP BYs and scoping is one ``scope.q(...)``. Rules live in ``support.services``;
the constants below are the rules' numbers, named once.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

#: Rotation training (轮训): each active worker attends at least this many
#: sessions per calendar year (S18 "at least twice a year").
REQUIRED_TRAININGS_PER_YEAR = 2

#: S19: a community's three budget lines together reach at least this much per
#: year (yuan). A community below it (no budget recorded counts as 0) is flagged.
MIN_COMMUNITY_FUNDS_YUAN = Decimal("300000")

AMOUNT = {"max_digits": 14, "decimal_places": 2}


class WorkerType(models.TextChoices):
    SOCIAL_WORKER = "social_worker", _("社工")
    GRID_WORKER = "grid_worker", _("网格员")


class Worker(models.Model):
    """A social worker or grid worker serving a community (S18).

    Leaving sets ``left_on``; the row stays so training history is kept.
    """

    person = models.ForeignKey(
        "orgs.Person",
        on_delete=models.PROTECT,
        related_name="support_workers",
        verbose_name=_("人员"),
    )
    worker_type = models.CharField(
        _("人员类别"), max_length=16, choices=WorkerType.choices
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
        related_name="support_workers",
        verbose_name=_("所在社区"),
    )
    employer = models.CharField(_("用人单位"), max_length=200)
    hired_on = models.DateField(_("入职日期"))
    left_on = models.DateField(_("离岗日期"), null=True, blank=True)
    cells = models.ManyToManyField(
        "grids.Cell",
        blank=True,
        related_name="support_workers",
        verbose_name=_("负责网格"),
    )
    note = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("社工/网格员")
        verbose_name_plural = _("社工/网格员")
        ordering = ["community_id", "worker_type", "id"]
        indexes = [
            models.Index(fields=["street", "worker_type"]),
            models.Index(fields=["community", "worker_type"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "worker_type"],
                condition=models.Q(left_on__isnull=True),
                name="support_worker_one_active_post_per_type",
            ),
        ]

    def __str__(self):
        return f"{self.person} · {self.get_worker_type_display()}"

    @property
    def is_active(self):
        return self.left_on is None


class Training(models.Model):
    """A rotation training session (轮训) held for a community or the whole street."""

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
        help_text=_("留空表示全街道轮训。"),
    )
    topic = models.CharField(_("主题"), max_length=200)
    held_on = models.DateField(_("培训日期"))
    trainer = models.CharField(_("授课人"), max_length=100)
    location = models.CharField(_("地点"), max_length=200, blank=True)
    audience = models.CharField(
        _("培训对象"),
        max_length=16,
        choices=WorkerType.choices,
        blank=True,
        help_text=_("留空表示社工和网格员都参加。"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("轮训")
        verbose_name_plural = _("轮训")
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["street", "held_on"]),
            models.Index(fields=["community", "held_on"]),
        ]

    def __str__(self):
        return f"{self.held_on} {self.topic}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("出席")
    EXCUSED = "excused", _("请假")
    ABSENT = "absent", _("缺席")


class TrainingAttendance(models.Model):
    """One worker's attendance at one training; only ``present`` counts."""

    training = models.ForeignKey(
        Training,
        on_delete=models.PROTECT,
        related_name="attendances",
        verbose_name=_("轮训"),
    )
    worker = models.ForeignKey(
        Worker,
        on_delete=models.PROTECT,
        related_name="attendances",
        verbose_name=_("人员"),
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
    status = models.CharField(
        _("出勤"),
        max_length=16,
        choices=AttendanceStatus.choices,
        default=AttendanceStatus.PRESENT,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("记录人"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("轮训出勤")
        verbose_name_plural = _("轮训出勤")
        ordering = ["training_id", "worker_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["training", "worker"], name="support_attendance_once"
            )
        ]
        indexes = [
            models.Index(fields=["worker", "status"]),
            models.Index(fields=["community", "status"]),
        ]

    def __str__(self):
        return f"{self.training} · {self.worker}"


class SocialOrgKind(models.TextChoices):
    SOCIAL_WORK = "social_work", _("社工服务队伍")
    VOLUNTEER_ASSOCIATION = "volunteer_association", _("志愿者协会")
    SERVICE_GROUP = "service_group", _("服务团队")
    INTEREST_GROUP = "interest_group", _("兴趣团体")


class SocialOrgStatus(models.TextChoices):
    INCUBATING = "incubating", _("孵化中")
    OPERATING = "operating", _("独立运营")
    SUSPENDED = "suspended", _("暂停活动")
    DISSOLVED = "dissolved", _("已注销")


class SocialOrg(models.Model):
    """A social organisation incubated by the street (S17, S18).

    Every row was incubated by the street, so the incubated figure counts all
    rows whatever their status; a status change keeps a history row.
    """

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
        verbose_name=_("所在社区"),
        help_text=_("留空表示街道层面的组织。"),
    )
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=24, choices=SocialOrgKind.choices)
    activity = models.CharField(
        _("活动项目"), max_length=50, blank=True, help_text=_("如广场舞、腰鼓、太极。")
    )
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=SocialOrgStatus.choices,
        default=SocialOrgStatus.INCUBATING,
    )
    incubated_on = models.DateField(_("入孵日期"))
    leader_name = models.CharField(_("负责人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    members = models.PositiveIntegerField(_("成员人数"), default=0)
    registered = models.BooleanField(_("已登记/备案"), default=False)
    venue = models.CharField(_("活动场地"), max_length=200, blank=True)
    note = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("社会组织")
        verbose_name_plural = _("社会组织")
        ordering = ["community_id", "name", "id"]
        indexes = [
            models.Index(fields=["street", "kind"]),
            models.Index(fields=["community", "status"]),
        ]

    def __str__(self):
        return self.name


class SocialOrgStatusChange(models.Model):
    """Who changed a social organisation's status, when and why."""

    org = models.ForeignKey(
        SocialOrg,
        on_delete=models.CASCADE,
        related_name="status_changes",
        verbose_name=_("社会组织"),
    )
    from_status = models.CharField(
        _("原状态"), max_length=16, choices=SocialOrgStatus.choices, blank=True
    )
    to_status = models.CharField(
        _("新状态"), max_length=16, choices=SocialOrgStatus.choices
    )
    reason = models.CharField(_("原因"), max_length=255, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("社会组织状态变更")
        verbose_name_plural = _("社会组织状态变更")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.org} {self.from_status}→{self.to_status}"


class BudgetLine(models.TextChoices):
    OPERATING = "operating", _("运转经费")
    PARTY_BUILDING = "party_building", _("党建经费")
    SERVICE = "service", _("服务群众专项经费")


class Budget(models.Model):
    """One budget line of one community for one year (S19), in yuan."""

    street = models.ForeignKey(
        "orgs.OrgNode",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("街道"),
    )
    community = models.ForeignKey(
        "orgs.OrgNode",
        on_delete=models.PROTECT,
        related_name="support_budgets",
        verbose_name=_("社区"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    line = models.CharField(_("经费科目"), max_length=16, choices=BudgetLine.choices)
    amount = models.DecimalField(_("预算金额（元）"), **AMOUNT)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("社区经费预算")
        verbose_name_plural = _("社区经费预算")
        ordering = ["-year", "community_id", "line"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "year", "line"], name="support_budget_one_per_line"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="support_budget_amount_gte_0"
            ),
        ]
        indexes = [models.Index(fields=["street", "year"])]

    def __str__(self):
        return f"{self.community} {self.year} {self.get_line_display()}"


class BudgetRevision(models.Model):
    """A change of a budget line's amount: before, after, who and why."""

    budget = models.ForeignKey(
        Budget,
        on_delete=models.CASCADE,
        related_name="revisions",
        verbose_name=_("预算"),
    )
    amount_before = models.DecimalField(
        _("调整前（元）"), null=True, blank=True, **AMOUNT
    )
    amount_after = models.DecimalField(_("调整后（元）"), **AMOUNT)
    reason = models.CharField(_("原因"), max_length=255, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("预算调整记录")
        verbose_name_plural = _("预算调整记录")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.budget}: {self.amount_before} → {self.amount_after}"


def _spending_upload_to(instance, filename):
    """Return a server-generated path; the client's file name is never used."""
    extension = ATTACHMENT_EXTENSIONS.get(instance.attachment_type, ".bin")
    return f"support/spending/{instance.spent_on:%Y}/{uuid.uuid4().hex}{extension}"


#: detected content type → the extension given to the stored file.
ATTACHMENT_EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}


class Spending(models.Model):
    """A spending record against a community's budget line, with its voucher.

    A wrong record is voided (who, when, why), never deleted.
    """

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
    budget = models.ForeignKey(
        Budget,
        on_delete=models.PROTECT,
        related_name="spendings",
        verbose_name=_("经费科目"),
    )
    amount = models.DecimalField(_("金额（元）"), **AMOUNT)
    spent_on = models.DateField(_("支出日期"))
    purpose = models.CharField(_("用途"), max_length=255)
    payee = models.CharField(_("收款方"), max_length=200, blank=True)
    attachment = models.FileField(
        _("附件"), upload_to=_spending_upload_to, max_length=200, blank=True
    )
    attachment_name = models.CharField(_("附件原名"), max_length=200, blank=True)
    attachment_type = models.CharField(_("附件类型"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("作废人"),
    )
    void_reason = models.CharField(_("作废原因"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("经费支出")
        verbose_name_plural = _("经费支出")
        ordering = ["-spent_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="support_spending_amount_gt_0"
            ),
        ]
        indexes = [
            models.Index(fields=["community", "spent_on"]),
            models.Index(fields=["street", "spent_on"]),
        ]

    def __str__(self):
        return f"{self.spent_on} {self.purpose}"

    @property
    def is_void(self):
        return self.voided_at is not None


class SpecialFund(models.Model):
    """The street's special fund / resource pool, managed by a third party (S19)."""

    street = models.ForeignKey(
        "orgs.OrgNode",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("街道"),
    )
    name = models.CharField(_("名称"), max_length=200)
    manager = models.CharField(_("托管机构（第三方）"), max_length=200)
    manager_contact = models.CharField(_("托管方联系人"), max_length=100, blank=True)
    established_on = models.DateField(_("设立日期"))
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("专项基金")
        verbose_name_plural = _("专项基金")
        ordering = ["street_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "name"], name="support_special_fund_unique_name"
            )
        ]

    def __str__(self):
        return self.name


class FundEntryKind(models.TextChoices):
    CONTRIBUTION = "contribution", _("注入")
    GRANT = "grant", _("拨付")
    REVERSAL = "reversal", _("冲正")


#: What a user may record directly; a reversal has its own action.
FUND_MOVEMENT_CHOICES = [
    (FundEntryKind.CONTRIBUTION.value, FundEntryKind.CONTRIBUTION.label),
    (FundEntryKind.GRANT.value, FundEntryKind.GRANT.label),
]


class SpecialFundEntry(models.Model):
    """A movement of the special fund: an append-only ledger row.

    ``amount`` is signed (a contribution adds, a grant subtracts), so the
    balance is a SUM. A mistake is corrected by a reversal entry; on
    PostgreSQL a trigger refuses UPDATE and DELETE (migration 0002). Rows are
    never updated, hence no ``updated_at``.
    """

    fund = models.ForeignKey(
        SpecialFund,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("专项基金"),
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
        verbose_name=_("受助社区"),
    )
    unit = models.ForeignKey(
        "orgs.OrgNode",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("出资单位"),
    )
    kind = models.CharField(_("类别"), max_length=16, choices=FundEntryKind.choices)
    amount = models.DecimalField(_("金额（元）"), **AMOUNT)
    occurred_on = models.DateField(_("发生日期"))
    counterparty = models.CharField(_("出资方/受助方"), max_length=200)
    purpose = models.CharField(_("用途/说明"), max_length=255)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("冲正的记录"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("专项基金收支")
        verbose_name_plural = _("专项基金收支")
        ordering = ["fund_id", "occurred_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="contribution") | models.Q(amount__gt=0),
                name="support_fund_contribution_positive",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="grant") | models.Q(amount__lt=0),
                name="support_fund_grant_negative",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="reversal") | models.Q(reverses__isnull=False),
                name="support_fund_reversal_names_entry",
            ),
        ]
        indexes = [models.Index(fields=["street", "occurred_on"])]

    def __str__(self):
        return f"{self.occurred_on} {self.get_kind_display()} {self.amount}"
