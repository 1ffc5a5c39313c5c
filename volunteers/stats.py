"""Key figures of volunteering (S12, S16), scoped to the caller."""

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.months import count_by_month, month_window
from volunteers.models import (
    ATTENDED,
    CLAIMED_STATUSES,
    DONE_STATUSES,
    Activity,
    CheckIn,
    GroupServiceEvent,
    MicroWish,
    PointsAccount,
    ServicePost,
    Team,
    Volunteer,
    VolunteerStatus,
)
from volunteers.selectors import area_q, scoped

LABELS = {
    "volunteers": pgettext_lazy("count", "注册志愿者"),
    "volunteers_party_members": pgettext_lazy("count", "党员志愿者"),
    "volunteer_teams": pgettext_lazy("count", "志愿服务团队"),
    "activities_this_year": _("本年志愿活动"),
    "service_posts_claimed": _("认领服务岗位"),
    "micro_wishes_fulfilled": _("实现微心愿"),
    "group_service_events": _("组团式服务"),
    "residents_served": _("服务群众（人次）"),
    "points_awarded_total": _("累计发放积分"),
}


def _q(scope, unit=None, *more):
    """Rows of the scope, plus the public side of a volunteer's community."""
    return scoped(
        scope,
        area_q(scope, unit=unit),
        Q(community__in=scope.volunteer_community_ids),
        *more,
    )


MONTHLY_LABELS = {
    "volunteer_checkins": _("志愿服务签到"),
    "wishes_fulfilled": _("实现微心愿"),
}

COMMUNITY_LABELS = {
    "volunteers": pgettext_lazy("count", "注册志愿者"),
    "volunteer_checkins": _("近12个月志愿服务签到"),
    "wishes_fulfilled": _("近12个月实现微心愿"),
}


def _checkins(scope, months):
    start, end = month_window(months)
    return CheckIn.objects.filter(
        _q(scope, unit="unit"),
        attendance__in=ATTENDED,
        checked_in_at__gte=start,
        checked_in_at__lt=end,
    )


def _wishes_fulfilled(scope, months):
    start, end = month_window(months)
    return MicroWish.objects.filter(
        _q(scope, None, Q(claimed_by_unit__in=scope.unit_ids)),
        status__in=DONE_STATUSES,
        fulfilled_at__gte=start,
        fulfilled_at__lt=end,
    )


def monthly(scope, months):
    """Return check-ins (absences left out) and wishes fulfilled per month."""
    checkins = count_by_month(_checkins(scope, months), "checked_in_at", months)
    wishes = count_by_month(_wishes_fulfilled(scope, months), "fulfilled_at", months)
    return {"volunteer_checkins": checkins, "wishes_fulfilled": wishes}


def by_community(scope, months):
    """Return per community: active volunteers, check-ins, wishes fulfilled."""
    queries = {
        "volunteers": Volunteer.objects.filter(
            _q(scope, unit="employer_unit"), status=VolunteerStatus.ACTIVE
        ),
        "volunteer_checkins": _checkins(scope, months),
        "wishes_fulfilled": _wishes_fulfilled(scope, months),
    }
    rows = {}
    for key, qs in queries.items():
        counts = (
            qs.filter(community__isnull=False)
            .order_by()
            .values_list("community")
            .annotate(n=Count("*"))  # not a column: the index can answer it
        )
        for community, n in counts:
            rows.setdefault(community, {})[key] = n
    return rows


def stats(scope):
    year = timezone.localdate().year
    volunteers = Volunteer.objects.filter(
        _q(scope, unit="employer_unit"), status=VolunteerStatus.ACTIVE
    ).aggregate(total=Count("id"), party=Count("id", filter=Q(is_party_member=True)))
    events = GroupServiceEvent.objects.filter(_q(scope, unit="unit")).aggregate(
        n=Count("id"), served=Sum("residents_served")
    )
    # Awards net of their reversals: a reversed award was never really given.
    # Each account keeps its awards net of reversed awards (``earned``, kept
    # by the ledger service): a row per volunteer, not a scan of the ledger.
    awarded = PointsAccount.objects.filter(_q(scope)).aggregate(s=Sum("earned"))["s"]
    return {
        "volunteers": volunteers["total"],
        "volunteers_party_members": volunteers["party"],
        "volunteer_teams": Team.objects.filter(_q(scope, unit="unit")).count(),
        "activities_this_year": Activity.objects.filter(
            _q(scope, unit="unit"), starts_at__year=year
        ).count(),
        "service_posts_claimed": ServicePost.objects.filter(
            _q(scope, None, Q(claimed_by_unit__in=scope.unit_ids)),
            status__in=CLAIMED_STATUSES,
        ).count(),
        "micro_wishes_fulfilled": MicroWish.objects.filter(
            _q(scope, None, Q(claimed_by_unit__in=scope.unit_ids)),
            status__in=DONE_STATUSES,
        ).count(),
        "group_service_events": events["n"],
        "residents_served": events["served"] or 0,
        "points_awarded_total": awarded or 0,
    }
