"""In-service party members reporting to a community (S15) and group events."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.models import OrgKind, OrgNode
from portal.models import Role, RoleAssignment, User
from portal.notify import reminder_schedule
from portal.roles import require
from volunteers.models import (
    ATTENDED,
    YEARLY_SERVICES_REQUIRED,
    Attendance,
    CheckIn,
    GroupServiceEvent,
    InServiceYearReview,
    Volunteer,
    VolunteerKind,
)
from volunteers.rules import quarter_months
from volunteers.selectors import in_service_monthly_counts
from volunteers.services._common import _invalid

#: Party points the employer's party organisation gives for one service (S15).
DEFAULT_PARTY_POINTS = 2


@transaction.atomic
def party_points_confirm(
    *,
    user: User,
    checkin: CheckIn,
    points: int = DEFAULT_PARTY_POINTS,
    now: datetime | None = None,
) -> CheckIn:
    """The employer unit's party org confirms a member's service (S15), once."""
    now = now or timezone.now()
    checkin = CheckIn.objects.select_for_update().get(pk=checkin.pk)
    if not checkin.in_service or checkin.employer_unit_id is None:
        raise _invalid(_("这不是在职党员到社区报到的服务记录。"))
    require(
        user,
        "volunteers.confirm_party_points",
        unit_id=checkin.employer_unit_id,
        street_id=checkin.street_id,
    )
    if checkin.attendance == Attendance.ABSENT:
        raise _invalid(_("社区记录为缺勤，不能确认积分。"))
    if checkin.party_confirmed_at is not None:
        raise _invalid(_("该服务记录的积分已确认。"))
    if not 0 <= int(points) <= 100:
        raise _invalid(_("积分须在 0 到 100 之间。"), "points")
    checkin.party_points = int(points)
    checkin.party_confirmed_by = user
    checkin.party_confirmed_at = now
    checkin.save(
        update_fields=[
            "party_points",
            "party_confirmed_by",
            "party_confirmed_at",
            "updated_at",
        ]
    )
    return checkin


@transaction.atomic
def group_event_record(
    *,
    user: User,
    unit: OrgNode | None,
    service_type: str,
    title: str,
    held_on: date,
    residents_served: int,
    place: str = "",
    volunteers_count: int = 0,
    description: str = "",
) -> GroupServiceEvent:
    """Record a unit's group (组团式) service event; return it."""
    if unit is None or unit.kind != OrgKind.UNIT:
        raise _invalid(_("请选择驻街单位。"), "unit")
    require(user, "volunteers.record_group_event", unit)
    event = GroupServiceEvent(
        unit=unit,
        street_id=unit.street_id,
        community_id=unit.community_id,
        service_type=service_type,
        title=title,
        held_on=held_on,
        place=place,
        residents_served=residents_served,
        volunteers_count=volunteers_count,
        description=description,
        recorded_by=user,
    )
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def in_service_year_close(*, year: int, now: datetime | None = None) -> int:
    """Write each in-service party member's services in ``year`` and the flag.

    Idempotent: a rerun recomputes the same figures. Members below
    ``YEARLY_SERVICES_REQUIRED`` are flagged not eligible for excellent
    party member. Return the number of members reviewed.
    """
    now = now or timezone.now()
    if year >= timezone.localdate(now).year:
        raise _invalid(_("年度尚未结束，不能结算。"))
    volunteers = list(
        Volunteer.objects.filter(kind=VolunteerKind.IN_SERVICE).values(
            "id", "street_id", "community_id", "employer_unit_id"
        )
    )
    counts = in_service_monthly_counts(
        Volunteer.objects.filter(kind=VolunteerKind.IN_SERVICE), year
    )
    existing = set(
        InServiceYearReview.objects.filter(year=year).values_list(
            "volunteer_id", flat=True
        )
    )
    new: list[InServiceYearReview] = []
    changed: list[InServiceYearReview] = []
    for v in volunteers:
        months = counts.get(v["id"], {})
        services = sum(months.values())
        review = InServiceYearReview(
            volunteer_id=v["id"],
            year=year,
            services=services,
            months_below=sum(1 for m in range(1, 13) if months.get(m, 0) < 1),
            eligible_excellent=services >= YEARLY_SERVICES_REQUIRED,
            street_id=v["street_id"],
            community_id=v["community_id"],
            employer_unit_id=v["employer_unit_id"],
            computed_at=now,
        )
        (changed if v["id"] in existing else new).append(review)
    InServiceYearReview.objects.bulk_create(new, batch_size=1000)
    for review in changed:
        InServiceYearReview.objects.filter(
            volunteer_id=review.volunteer_id, year=year
        ).update(
            services=review.services,
            months_below=review.months_below,
            eligible_excellent=review.eligible_excellent,
            employer_unit_id=review.employer_unit_id,
            computed_at=now,
            updated_at=now,
        )
    return len(volunteers)


def service_card_notices_send(*, year: int, quarter: int) -> int:
    """Tell each employer unit's heads their quarter's service record card is ready.

    One inbox notice per unit head and quarter (a reminder row with a unique
    key), so a rerun sends nothing twice. Return how many were scheduled.
    """
    unit_ids = (
        CheckIn.objects.filter(
            in_service=True,
            attendance__in=ATTENDED,
            checked_in_at__year=year,
            checked_in_at__month__in=quarter_months(quarter),
        )
        .values_list("employer_unit_id", flat=True)
        .distinct()
    )
    heads = RoleAssignment.objects.filter(
        role=Role.UNIT_HEAD, org_node_id__in=list(unit_ids)
    ).select_related("user", "org_node")
    scheduled = 0
    for assignment in heads:
        link = reverse(
            "volunteers:service_card",
            args=[assignment.org_node_id, year, quarter],
        )
        reminder_schedule(
            key=f"volunteers.card:{year}Q{quarter}:{assignment.org_node_id}:{assignment.user_id}",
            due_at=timezone.now(),
            recipient=assignment.user,
            subject=_("%(year)s 年第 %(q)s 季度在职党员服务记录卡")
            % {"year": year, "q": quarter},
            body=_("“%s”在职党员到社区报到服务记录卡已生成。")
            % assignment.org_node.name,
            link=link,
            kind="volunteers.card",
        )
        scheduled += 1
    return scheduled
