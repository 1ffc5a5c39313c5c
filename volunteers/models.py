"""Volunteers, teams, activities and check-ins, the points ledger, the love
station, micro-wishes and service posts, group service events, and the
in-service party members' yearly review.

Fact rows (check-ins, ledger entries, redemptions, wishes, posts, events)
carry plain ``street`` / ``community`` (and ``unit``) foreign keys, so every
count is a GROUP BY, never a walk of the org tree. Rules live in
``volunteers.services``; models hold fields, constraints and tiny properties.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import ORG, org_fk

# Big fact tables index their foreign keys through composite indexes whose
# leading column is the key (``(community, checked_in_at)`` …), so the
# single-column index Django adds to every foreign key is switched off there
# (``db_index=False``): one index less to maintain per insert, no read any
# slower. Keys to users (who confirmed, who recorded) are never searched.


# -- volunteers and teams -----------------------------------------------------------


class VolunteerKind(models.TextChoices):
    RESIDENT = "resident", _("居民志愿者")
    PARTY_MEMBER = "party_member", _("党员志愿者")
    IN_SERVICE = "in_service", _("在职党员（到社区报到）")


class VolunteerStatus(models.TextChoices):
    ACTIVE = "active", _("在册")
    LEFT = "left", _("已退出")


class Volunteer(models.Model):
    """A person registered as a volunteer with a community.

    An in-service party member (S15) registers with the community where he
    lives; ``employer_unit`` (and its party organisation) is where he works,
    whose party organisation follows his services there.
    """

    person = models.OneToOneField(
        "orgs.Person",
        on_delete=models.PROTECT,
        related_name="volunteer",
        verbose_name=_("人员"),
    )
    kind = models.CharField(
        _("志愿者类别"),
        max_length=16,
        choices=VolunteerKind.choices,
        default=VolunteerKind.RESIDENT,
    )
    is_party_member = models.BooleanField(_("党员"), default=False)
    party_member = models.OneToOneField(
        "orgs.PartyMember",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="volunteer",
        verbose_name=_("党员档案"),
    )
    street = org_fk(_("街道"))
    community = org_fk(_("报到社区"), related_name="volunteers")
    employer_unit = org_fk(
        _("工作单位"), null=True, related_name="in_service_volunteers"
    )
    employer_party_org = org_fk(_("所在党组织"), null=True)
    skills = models.CharField(_("特长"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=8,
        choices=VolunteerStatus.choices,
        default=VolunteerStatus.ACTIVE,
    )
    registered_on = models.DateField(_("注册日期"), default=timezone.localdate)
    #: Set by ``volunteer_leave``; the retention period counts from here.
    left_on = models.DateField(_("退出日期"), null=True, blank=True)
    #: When his personal data was anonymised (``volunteers_anonymise_departed``).
    anonymised_at = models.DateTimeField(_("匿名化时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        ordering = ["community_id", "id"]
        indexes = [
            models.Index(fields=["community", "kind"]),
            models.Index(fields=["street", "is_party_member"]),
            models.Index(fields=["employer_unit", "kind"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="in_service")
                | models.Q(employer_unit__isnull=False, is_party_member=True),
                name="volunteers_in_service_has_employer",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="left") | models.Q(left_on__isnull=False),
                name="volunteers_left_has_date",
            ),
        ]

    def __str__(self):
        return str(self.person)

    @property
    def is_in_service(self):
        return self.kind == VolunteerKind.IN_SERVICE


class Team(models.Model):
    """A volunteer team (志愿服务团队) with a leader and a service area."""

    name = models.CharField(_("团队名称"), max_length=100)
    street = org_fk(_("街道"))
    community = org_fk(_("所属社区"), null=True)
    unit = org_fk(_("依托单位"), null=True)
    leader = models.ForeignKey(
        Volunteer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="teams_led",
        verbose_name=_("队长"),
    )
    service_area = models.CharField(_("服务范围"), max_length=200, blank=True)
    description = models.TextField(_("简介"), blank=True)
    members = models.ManyToManyField(
        Volunteer,
        through="TeamMembership",
        related_name="teams",
        verbose_name=_("队员"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("志愿服务团队")
        verbose_name_plural = _("志愿服务团队")
        ordering = ["street_id", "community_id", "name"]
        indexes = [models.Index(fields=["community"])]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "name"], name="volunteers_team_unique_name"
            )
        ]

    def __str__(self):
        return self.name


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="memberships"
    )
    joined_on = models.DateField(_("加入日期"), default=timezone.localdate)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("团队成员")
        verbose_name_plural = _("团队成员")
        ordering = ["team_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "volunteer"], name="volunteers_team_member_once"
            )
        ]

    def __str__(self):
        return f"{self.team_id} · {self.volunteer_id}"


# -- activities -----------------------------------------------------------------


class ActivityType(models.TextChoices):
    POLICY = "policy", _("政策宣讲")
    JOBS = "jobs", _("就业岗位")
    LEGAL = "legal", _("法律援助")
    CULTURE = "culture", _("文化活动")
    MEDICAL = "medical", _("医疗义诊")
    ELDERLY = "elderly", _("关爱老人")
    ENVIRONMENT = "environment", _("环境整治")
    CIVILITY = "civility", _("文明创建")
    SAFETY = "safety", _("平安巡逻")
    OTHER = "other", _("其他")


class ServiceMode(models.TextChoices):
    ADMINISTRATIVE = "administrative", _("行政式")
    GROUP = "group", _("组团式")
    VOLUNTARY = "voluntary", _("志愿式")
    COLLABORATIVE = "collaborative", _("协作式")


class PointsRule(models.Model):
    """How many points an hour of service earns, per activity type.

    Staff edit these rows; an activity copies ``points_per_hour`` when it is
    published, so changing a rule never changes past awards.
    """

    activity_type = models.CharField(
        _("活动类型"), max_length=16, choices=ActivityType.choices, unique=True
    )
    points_per_hour = models.PositiveSmallIntegerField(_("每小时积分"), default=10)
    late_percent = models.PositiveSmallIntegerField(_("迟到折算比例（%）"), default=50)
    max_hours = models.PositiveSmallIntegerField(_("单次最多计时（小时）"), default=8)
    min_points = models.PositiveSmallIntegerField(_("到场最低积分"), default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("修改人"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")
        ordering = ["activity_type"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(late_percent__lte=100),
                name="volunteers_rule_late_percent_max_100",
            ),
        ]

    def __str__(self):
        return str(ActivityType(self.activity_type).label)


class ActivityCategory(models.TextChoices):
    ACTIVITY = "activity", _("志愿活动")
    PROJECT = "project", _("公益项目")


class ActivityStatus(models.TextChoices):
    PUBLISHED = "published", _("已发布")
    CANCELLED = "cancelled", _("已取消")


class Activity(models.Model):
    """A public-welfare activity or project, published in one step.

    ``signed_up_count`` is kept by the sign-up services with a conditional
    UPDATE, so capacity holds when many sign up at once.
    """

    title = models.CharField(_("名称"), max_length=200)
    category = models.CharField(
        _("类别"),
        max_length=16,
        choices=ActivityCategory.choices,
        default=ActivityCategory.ACTIVITY,
    )
    activity_type = models.CharField(
        _("服务类型"), max_length=16, choices=ActivityType.choices
    )
    service_mode = models.CharField(
        _("服务方式"),
        max_length=16,
        choices=ServiceMode.choices,
        default=ServiceMode.VOLUNTARY,
    )
    description = models.TextField(_("内容"), blank=True)
    place = models.CharField(_("地点"), max_length=200)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("招募人数"))
    signed_up_count = models.PositiveIntegerField(_("已报名"), default=0)
    points_per_hour = models.PositiveSmallIntegerField(_("每小时积分"))
    checkin_opens_minutes = models.PositiveSmallIntegerField(
        _("提前开放签到（分钟）"), default=30
    )
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=ActivityStatus.choices,
        default=ActivityStatus.PUBLISHED,
    )
    #: Bumped to invalidate printed QR codes (a leaked code stops working).
    qr_version = models.PositiveSmallIntegerField(default=1)
    street = org_fk(_("街道"), db_index=False)
    community = org_fk(_("社区"), null=True, db_index=False)
    unit = org_fk(_("发布单位"), null=True, db_index=False)
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("承办团队"),
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_index=False,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发布人"),
    )
    published_at = models.DateTimeField(_("发布时间"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("志愿活动")
        verbose_name_plural = _("志愿活动")
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["community", "starts_at"]),
            models.Index(fields=["street", "starts_at"]),
            models.Index(fields=["unit", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="volunteers_activity_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1),
                name="volunteers_activity_capacity_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(signed_up_count__lte=models.F("capacity")),
                name="volunteers_activity_within_capacity",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def places_left(self):
        return max(self.capacity - self.signed_up_count, 0)


class SignUpStatus(models.TextChoices):
    SIGNED = "signed", _("已报名")
    CANCELLED = "cancelled", _("已取消")


class SignUp(models.Model):
    activity = models.ForeignKey(
        Activity,
        on_delete=models.PROTECT,
        related_name="signups",
        db_index=False,
    )
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="signups"
    )
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=SignUpStatus.choices,
        default=SignUpStatus.SIGNED,
    )
    street = org_fk(_("街道"))
    community = org_fk(_("社区"), null=True)
    signed_at = models.DateTimeField(_("报名时间"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["activity_id", "signed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "volunteer"], name="volunteers_signup_once"
            )
        ]

    def __str__(self):
        return f"{self.activity_id} · {self.volunteer_id}"


class Attendance(models.TextChoices):
    PENDING = "pending", _("待确认")
    PRESENT = "present", _("出勤")
    LATE = "late", _("迟到")
    ABSENT = "absent", _("缺勤")


#: Attendance values that count as a service (S15) and may earn points.
ATTENDED = (Attendance.PENDING, Attendance.PRESENT, Attendance.LATE)


class CheckIn(models.Model):
    """One volunteer's check-in at one activity (scan of its QR code).

    The scan alone earns nothing: the organiser confirms attendance, then the
    points are awarded. ``employer_unit`` is the volunteer's employer when he
    is an in-service party member, so that unit's report is a GROUP BY.
    """

    activity = models.ForeignKey(
        Activity,
        on_delete=models.PROTECT,
        related_name="checkins",
        db_index=False,
    )
    volunteer = models.ForeignKey(
        Volunteer,
        on_delete=models.PROTECT,
        related_name="checkins",
        db_index=False,
    )
    street = org_fk(_("街道"), db_index=False)
    community = org_fk(_("社区"), null=True, db_index=False)
    unit = org_fk(_("发布单位"), null=True, db_index=False)
    employer_unit = org_fk(_("工作单位"), null=True, db_index=False)
    in_service = models.BooleanField(_("在职党员报到服务"), default=False)
    checked_in_at = models.DateTimeField(_("签到时间"), default=timezone.now)
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    minutes = models.PositiveIntegerField(_("服务时长（分钟）"), default=0)
    attendance = models.CharField(
        _("出勤"),
        max_length=8,
        choices=Attendance.choices,
        default=Attendance.PENDING,
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_index=False,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认人"),
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    points_awarded = models.IntegerField(_("所得积分"), default=0)
    # The employer unit's party organisation confirms its member's service
    # from this check-in (S15): who, when and how many party points.
    party_points = models.PositiveSmallIntegerField(_("党员积分"), default=0)
    party_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_index=False,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("党组织确认人"),
    )
    party_confirmed_at = models.DateTimeField(
        _("党组织确认时间"), null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("签到")
        verbose_name_plural = _("签到")
        ordering = ["-checked_in_at", "-id"]
        indexes = [
            models.Index(fields=["community", "checked_in_at"]),
            # With what the street's dashboard counts per month and community
            # and the monthly evaluation per unit: a street's months of
            # check-ins are read from the index alone (index-only scans).
            models.Index(
                fields=["street", "checked_in_at"],
                include=[
                    "community",
                    "employer_unit",
                    "volunteer",
                    "in_service",
                    "attendance",
                ],
                name="volunteers_checkin_street",
            ),
            models.Index(fields=["unit", "checked_in_at"]),
            models.Index(fields=["employer_unit", "checked_in_at"]),
            models.Index(fields=["volunteer", "checked_in_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "volunteer"],
                name="volunteers_checkin_once_per_activity",
                violation_error_message=_(
                    "您已在本活动签到，每人每个活动只能签到一次。"
                ),
            ),
        ]

    def __str__(self):
        return f"{self.volunteer} · {self.activity}"

    @property
    def hours(self):
        return round(self.minutes / 60, 1)


# -- points ledger --------------------------------------------------------------------


class EntryKind(models.TextChoices):
    AWARD = "award", _("服务积分")
    REDEMPTION = "redemption", _("兑换")
    CORRECTION = "correction", _("调整")
    REVERSAL = "reversal", _("冲正")


class PointsEntry(models.Model):
    """One line of a volunteer's points ledger. Append-only.

    A database trigger (migration 0002) refuses UPDATE and DELETE of these
    rows; a mistake is undone by a reversing entry that names the entry it
    reverses and the reason. There is no ``updated_at``: rows never change.
    """

    volunteer = models.ForeignKey(
        Volunteer,
        on_delete=models.PROTECT,
        related_name="points_entries",
        db_index=False,
    )
    kind = models.CharField(_("类别"), max_length=16, choices=EntryKind.choices)
    points = models.IntegerField(_("积分"))
    reason = models.CharField(_("事由"), max_length=255)
    street = org_fk(_("街道"), db_index=False)
    community = org_fk(_("社区"), db_index=False)
    checkin = models.OneToOneField(
        CheckIn,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="points_entry",
        verbose_name=_("签到"),
    )
    redemption = models.OneToOneField(
        "Redemption",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="points_entry",
        verbose_name=_("兑换"),
    )
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
        db_index=False,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("经办人"),
    )
    created_at = models.DateTimeField(_("记账时间"), default=timezone.now)

    class Meta:
        verbose_name = _("积分记录")
        verbose_name_plural = _("积分记录")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["volunteer", "created_at"]),
            models.Index(fields=["community", "created_at"]),
            models.Index(fields=["street", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(points=0), name="volunteers_entry_not_zero"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="award") | models.Q(points__gt=0),
                name="volunteers_entry_award_positive",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="redemption") | models.Q(points__lt=0),
                name="volunteers_entry_redemption_negative",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="reversal") | models.Q(reverses__isnull=False),
                name="volunteers_entry_reversal_names_entry",
            ),
        ]

    def __str__(self):
        return f"{self.volunteer} {self.points:+d}"


class PointsAccount(models.Model):
    """The cached balance of a volunteer: always the sum of his ledger.

    Written only by ``volunteers.services`` in the same transaction as the
    ledger entry, under a row lock; the CHECK keeps it from going negative even
    if a service were wrong. ``points_check_balances`` proves it equals the sum.
    """

    volunteer = models.OneToOneField(
        Volunteer,
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="account",
    )
    balance = models.IntegerField(_("积分余额"), default=0)
    earned = models.IntegerField(_("累计获得"), default=0)
    street = org_fk(_("街道"))
    community = org_fk(_("社区"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("积分账户")
        verbose_name_plural = _("积分账户")
        ordering = ["-balance", "volunteer_id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(balance__gte=0),
                name="volunteers_account_balance_not_negative",
            )
        ]

    def __str__(self):
        return f"{self.volunteer_id}: {self.balance}"


# -- love station ------------------------------------------------------------------------


class LoveStation(models.Model):
    """A community's love station (爱心加油站): points buy items."""

    name = models.CharField(_("名称"), max_length=100)
    street = org_fk(_("街道"))
    community = models.OneToOneField(
        ORG,
        on_delete=models.PROTECT,
        related_name="love_station",
        verbose_name=_("社区"),
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    opening_hours = models.CharField(_("开放时间"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("爱心加油站")
        verbose_name_plural = _("爱心加油站")
        ordering = ["community_id"]

    def __str__(self):
        return self.name


class StationItem(models.Model):
    station = models.ForeignKey(
        LoveStation,
        on_delete=models.PROTECT,
        related_name="items",
        verbose_name=_("爱心加油站"),
    )
    name = models.CharField(_("物品"), max_length=100)
    description = models.CharField(_("说明"), max_length=255, blank=True)
    price = models.PositiveIntegerField(_("所需积分"))
    stock = models.IntegerField(_("库存"), default=0)
    active = models.BooleanField(_("上架"), default=True)
    street = org_fk(_("街道"))
    community = org_fk(_("社区"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("兑换物品")
        verbose_name_plural = _("兑换物品")
        ordering = ["station_id", "price", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stock__gte=0),
                name="volunteers_item_stock_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(price__gte=1), name="volunteers_item_price_positive"
            ),
        ]

    def __str__(self):
        return self.name


class RedemptionStatus(models.TextChoices):
    DONE = "done", _("已兑换")
    CANCELLED = "cancelled", _("已撤销")


class Redemption(models.Model):
    volunteer = models.ForeignKey(
        Volunteer,
        on_delete=models.PROTECT,
        related_name="redemptions",
        db_index=False,
    )
    item = models.ForeignKey(
        StationItem, on_delete=models.PROTECT, related_name="redemptions"
    )
    quantity = models.PositiveSmallIntegerField(_("数量"), default=1)
    points = models.PositiveIntegerField(_("消耗积分"))
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=RedemptionStatus.choices,
        default=RedemptionStatus.DONE,
    )
    street = org_fk(_("街道"), db_index=False)
    community = org_fk(_("社区"), db_index=False)
    redeemed_at = models.DateTimeField(_("兑换时间"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("撤销原因"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("积分兑换")
        verbose_name_plural = _("积分兑换")
        ordering = ["-redeemed_at", "-id"]
        indexes = [
            models.Index(fields=["community", "redeemed_at"]),
            models.Index(fields=["street", "redeemed_at"]),
            models.Index(fields=["volunteer", "redeemed_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1),
                name="volunteers_redemption_quantity_positive",
            ),
        ]

    def __str__(self):
        return f"{self.volunteer_id} · {self.item_id} ×{self.quantity}"


# -- micro-wishes and service posts ----------------------------------------------------


class ClaimStatus(models.TextChoices):
    OPEN = "open", _("待认领")
    CLAIMED = "claimed", _("已认领")
    FULFILLED = "fulfilled", _("已完成待确认")
    CONFIRMED = "confirmed", _("社区已确认")
    CANCELLED = "cancelled", _("已撤销")


#: Statuses in which a claimant has been accepted.
CLAIMED_STATUSES = (ClaimStatus.CLAIMED, ClaimStatus.FULFILLED, ClaimStatus.CONFIRMED)
DONE_STATUSES = (ClaimStatus.FULFILLED, ClaimStatus.CONFIRMED)


class Claimable(models.Model):
    """What micro-wishes and service posts share: a resident, a claim, steps.

    The resident's name, address and phone are shown masked on every list
    until a claimant is accepted, and then unmasked to that claimant only.
    Each step has its own date; a claim is taken by a conditional UPDATE.
    """

    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    street = org_fk(_("街道"), db_index=False)
    community = org_fk(_("社区"), db_index=False)
    resident_name = models.CharField(_("居民姓名"), max_length=50, blank=True)
    resident_address = models.CharField(_("居民地址"), max_length=200, blank=True)
    resident_phone = models.CharField(_("居民电话"), max_length=20, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.OPEN
    )
    claimed_by_unit = org_fk(_("认领单位"), null=True, db_index=False)
    claimed_by_volunteer = models.ForeignKey(
        Volunteer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("认领党员"),
    )
    claimed_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("认领经办人"),
    )
    published_at = models.DateTimeField(_("发布时间"), default=timezone.now)
    claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    fulfil_note = models.CharField(_("完成说明"), max_length=500, blank=True)
    #: Server-generated storage name of the proof photo (never the upload's name).
    photo = models.CharField(_("完成照片"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_index=False,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发布人"),
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_index=False,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认人"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["-published_at", "-id"]

    def __str__(self):
        return self.title

    @property
    def claimant_label(self):
        if self.claimed_by_unit_id:
            return str(self.claimed_by_unit)
        if self.claimed_by_volunteer_id:
            return str(self.claimed_by_volunteer)
        return ""


class WishCategory(models.TextChoices):
    STUDY = "study", _("助学")
    LIVING = "living", _("生活物资")
    REPAIR = "repair", _("维修")
    HEALTH = "health", _("健康")
    COMPANY = "company", _("陪伴")
    OTHER = "other", _("其他")


class MicroWish(Claimable):
    """A resident's micro-wish (微心愿), e.g. a child's school bag."""

    category = models.CharField(
        _("类别"), max_length=16, choices=WishCategory.choices, default="other"
    )

    class Meta(Claimable.Meta):
        verbose_name = _("微心愿")
        verbose_name_plural = _("微心愿")
        indexes = [
            models.Index(fields=["community", "status"]),
            models.Index(fields=["street", "status"]),
            models.Index(fields=["claimed_by_unit", "status"]),
            # The monthly evaluation: one street's claims fulfilled in a month.
            models.Index(fields=["street", "fulfilled_at"]),
        ]


class PostKind(models.TextChoices):
    CIVILITY = "civility", _("文明劝导岗")
    ENVIRONMENT = "environment", _("环境监督岗")
    SAFETY = "safety", _("治安巡逻岗")
    ELDERLY = "elderly", _("邻里守望岗")
    POLICY = "policy", _("政策宣传岗")
    OTHER = "other", _("其他岗位")


class ServicePost(Claimable):
    """A service post (服务岗位) a community lists for units or party members."""

    kind = models.CharField(
        _("岗位类别"), max_length=16, choices=PostKind.choices, default="other"
    )

    class Meta(Claimable.Meta):
        verbose_name = _("服务岗位")
        verbose_name_plural = _("服务岗位")
        indexes = [
            models.Index(fields=["community", "status"]),
            models.Index(fields=["street", "status"]),
            models.Index(fields=["claimed_by_unit", "status"]),
            # The monthly evaluation: one street's claims fulfilled in a month.
            models.Index(fields=["street", "fulfilled_at"]),
        ]


# -- group service events --------------------------------------------------------------


class GroupServiceType(models.TextChoices):
    POLICY = "policy", _("送政策")
    JOBS = "jobs", _("送岗位")
    LEGAL = "legal", _("送法律")
    CULTURE = "culture", _("送文化")
    MEDICAL = "medical", _("送医疗")
    OTHER = "other", _("其他")


class GroupServiceEvent(models.Model):
    """A group (组团式) service event by a resident unit (S16)."""

    unit = models.ForeignKey(
        ORG,
        db_index=False,
        on_delete=models.PROTECT,
        related_name="group_service_events",
        verbose_name=_("单位"),
    )
    street = org_fk(_("街道"), db_index=False)
    community = org_fk(_("社区"), db_index=False)
    service_type = models.CharField(
        _("服务类型"), max_length=16, choices=GroupServiceType.choices
    )
    title = models.CharField(_("名称"), max_length=200)
    held_on = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    residents_served = models.PositiveIntegerField(_("服务群众（人次）"))
    volunteers_count = models.PositiveIntegerField(_("参与人数"), default=0)
    description = models.TextField(_("内容"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_index=False,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("组团式服务")
        verbose_name_plural = _("组团式服务")
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["community", "held_on"]),
            models.Index(fields=["street", "held_on"]),
            models.Index(fields=["unit", "held_on"]),
        ]

    def __str__(self):
        return self.title


# -- in-service party members: the year's review ------------------------------------


#: Fewer services than this in a year: not eligible for excellent party member.
YEARLY_SERVICES_REQUIRED = 10
#: At least this many services each month (S15).
MONTHLY_SERVICES_REQUIRED = 1


class InServiceYearReview(models.Model):
    """An in-service party member's services in a closed year, and the flag.

    Written by ``in_service_year_close`` after the year ends (idempotent: a
    rerun recomputes the same rows), so the flag stays when check-ins are
    later corrected and the employer's party org has a record to cite.
    """

    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="year_reviews"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    services = models.PositiveSmallIntegerField(_("服务次数"))
    months_below = models.PositiveSmallIntegerField(_("未达标月数"), default=0)
    eligible_excellent = models.BooleanField(_("可评优秀党员"))
    street = org_fk(_("街道"))
    community = org_fk(_("报到社区"))
    employer_unit = org_fk(_("工作单位"))
    computed_at = models.DateTimeField(_("计算时间"), default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("在职党员年度服务")
        verbose_name_plural = _("在职党员年度服务")
        ordering = ["-year", "employer_unit_id", "volunteer_id"]
        indexes = [models.Index(fields=["employer_unit", "year"])]
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "year"], name="volunteers_review_once_a_year"
            )
        ]

    def __str__(self):
        return f"{self.volunteer_id} · {self.year}: {self.services}"
