"""Key figures of volunteering (S12, S16), scoped to the caller."""

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from volunteers.models import (
    CLAIMED_STATUSES,
    DONE_STATUSES,
    Activity,
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
    "volunteers": _("注册志愿者"),
    "volunteers_party_members": _("党员志愿者"),
    "volunteer_teams": _("志愿服务团队"),
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
