"""The volunteers' part of each user's work centre (``portal.work``).

Read only, like the selectors (``volunteers/selectors.py`` is at the module
size limit): two queries per kind of claimable, whatever their number.
"""

from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Role, User
from portal.roles import can
from portal.scope import scope_for
from portal.work import WorkItem
from volunteers.models import (
    ActivityStatus,
    Attendance,
    CheckIn,
    ClaimStatus,
    MicroWish,
    ServicePost,
    SignUp,
    SignUpStatus,
)
from volunteers.services.checkins import CHECKOUT_GRACE_MINUTES

#: (the kind in the URL, the model)
CLAIMABLES: tuple[tuple[str, Any], ...] = (
    ("wishes", MicroWish),
    ("posts", ServicePost),
)


def work_items(user: User) -> list[WorkItem]:
    """Return the volunteer's upcoming activities and check-outs to do, the wishes and posts waiting for the community's confirmation
    (secretaries) and those the user or his unit claimed and has not
    fulfilled yet (volunteers, unit heads)."""
    scope = scope_for(user)
    communities = scope.role_communities[Role.COMMUNITY_SECRETARY]
    items: list[WorkItem] = _activities(user)
    for kind, model in CLAIMABLES:
        label = _("微心愿") if kind == "wishes" else _("服务岗位")
        if communities:
            for obj in model.objects.filter(
                community_id__in=communities, status=ClaimStatus.FULFILLED
            ).order_by("fulfilled_at", "pk"):
                url = reverse("volunteers:claimable_detail", args=[kind, obj.pk])
                items.append(
                    WorkItem(
                        kind="volunteers.confirm",
                        title=_("确认完成：%(kind)s“%(title)s”")
                        % {"kind": label, "title": obj.title},
                        reason=_("认领方已登记完成，等待社区确认。"),
                        url=url if can(user, "volunteers.manage", obj) else None,
                    )
                )
        if not can(user, "volunteers.claim"):
            continue
        mine = Q(claimed_by_user_id=user.pk)
        if scope.unit_ids:
            mine |= Q(claimed_by_unit_id__in=scope.unit_ids)
        for obj in model.objects.filter(mine, status=ClaimStatus.CLAIMED).order_by(
            "claimed_at", "pk"
        ):
            claimed = obj.claimed_at and timezone.localtime(obj.claimed_at)
            items.append(
                WorkItem(
                    kind="volunteers.fulfil",
                    title=_("完成认领的%(kind)s：“%(title)s”")
                    % {"kind": label, "title": obj.title},
                    reason=_("%s 认领，尚未登记完成。")
                    % (claimed.strftime("%Y-%m-%d") if claimed else ""),
                    url=reverse("volunteers:claimable_fulfil", args=[kind, obj.pk]),
                )
            )
    return items


def _activities(user: User) -> list[WorkItem]:
    """Return the activities the user signed up for that are still to come,
    and his check-ins still open to a check-out (until the grace period past
    the activity's end)."""
    now = timezone.now()
    mine = Q(volunteer__person__user_id=user.pk)
    items = []
    signups = (
        SignUp.objects.filter(
            mine,
            status=SignUpStatus.SIGNED,
            activity__status=ActivityStatus.PUBLISHED,
            activity__starts_at__gt=now,
        )
        .select_related("activity")
        .order_by("activity__starts_at", "pk")
    )
    for signup in signups:
        activity = signup.activity
        starts = timezone.localtime(activity.starts_at)
        items.append(
            WorkItem(
                kind="volunteers.activity",
                title=_("参加活动：%s") % activity.title,
                reason=_("%(time)s 在 %(place)s，已报名。")
                % {"time": starts.strftime("%Y-%m-%d %H:%M"), "place": activity.place},
                url=reverse("volunteers:activity_detail", args=[activity.pk]),
                due=starts.date(),
            )
        )
    checkins = (
        CheckIn.objects.filter(
            mine,
            checked_out_at__isnull=True,
            attendance=Attendance.PENDING,
            activity__ends_at__gt=now - timedelta(minutes=CHECKOUT_GRACE_MINUTES),
        )
        .select_related("activity")
        .order_by("activity__ends_at", "pk")
    )
    for checkin in checkins:
        activity = checkin.activity
        ends = timezone.localtime(activity.ends_at)
        items.append(
            WorkItem(
                kind="volunteers.checkout",
                title=_("签退：%s") % activity.title,
                reason=_("活动结束时扫现场二维码签退，服务时长按签退时间计算。"),
                url=reverse("volunteers:my_checkins"),
                due=ends.date(),
            )
        )
    return items
