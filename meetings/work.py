"""The joint meetings' part of each user's work centre (``portal.work``).

Read only, like the selectors (``meetings/selectors.py`` is at the module size
limit): a fixed number of queries whatever the number of meetings, problems
and items, each scoped to the communities, units and committees the user
works for.
"""

from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.models import (
    OPEN_PROBLEM_STATUSES,
    ActionItem,
    ActionItemStatus,
    Attendance,
    Meeting,
    MeetingStatus,
    Problem,
)
from meetings.stats import MINUTES_GRACE
from orgs.models import Committee, CommitteeKind
from portal.models import Role, User
from portal.roles import can
from portal.scope import Scope, scope_for
from portal.work import WorkItem

#: Action items due within this many days are listed (overdue ones always).
DUE_SOON = timedelta(days=7)


def _target(street_id: int, community_id: int | None) -> dict[str, Any]:
    return {"street_id": street_id, "community_id": community_id}


def _link(user: User, action: str, url: str, **target: Any) -> str | None:
    return url if can(user, action, **target) else None


def work_items(user: User) -> list[WorkItem]:
    """Return the meetings' work of ``user``: his 大党委's meetings, problems
    and action items (secretaries and chairs), the 大工委's escalated problems
    (street roles), his unit's action items (unit heads)."""
    scope = scope_for(user)
    now = timezone.now()
    today = timezone.localdate(now)
    items: list[WorkItem] = []
    secretary_of = scope.role_communities[Role.COMMUNITY_SECRETARY]
    if secretary_of:
        items += _meetings_to_schedule(user, secretary_of, today)
        items += _problems_without_items(user, secretary_of)
    if secretary_of or scope.person_id:
        items += _meetings_to_record(user, scope, now)
    if secretary_of or scope.unit_ids:
        items += _items_due(user, scope, today)
    if scope.street_ids:
        items += _escalated_problems(user, scope)
    return items


def _meetings_to_schedule(
    user: User, communities: set[int], today: date
) -> list[WorkItem]:
    """The 大党委 with no meeting this month."""
    month = today.replace(day=1)
    committees = Committee.objects.filter(
        kind=CommitteeKind.BIG_PARTY, community_id__in=communities
    ).exclude(Exists(Meeting.objects.filter(committee=OuterRef("pk"), month=month)))
    url = "%s?month=%s" % (reverse("meetings:list"), month.strftime("%Y-%m"))
    return [
        WorkItem(
            kind="meetings.schedule",
            title=_("召开本月联席会议：%s") % c.name,
            reason=_("本月还没有排定会议。"),
            url=_link(
                user, "meetings.manage", url, **_target(c.street_id, c.community_id)
            ),
            due=_month_end(month),
        )
        for c in committees.order_by("community__code", "pk")
    ]


def _month_end(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def _meetings_to_record(user: User, scope: Scope, now: datetime) -> list[WorkItem]:
    """Meetings that have taken place without attendance or without minutes."""
    secretary_of = scope.role_communities[Role.COMMUNITY_SECRETARY]
    whose = Q(community_id__in=secretary_of)
    if scope.person_id:
        whose |= Q(chair__person_id=scope.person_id)
    meetings = (
        Meeting.objects.filter(whose, held_at__lte=now)
        .exclude(status=MeetingStatus.CANCELLED)
        .annotate(
            has_attendance=Exists(Attendance.objects.filter(meeting=OuterRef("pk")))
        )
        .filter(Q(has_attendance=False) | Q(minutes_filed_at__isnull=True))
        .select_related("committee", "chair__person")
        .order_by("held_at", "pk")
    )
    items = []
    for m in meetings:
        target = _target(m.street_id, m.community_id)
        chair = m.chair is not None and m.chair.person.user_id == user.pk
        held = timezone.localtime(m.held_at)
        if not m.has_attendance:
            items.append(
                WorkItem(
                    kind="meetings.attendance",
                    title=_("登记出席情况：%s") % m,
                    reason=_("会议已于 %s 召开，出席情况未登记。")
                    % held.strftime("%Y-%m-%d %H:%M"),
                    url=_link(
                        user,
                        "meetings.file_minutes",
                        reverse("meetings:attendance", args=[m.pk]),
                        **target,
                    ),
                    due=held.date(),
                )
            )
        if m.minutes_filed_at is None:
            url = reverse("meetings:minutes", args=[m.pk])
            items.append(
                WorkItem(
                    kind="meetings.minutes",
                    title=_("提交会议纪要：%s") % m,
                    reason=_("会议已于 %s 召开，纪要未提交。")
                    % held.strftime("%Y-%m-%d %H:%M"),
                    url=url
                    if chair
                    else _link(user, "meetings.file_minutes", url, **target),
                    due=timezone.localtime(m.held_at + MINUTES_GRACE).date(),
                )
            )
    return items


def _problems_without_items(user: User, communities: set[int]) -> list[WorkItem]:
    """Open problems of the secretary's communities that have no action item."""
    problems = (
        Problem.objects.filter(
            community_id__in=communities, status__in=OPEN_PROBLEM_STATUSES
        )
        .exclude(Exists(ActionItem.objects.filter(problem_id=OuterRef("pk"))))
        .order_by("created_at", "pk")
    )
    return [
        WorkItem(
            kind="meetings.problem_item",
            title=_("落实问题举措：%s") % p.title,
            reason=_("问题还没有责任单位和举措。"),
            url=_link(
                user,
                "meetings.manage",
                reverse("meetings:problem", args=[p.pk]),
                **_target(p.street_id, p.community_id),
            ),
        )
        for p in problems
    ]


def _items_due(user: User, scope: Scope, today: date) -> list[WorkItem]:
    """Action items not done, due within ``DUE_SOON`` or overdue: of the
    secretary's communities and of the unit head's units."""
    whose = Q(community_id__in=scope.role_communities[Role.COMMUNITY_SECRETARY])
    if scope.unit_ids:
        whose |= Q(unit_id__in=scope.unit_ids)
    due = (
        ActionItem.objects.filter(whose, due_on__lte=today + DUE_SOON)
        .exclude(status=ActionItemStatus.DONE)
        .select_related("unit")
        .order_by("due_on", "pk")
    )
    items = []
    for item in due:
        overdue = item.due_on < today
        items.append(
            WorkItem(
                kind="meetings.action_item",
                title=_("推进举措：%s") % item.title,
                reason=(
                    _("%(unit)s 负责，已逾期。")
                    if overdue
                    else _("%(unit)s 负责，即将到期。")
                )
                % {"unit": item.unit},
                url=_link(
                    user,
                    "meetings.update_action_item",
                    reverse("meetings:item", args=[item.pk]),
                    street_id=item.street_id,
                    community_id=item.community_id,
                    unit_id=item.unit_id,
                ),
                due=item.due_on,
            )
        )
    return items


def _escalated_problems(user: User, scope: Scope) -> list[WorkItem]:
    """Problems escalated to the 大工委 and not yet answered (street roles)."""
    problems = Problem.objects.filter(
        committee__kind=CommitteeKind.BIG_WORKING,
        street_id__in=scope.street_ids,
        status__in=OPEN_PROBLEM_STATUSES,
    ).order_by("created_at", "pk")
    return [
        WorkItem(
            kind="meetings.escalated",
            title=_("答复上报问题：%s") % p.title,
            reason=_("社区大党委上报大工委，等待答复。"),
            url=_link(
                user,
                "meetings.manage",
                reverse("meetings:problem", args=[p.pk]),
                **_target(p.street_id, p.community_id),
            ),
        )
        for p in problems
    ]
