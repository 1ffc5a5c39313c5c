"""The three-level grid. Tree writes go through ``grids.services`` only."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from mptt.models import MPTTModel, TreeForeignKey


class CellLevel(models.IntegerChoices):
    COMMUNITY = 1, _("一级网格（社区）")
    AREA = 2, _("二级网格（片区）")
    UNIT = 3, _("三级网格（单位）")
    SUB = 4, _("四级网格（楼栋/分区）")
    ENTRANCE = 5, _("单元")
    HOUSEHOLD = 6, _("户")


class Cell(MPTTModel):
    """A grid cell. One tree per street; ``community`` is a plain foreign key."""

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

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["tree_id", "lft"]
        indexes = [
            models.Index(fields=["community", "level"]),
            models.Index(fields=["street", "level"]),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"
