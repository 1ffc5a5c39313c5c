"""Volunteers, teams and their members."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import org_fk
from volunteers.models.choices import VolunteerKind, VolunteerStatus


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
