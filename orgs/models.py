"""The organisation tree, residential compounds, people, committees and seats.

Tree writes go through ``orgs.services`` only (they take the writer lock);
nothing else calls django-mptt's write methods.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from mptt.models import MPTTModel, TreeForeignKey


def mask_phone(value):
    """Return ``value`` with its middle digits hidden: 138****5678."""
    if not value:
        return ""
    if len(value) >= 8:
        return value[:3] + "****" + value[-4:]
    return "*" * len(value)


class OrgKind(models.TextChoices):
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")
    UNIT = "unit", _("驻街单位")
    PARTY_ORG = "party_org", _("党组织")


class UnitKind(models.TextChoices):
    AGENCY = "agency", _("机关")
    INSTITUTION = "institution", _("事业单位")
    SOE = "soe", _("国有企业")
    PRIVATE = "private", _("非公企业")
    SOCIAL_ORG = "social_org", _("社会组织")
    SOCIAL_GROUP = "social_group", _("社会团体")
    MERCHANT = "merchant", _("商户")


#: Unit kinds inside the state system (体制内); the rest are out of it (体制外).
IN_SYSTEM_KINDS = frozenset({UnitKind.AGENCY, UnitKind.INSTITUTION, UnitKind.SOE})
OUT_OF_SYSTEM_KINDS = frozenset(set(UnitKind) - IN_SYSTEM_KINDS)

#: Headcount from which a unit counts as large (大工委 seats, finer grid cells).
LARGE_UNIT_HEADCOUNT = 100


class PartyOrgType(models.TextChoices):
    COMMITTEE = "committee", _("党委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")


class OrgNode(MPTTModel):
    """A node of a street's organisation tree: street, community, unit, party org.

    One tree (``tree_id``) per street. ``street`` and ``community`` are plain
    foreign keys kept by the services, so scoping and counting never walk the tree.
    """

    kind = models.CharField(_("类型"), max_length=16, choices=OrgKind.choices)
    name = models.CharField(_("名称"), max_length=200)
    code = models.CharField(_("编码"), max_length=40, unique=True)
    parent = TreeForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级"),
    )
    street = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("街道"),
    )
    community = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("社区"),
    )
    # Units.
    unit_kind = models.CharField(
        _("单位性质"), max_length=16, choices=UnitKind.choices, blank=True
    )
    headcount = models.PositiveIntegerField(_("职工人数"), null=True, blank=True)
    address = models.CharField(_("地址"), max_length=255, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    head = models.ForeignKey(
        "orgs.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="headed_units",
        verbose_name=_("负责人"),
    )
    has_party_org = models.BooleanField(_("建有党组织"), default=False)
    # Party organisations.
    party_org_type = models.CharField(
        _("党组织类型"), max_length=16, choices=PartyOrgType.choices, blank=True
    )
    secretary = models.ForeignKey(
        "orgs.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="party_orgs_led",
        verbose_name=_("书记"),
    )
    directly_managed = models.BooleanField(_("街道党工委直管"), default=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class MPTTMeta:
        order_insertion_by = ["code"]

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["tree_id", "lft"]
        indexes = [
            models.Index(fields=["community", "kind"]),
            models.Index(fields=["street", "kind"]),
            models.Index(fields=["kind", "unit_kind"]),
        ]

    def __str__(self):
        return self.name

    @property
    def in_system(self):
        """Return whether a unit is inside the state system (体制内)."""
        return self.unit_kind in IN_SYSTEM_KINDS

    @property
    def is_large(self):
        return (self.headcount or 0) >= LARGE_UNIT_HEADCOUNT


class ResidentialCompound(models.Model):
    """A residential compound (居民小区) in a community."""

    name = models.CharField(_("名称"), max_length=200)
    community = models.ForeignKey(
        OrgNode,
        on_delete=models.PROTECT,
        related_name="compounds",
        verbose_name=_("社区"),
    )
    address = models.CharField(_("地址"), max_length=255, blank=True)
    households = models.PositiveIntegerField(_("户数"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("居民小区")
        verbose_name_plural = _("居民小区")
        ordering = ["community_id", "name"]

    def __str__(self):
        return self.name


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Person(models.Model):
    """A person known to the portal. No ID-card number is ever stored."""

    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    gender = models.CharField(
        _("性别"), max_length=1, choices=Gender.choices, blank=True
    )
    birth_year = models.PositiveSmallIntegerField(_("出生年份"), null=True, blank=True)
    street = models.ForeignKey(
        OrgNode,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("街道"),
    )
    community = models.ForeignKey(
        OrgNode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("所属社区"),
    )
    unit = models.ForeignKey(
        OrgNode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("所在单位"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("登录账号"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["community", "name"])]

    def __str__(self):
        return self.name


class MemberStatus(models.TextChoices):
    REGULAR = "regular", _("直管党员")
    IN_SERVICE = "in_service", _("在职党员")
    FLOATING = "floating", _("流动党员")


class PartyMember(models.Model):
    """Party membership of a person."""

    person = models.OneToOneField(
        Person,
        on_delete=models.PROTECT,
        related_name="party_membership",
        verbose_name=_("人员"),
    )
    party_org = models.ForeignKey(
        OrgNode,
        on_delete=models.PROTECT,
        related_name="party_members",
        verbose_name=_("所在党组织"),
    )
    status = models.CharField(
        _("党员类别"),
        max_length=16,
        choices=MemberStatus.choices,
        default=MemberStatus.REGULAR,
    )
    directly_managed = models.BooleanField(_("街道直管"), default=False)
    employer_unit = models.ForeignKey(
        OrgNode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="employed_party_members",
        verbose_name=_("工作单位"),
    )
    residence_community = models.ForeignKey(
        OrgNode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resident_party_members",
        verbose_name=_("居住社区"),
    )
    street = models.ForeignKey(
        OrgNode, on_delete=models.PROTECT, related_name="+", verbose_name=_("街道")
    )
    community = models.ForeignKey(
        OrgNode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("社区"),
    )
    joined_on = models.DateField(_("入党日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        ordering = ["party_org_id", "id"]
        indexes = [
            models.Index(fields=["street", "directly_managed"]),
            # The monthly evaluation: one street's in-service members per unit,
            # from the index alone (index-only scan).
            models.Index(
                fields=["street", "status"],
                include=["employer_unit"],
                name="orgs_member_street_status",
            ),
            models.Index(fields=["community", "status"]),
            models.Index(fields=["employer_unit", "status"]),
        ]

    def __str__(self):
        return str(self.person)


class CommitteeKind(models.TextChoices):
    LEADERSHIP = "leadership", _("街道党工委班子")
    BIG_WORKING = "big_working", _("大工委")
    BIG_PARTY = "big_party", _("大党委")
    TWO_COMMITTEES = "two_committees", _("社区两委")


class Committee(models.Model):
    """A committee of a street (班子, 大工委) or of a community (大党委, 两委)."""

    kind = models.CharField(_("类型"), max_length=16, choices=CommitteeKind.choices)
    org = models.ForeignKey(
        OrgNode,
        on_delete=models.PROTECT,
        related_name="committees",
        verbose_name=_("所属组织"),
    )
    street = models.ForeignKey(
        OrgNode, on_delete=models.PROTECT, related_name="+", verbose_name=_("街道")
    )
    community = models.ForeignKey(
        OrgNode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("社区"),
    )
    name = models.CharField(_("名称"), max_length=200)
    webhook_url = models.URLField(_("群机器人地址"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("委员会")
        verbose_name_plural = _("委员会")
        ordering = ["street_id", "community_id", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "org"], name="orgs_committee_one_per_org"
            )
        ]

    def __str__(self):
        return self.name


class SeatPosition(models.TextChoices):
    SECRETARY = "secretary", _("书记")
    DEPUTY = "deputy", _("副书记")
    MEMBER = "member", _("委员")


class SeatOrigin(models.TextChoices):
    RECOMMENDED = "recommended", _("社区推荐")
    NOMINATED = "nominated", _("街道提名")
    ELECTED = "elected", _("推选")
    APPOINTED = "appointed", _("任命")


class Seat(models.Model):
    """A seat on a committee. Vacating keeps the row: the history stays."""

    committee = models.ForeignKey(
        Committee,
        on_delete=models.PROTECT,
        related_name="seats",
        verbose_name=_("委员会"),
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="seats", verbose_name=_("人员")
    )
    represents = models.ForeignKey(
        OrgNode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="seats",
        verbose_name=_("代表单位/党组织"),
    )
    position = models.CharField(
        _("职务"),
        max_length=16,
        choices=SeatPosition.choices,
        default=SeatPosition.MEMBER,
    )
    origin = models.CharField(_("产生方式"), max_length=16, choices=SeatOrigin.choices)
    is_unit_secretary = models.BooleanField(_("驻区单位党组织书记"), default=False)
    term_start = models.DateField(_("任期开始"))
    term_end = models.DateField(_("任期结束"), null=True, blank=True)
    vacated_on = models.DateField(_("离任日期"), null=True, blank=True)
    vacated_reason = models.CharField(_("离任原因"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    vacated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("离任登记人"),
    )
    street = models.ForeignKey(
        OrgNode, on_delete=models.PROTECT, related_name="+", verbose_name=_("街道")
    )
    community = models.ForeignKey(
        OrgNode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("社区"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("委员席位")
        verbose_name_plural = _("委员席位")
        ordering = ["committee_id", "term_start", "id"]
        indexes = [models.Index(fields=["committee", "vacated_on"])]
        constraints = [
            # One current seat per person per committee; history rows may repeat.
            models.UniqueConstraint(
                fields=["committee", "person"],
                condition=models.Q(vacated_on__isnull=True),
                name="orgs_seat_one_current_per_person",
            ),
            models.UniqueConstraint(
                fields=["committee"],
                condition=models.Q(vacated_on__isnull=True, position="secretary"),
                name="orgs_seat_one_current_secretary",
            ),
            models.CheckConstraint(
                condition=models.Q(term_end__isnull=True)
                | models.Q(term_end__gte=models.F("term_start")),
                name="orgs_seat_term_end_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(vacated_on__isnull=True)
                | models.Q(vacated_on__gte=models.F("term_start")),
                name="orgs_seat_vacated_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.committee} · {self.person}"

    @property
    def is_current(self):
        return self.vacated_on is None


# -- Excel imports ------------------------------------------------------------------


class ImportKind(models.TextChoices):
    UNITS = "units", _("驻街单位")
    PARTY_MEMBERS = "party-members", _("党员")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("导入中")
    DONE = "done", _("已导入")
    REFUSED = "refused", _("未导入")
    FAILED = "failed", _("出错")


ACTIVE_IMPORT_STATUSES = (ImportStatus.PENDING, ImportStatus.RUNNING)


def import_file_path(_job, _filename):
    """A server-chosen name: the uploader's file name is only displayed."""
    now = timezone.localtime()
    return "imports/%04d/%02d/%s.xlsx" % (now.year, now.month, uuid.uuid4().hex)


