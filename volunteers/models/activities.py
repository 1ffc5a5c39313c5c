"""Points rules, activities, sign-ups and check-ins."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import org_fk
from volunteers.models.choices import (
    ActivityCategory,
    ActivityStatus,
    ActivityType,
    Attendance,
    ServiceMode,
    SignUpStatus,
)
from volunteers.models.registration import Team, Volunteer


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
