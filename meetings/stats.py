"""Key figures of the joint meetings, scoped (cards on the home pages)."""

from datetime import timedelta

from django.db.models import Q
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
