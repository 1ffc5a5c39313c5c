"""The three-level grid, its people, visits and cases.

Tree writes go through ``grids.services`` only (they take the writer lock);
nothing else calls django-mptt's write methods. Fact rows (cases, visits,
assignments) carry plain ``street``/``community`` keys so counting is a
GROUP BY, never a walk of the tree.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from mptt.models import MPTTModel, TreeForeignKey


class CellLevel(models.IntegerChoices):
    COMMUNITY = 1, _("一级网格（社区）")
    AREA = 2, _("二级网格（片区）")
    UNIT = 3, _("三级网格（单位）")
    SUB = 4, _("四级网格（楼栋/分区）")
    ENTRANCE = 5, _("单元")
    HOUSEHOLD = 6, _("户")


#: Levels of the three-level grid proper: each needs a qualified leader (S5).
LED_LEVELS = (CellLevel.COMMUNITY, CellLevel.AREA, CellLevel.UNIT)


class Cell(MPTTModel):
    """A grid cell. Each level-1 cell is the root of its own tree.

    ``level`` is the grid level (1…6) of the practice; django-mptt keeps its own
    depth in ``mptt_level`` (it would otherwise overwrite ``level`` with a
    0-based depth). ``community`` is a plain foreign key kept by the services.
    """

    level = models.PositiveSmallIntegerField(_("层级"), choices=CellLevel.choices)
    code = models.CharField(_("网格编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    parent = TreeForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级网格"),
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
        related_name="grid_cells",
        verbose_name=_("社区"),
    )
    leader = models.ForeignKey(
        "orgs.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_cells",
        verbose_name=_("网格长"),
    )
    units = models.ManyToManyField(
        "orgs.OrgNode", blank=True, related_name="cells", verbose_name=_("覆盖单位")
    )
    compound = models.ForeignKey(
        "orgs.ResidentialCompound",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cells",
        verbose_name=_("居民小区"),
    )
    boundary = models.JSONField(_("边界（GeoJSON）"), null=True, blank=True)
    centre = models.JSONField(_("中心点"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class MPTTMeta:
        order_insertion_by = ["code"]
        level_attr = "mptt_level"

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["tree_id", "lft"]
        indexes = [
            models.Index(fields=["community", "level"]),
            models.Index(fields=["street", "level"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=6),
                name="grids_cell_level_1_to_6",
            ),
            models.UniqueConstraint(
                fields=["community"],
                condition=models.Q(level=1),
                name="grids_cell_one_level_1_per_community",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        super().clean()
        parent = self.parent
        if parent is None:
            if self.level != CellLevel.COMMUNITY:
                raise ValidationError({"parent": _("只有一级网格可以没有上级网格。")})
            return
        if self.level != parent.level + 1:
            raise ValidationError({"level": _("网格层级必须比上级网格低一级。")})
        if self.pk and (
            parent.pk == self.pk
            or (
                parent.tree_id == self.tree_id
                and self.lft is not None
                and self.lft <= parent.lft <= self.rght
            )
        ):
            raise ValidationError({"parent": _("不能把网格放到它自己的下级之下。")})

    @property
    def is_led_level(self):
        return self.level in LED_LEVELS


class AssignmentRole(models.TextChoices):
    GRID_WORKER = "grid_worker", _("网格员")
    COMMUNITY_WORKER = "community_worker", _("社区工作者")
    CADRE = "cadre", _("包网格干部")


class CellAssignment(models.Model):
    """A person assigned to a cell: routine visits (workers) or 包网格 (cadres).

    Ending an assignment keeps the row (``ended_on``) so the history stays.
    """

    cell = models.ForeignKey(
        Cell,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("网格"),
    )
    person = models.ForeignKey(
        "orgs.Person",
        on_delete=models.PROTECT,
        related_name="cell_assignments",
        verbose_name=_("人员"),
    )
    role = models.CharField(_("职责"), max_length=20, choices=AssignmentRole.choices)
    started_on = models.DateField(_("开始日期"), default=timezone.localdate)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
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
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("分配人"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("网格分工")
        verbose_name_plural = _("网格分工")
        ordering = ["cell_id", "role", "started_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cell", "person", "role"],
                condition=models.Q(ended_on__isnull=True),
                name="grids_assignment_one_current",
            )
        ]
        indexes = [
            models.Index(fields=["person", "ended_on"]),
            models.Index(fields=["cell", "ended_on"]),
        ]

    def __str__(self):
        return f"{self.cell} · {self.person} · {self.get_role_display()}"


class CaseLevel(models.TextChoices):
    """Where a case is handled: its cell, the community, the street."""

    CELL = "cell", _("网格")
    COMMUNITY = "community", _("社区")
    STREET = "street", _("街道")


#: Each level's next level up (escalation is one step at a time).
NEXT_LEVEL: dict[str, str] = {
    CaseLevel.CELL: CaseLevel.COMMUNITY,
    CaseLevel.COMMUNITY: CaseLevel.STREET,
}


class CaseStatus(models.TextChoices):
    OPEN = "open", _("处理中")
    CLOSED = "closed", _("已办结待确认")
    CONFIRMED = "confirmed", _("已确认解决")


class CaseCategory(models.TextChoices):
    ENVIRONMENT = "environment", _("环境卫生")
    FACILITIES = "facilities", _("市政设施")
    SAFETY = "safety", _("安全隐患")
    DISPUTE = "dispute", _("矛盾纠纷")
    LIVELIHOOD = "livelihood", _("民生服务")
    BUILDING = "building", _("违章搭建")
    TRAFFIC = "traffic", _("交通秩序")
    OTHER = "other", _("其他")


class ReporterKind(models.TextChoices):
    WORKER = "worker", _("网格员/社区工作者")
    CADRE = "cadre", _("街道干部")
    UNIT = "unit", _("驻街单位")
    RESIDENT = "resident", _("居民")


class Case(models.Model):
    """A problem reported in a cell (事件), handled there or escalated up."""

    cell = models.ForeignKey(
        Cell, on_delete=models.PROTECT, related_name="cases", verbose_name=_("网格")
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
        related_name="grid_cases",
        verbose_name=_("社区"),
    )
    unit = models.ForeignKey(
        "orgs.OrgNode",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grid_cases_of_unit",
        verbose_name=_("相关单位"),
    )
    category = models.CharField(_("类别"), max_length=20, choices=CaseCategory.choices)
    title = models.CharField(_("标题"), max_length=120)
    description = models.TextField(_("问题描述"))
    location = models.CharField(_("位置"), max_length=200, blank=True)
    level = models.CharField(
        _("办理层级"), max_length=16, choices=CaseLevel.choices, default=CaseLevel.CELL
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    deadline = models.DateField(_("办理期限"))
    reporter_kind = models.CharField(
        _("上报人类型"), max_length=16, choices=ReporterKind.choices
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_grid_cases",
        verbose_name=_("上报账号"),
        help_text=_("办结后结果反馈到此账号的站内消息；电话或当面反映的可为空"),
    )
    reporter_name = models.CharField(_("反映人"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("反映人电话"), max_length=20, blank=True)
    source_visit = models.ForeignKey(
        "grids.Visit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("来源巡访"),
    )
    escalated_at = models.DateTimeField(_("最近上报时间"), null=True, blank=True)
    result = models.TextField(_("办理结果"), blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("办结人"),
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重新打开次数"), default=0)
    created_at = models.DateTimeField(_("上报时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("网格事件")
        verbose_name_plural = _("网格事件")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status", "level"]),
            models.Index(fields=["street", "status", "level"]),
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["cell", "status"]),
        ]

    def __str__(self):
        return f"#{self.pk} {self.title}"

    @property
    def is_overdue(self):
        return self.status == CaseStatus.OPEN and self.deadline < timezone.localdate()


class CaseEventKind(models.TextChoices):
    REPORTED = "reported", _("上报")
    NOTE = "note", _("处理进展")
    ESCALATED = "escalated", _("提级上报")
    CLOSED = "closed", _("办结")
    CONFIRMED = "confirmed", _("确认解决")
    REOPENED = "reopened", _("重新打开")


class CaseEvent(models.Model):
    """One step of a case's history: who did what, when and why. Append-only."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("事件")
    )
    kind = models.CharField(_("动作"), max_length=16, choices=CaseEventKind.choices)
    from_level = models.CharField(
        _("原层级"), max_length=16, choices=CaseLevel.choices, blank=True
    )
    to_level = models.CharField(
        _("新层级"), max_length=16, choices=CaseLevel.choices, blank=True
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
        help_text=_("为空表示系统自动操作或导入的记录"),
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=100, blank=True)
    text = models.TextField(_("说明"), blank=True)
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
    at = models.DateTimeField(_("时间"), default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("事件记录")
        verbose_name_plural = _("事件记录")
        ordering = ["case_id", "at", "id"]
        indexes = [models.Index(fields=["kind", "to_level", "at"])]

    def __str__(self):
        return f"{self.case_id} · {self.get_kind_display()}"


class Visit(models.Model):
    """A routine visit (巡访) to a cell or a household by a grid worker."""

    cell = models.ForeignKey(
        Cell, on_delete=models.PROTECT, related_name="visits", verbose_name=_("网格")
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
        related_name="grid_visits",
        verbose_name=_("社区"),
    )
    visitor = models.ForeignKey(
        "orgs.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grid_visits",
        verbose_name=_("巡访人"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grid_visits",
        verbose_name=_("录入账号"),
    )
    visited_on = models.DateField(_("巡访日期"))
    findings = models.TextField(_("发现情况"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("巡访")
        verbose_name_plural = _("巡访")
        ordering = ["-visited_on", "-id"]
        indexes = [
            models.Index(fields=["community", "visited_on"]),
            models.Index(fields=["cell", "visited_on"]),
        ]

    def __str__(self):
        return f"{self.cell} · {self.visited_on}"


def photo_path(instance, filename):
    """Return the storage path; the name is the server's, never the client's."""
    return f"grids/{timezone.localdate():%Y/%m}/{filename}"


class Photo(models.Model):
    """A photo of a case or a visit. Re-encoded on upload; served by scope."""

    case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="photos",
        verbose_name=_("事件"),
    )
    visit = models.ForeignKey(
        Visit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="photos",
        verbose_name=_("巡访"),
    )
    image = models.ImageField(
        _("图片"), upload_to=photo_path, width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(_("宽"), default=0)
    height = models.PositiveIntegerField(_("高"), default=0)
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
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("上传人"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("照片")
        verbose_name_plural = _("照片")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(case__isnull=False, visit__isnull=True)
                    | models.Q(case__isnull=True, visit__isnull=False)
                ),
                name="grids_photo_of_case_or_visit",
            )
        ]

    def __str__(self):
        return self.image.name
