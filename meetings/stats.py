"""Key figures of the joint meetings, scoped (cards on the home pages)."""

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meetings.models import (
    OPEN_PROBLEM_STATUSES,
    ActionItem,
    ActionItemStatus,
    Meeting,
    MeetingStatus,
    Problem,
    ProblemSource,
)
from meetings.rotation import month_start
from orgs.models import CommitteeKind
from portal.months import count_by_month, month_window

#: Minutes are "missing" once this long has passed since the meeting (the
#: secretary's reminder goes out at the same moment).
MINUTES_GRACE = timedelta(days=2)

LABELS = {
    "meetings_held_this_month": _("本月已召开联席会议"),
    "minutes_missing": _("会议纪要未提交"),
    "action_items_open": _("未完成的解决举措"),
    "action_items_overdue": _("逾期的解决举措"),
    "problems_escalated_open": _("上报大工委待解决的问题"),
}


WATCH = ("minutes_missing", "action_items_overdue", "problems_escalated_open")

MONTHLY_LABELS = {
    "meetings_held": _("召开联席会议"),
    "minutes_filed": _("提交会议纪要"),
    "action_items_opened": _("新增解决举措"),
    "action_items_closed": _("办结解决举措"),
}

COMMUNITY_LABELS = {
    "meetings_held": _("近12个月召开联席会议"),
    "action_items_open": _("未完成的解决举措"),
}


def _meetings(scope):
    return Meeting.objects.filter(scope.q(community="community", street="street"))


def _items(scope):
    return ActionItem.objects.filter(
        scope.q(community="community", unit="unit", street="street")
    )


def monthly(scope, months):
    """Return meetings held, minutes filed, action items opened and closed.

    Meetings count in their own month, with their minutes (filed at any time
    since); action items in the month they were agreed and the month they
    were done. Three queries.
    """
    start, end = month_window(months)
    meetings = (
        _meetings(scope)
        .filter(month__gte=months[0], month__lte=months[-1], status=MeetingStatus.HELD)
        .order_by()
        .values("month")
        .annotate(
            held=Count("pk"),
            filed=Count("pk", filter=Q(minutes_filed_at__isnull=False)),
        )
    )
    opened = count_by_month(
        _items(scope).filter(created_at__gte=start, created_at__lt=end),
        "created_at",
        months,
    )
    closed = count_by_month(
        _items(scope).filter(
            status=ActionItemStatus.DONE, done_at__gte=start, done_at__lt=end
        ),
        "done_at",
        months,
    )
    rows = list(meetings)
    return {
        "meetings_held": {r["month"]: r["held"] for r in rows},
        "minutes_filed": {r["month"]: r["filed"] for r in rows},
        "action_items_opened": opened,
        "action_items_closed": closed,
    }


def by_community(scope, months):
    """Return per community: meetings held in ``months``, action items open."""
    held = (
        _meetings(scope)
        .filter(
            month__gte=months[0],
            month__lte=months[-1],
            status=MeetingStatus.HELD,
            community__isnull=False,
        )
        .order_by()
        .values_list("community")
        .annotate(n=Count("pk"))
    )
    open_items = (
        _items(scope)
        .filter(community__isnull=False)
        .exclude(status=ActionItemStatus.DONE)
        .order_by()
        .values_list("community")
        .annotate(n=Count("pk"))
    )
    rows = {}
    for community, n in held:
        rows.setdefault(community, {})["meetings_held"] = n
    for community, n in open_items:
        rows.setdefault(community, {})["action_items_open"] = n
    return rows


def stats(scope):
    now = timezone.now()
    today = timezone.localdate()
    meetings = Meeting.objects.filter(scope.q(community="community", street="street"))
    items = ActionItem.objects.filter(
        scope.q(community="community", unit="unit", street="street")
    ).exclude(status=ActionItemStatus.DONE)
    problems = Problem.objects.filter(scope.q(community="community", street="street"))
    return {
        "meetings_held_this_month": meetings.filter(
            month=month_start(today), status=MeetingStatus.HELD
        ).count(),
        "minutes_missing": meetings.filter(
            held_at__lte=now - MINUTES_GRACE, minutes_filed_at__isnull=True
        )
        .exclude(status=MeetingStatus.CANCELLED)
        .count(),
        "action_items_open": items.count(),
        "action_items_overdue": items.filter(due_on__lt=today).count(),
        "problems_escalated_open": problems.filter(
            Q(escalated_from__isnull=False)
            | Q(source__in=[ProblemSource.ESCALATED, ProblemSource.GRID_CASE]),
            committee__kind=CommitteeKind.BIG_WORKING,
            status__in=OPEN_PROBLEM_STATUSES,
        ).count(),
    }