class ImportJob(models.Model):
    """One uploaded Excel file being imported: status, progress and result.

    The web request checks the file's form (size, header, row count) and
    stores it; a task reads and imports it, all or nothing, and records the
    row errors. Seen like the import page: a street's jobs by its street
    staff, a community's by its secretaries, and one's own.
    """

    kind = models.CharField(_("导入类型"), max_length=16, choices=ImportKind.choices)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=ImportStatus.choices,
        default=ImportStatus.PENDING,
    )
    file = models.FileField(
        _("文件"), upload_to=import_file_path, max_length=200, blank=True
    )
    file_name = models.CharField(_("文件名"), max_length=200, blank=True)
    language = models.CharField(max_length=16, blank=True)
    street = models.ForeignKey(
        OrgNode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("街道"),
    )
    community = models.ForeignKey(
        OrgNode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("社区"),
    )
    rows_total = models.PositiveIntegerField(_("数据行数"), default=0)
    rows_done = models.PositiveIntegerField(_("已读取行数"), default=0)
    imported = models.PositiveIntegerField(_("导入条数"), default=0)
    summary = models.TextField(_("结果"), blank=True)
    row_errors = models.JSONField(_("出错的行"), default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(_("执行次数"), default=0)
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("导入人"),
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Excel 导入")
        verbose_name_plural = _("Excel 导入")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["street", "created_at"]),
            models.Index(fields=["community", "created_at"]),
        ]

    def __str__(self):
        return "%s · %s" % (self.get_kind_display(), self.get_status_display())

    @property
    def is_active(self):
        return self.status in ACTIVE_IMPORT_STATUSES

    @property
    def percent(self):
        if not self.is_active:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)
