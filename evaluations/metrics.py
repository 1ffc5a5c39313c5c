"""Metric providers: the seam between the evaluation and the apps it measures.

A provider is a function ``(street_id, month_start, month_end, ids) ->
{id: {metric: value}}`` where ``[month_start, month_end)`` is the month
(half-open) and ``ids`` limits the result to some units (or committees),
``None`` meaning all of the street. Each provider is ONE aggregate query on
one fact table, a GROUP BY on its plain ``unit``/``community``/``committee``
foreign key with a ``COUNT(…) FILTER`` per metric it computes: never a
Python loop per unit, never a walk of the org tree, and never the same fact
table read twice. Units a provider leaves out count 0.

``UNIT_PROVIDERS`` and ``COMMITTEE_PROVIDERS`` map a metric key to the
provider that computes it; ``UNIT_METRICS`` / ``COMMITTEE_METRICS`` list
every key with its label (a metric whose app has no provider yet reads 0).
"""

from datetime import datetime, time, timedelta

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meetings.models import (
    ActionItem,
    ActionItemStatus,
    AttendanceStatus,
    AttendeeKind,
    Meeting,
    MeetingStatus,
    Problem,
)
from meetings.models import Attendance as MeetingAttendance
from orgs.models import MemberStatus, PartyMember
from volunteers.models import (
    ATTENDED,
    DONE_STATUSES,
    CheckIn,
    GroupServiceEvent,
    MicroWish,
    ServicePost,
)

#: Minutes count as filed on time within this many days after the meeting.
MINUTES_ON_TIME_DAYS = 7


def _grouped(queryset, field, ids, **aggregates):
    """Return ``{field value: {name: count}}`` of ``queryset`` grouped by
    ``field``, one count per keyword of ``aggregates``."""
    if ids is not None:
        queryset = queryset.filter(**{f"{field}__in": list(ids)})
    names = list(aggregates)
    rows = (
        queryset.order_by()  # a default ordering would join the GROUP BY
        .values(field)
        .annotate(**aggregates)
        .values_list(field, *names)
    )
    return {
        row[0]: dict(zip(names, row[1:], strict=True))
        for row in rows
        if row[0] is not None
    }


def _count(queryset, field, ids, metric):
    """One count per group under the name ``metric``."""
    return _grouped(queryset, field, ids, **{metric: Count("*")})


def _moments(month_start, month_end):
    """The month as aware datetimes [start, end) in the portal's time zone."""
    zone = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(month_start, time.min), zone),
        timezone.make_aware(datetime.combine(month_end, time.min), zone),
    )


# -- units ---------------------------------------------------------------------------


def unit_members_in_service(street_id, month_start, month_end, unit_ids=None):
    """In-service party members (在职党员) employed by each unit (S15)."""
    queryset = PartyMember.objects.filter(
        street_id=street_id, status=MemberStatus.IN_SERVICE
    )
    return _count(queryset, "employer_unit_id", unit_ids, "members_in_service")


def unit_meetings(street_id, month_start, month_end, unit_ids=None):
    """The month's joint meetings a unit's seated member was expected at
    (``meetings_invited``) and attended (``meetings_attended``) (S7/S8).

    请假 (excused) is neither counted for nor against: only present and absent
    rows are invitations the unit answered or missed.
    """
    queryset = MeetingAttendance.objects.filter(
        street_id=street_id,
        kind=AttendeeKind.MEMBER,
        # The meeting's street too, so its (street, month) index finds them.
        meeting__street_id=street_id,
        meeting__month=month_start,
        status__in=[AttendanceStatus.PRESENT, AttendanceStatus.ABSENT],
    ).exclude(meeting__status=MeetingStatus.CANCELLED)
    return _grouped(
        queryset,
        "unit_id",
        unit_ids,
        meetings_invited=Count("*"),
        meetings_attended=Count("pk", filter=Q(status=AttendanceStatus.PRESENT)),
    )


def _items_due(street_id, month_start, month_end):
    return ActionItem.objects.filter(
        street_id=street_id, due_on__gte=month_start, due_on__lt=month_end
    )


_DONE_ON_TIME = Q(status=ActionItemStatus.DONE, done_at__date__lte=F("due_on"))


def unit_actions(street_id, month_start, month_end, unit_ids=None):
    """Action items assigned to the unit and due in the month
    (``actions_due``); of those, the ones done by their due date
    (``actions_on_time``) and the rest, late or still open
    (``actions_overdue``)."""
    values = _grouped(
        _items_due(street_id, month_start, month_end),
        "unit_id",
        unit_ids,
        actions_due=Count("*"),
        actions_on_time=Count("pk", filter=_DONE_ON_TIME),
    )
    for counts in values.values():
        counts["actions_overdue"] = counts["actions_due"] - counts["actions_on_time"]
    return values


def unit_service(street_id, month_start, month_end, unit_ids=None):
    """The unit's in-service party members who served at least once
    (``members_served``) and their service check-ins (``service_checkins``)
    in the month (S15)."""
    start, end = _moments(month_start, month_end)
    queryset = CheckIn.objects.filter(
        street_id=street_id,
        in_service=True,
        checked_in_at__gte=start,
        checked_in_at__lt=end,
        attendance__in=ATTENDED,
    )
    return _grouped(
        queryset,
        "employer_unit_id",
        unit_ids,
        members_served=Count("volunteer", distinct=True),
        service_checkins=Count("*"),
    )


def _fulfilled(model, street_id, month_start, month_end):
    start, end = _moments(month_start, month_end)
    return model.objects.filter(
        street_id=street_id,
        status__in=DONE_STATUSES,
        fulfilled_at__gte=start,
        fulfilled_at__lt=end,
    )


def unit_wishes_fulfilled(street_id, month_start, month_end, unit_ids=None):
    """Micro-wishes (微心愿) the unit claimed and fulfilled in the month (S16)."""
    queryset = _fulfilled(MicroWish, street_id, month_start, month_end)
    return _count(queryset, "claimed_by_unit_id", unit_ids, "wishes_fulfilled")


def unit_posts_fulfilled(street_id, month_start, month_end, unit_ids=None):
    """Service posts (服务岗位) the unit claimed and fulfilled in the month (S16)."""
    queryset = _fulfilled(ServicePost, street_id, month_start, month_end)
    return _count(queryset, "claimed_by_unit_id", unit_ids, "posts_fulfilled")


def unit_group_events(street_id, month_start, month_end, unit_ids=None):
    """Group (组团式) service events the unit held in the month (S16)."""
    queryset = GroupServiceEvent.objects.filter(
        street_id=street_id, held_on__gte=month_start, held_on__lt=month_end
    )
    return _count(queryset, "unit_id", unit_ids, "group_events")


#: metric key → label, in display order.
UNIT_METRICS = {
    "meetings_invited": _("应出席联席会议"),
    "meetings_attended": _("实际出席联席会议"),
    "actions_due": _("本月到期议定事项"),
    "actions_on_time": _("按期完成事项"),
    "actions_overdue": _("逾期事项"),
    "members_in_service": _("在职党员数"),
    "members_served": _("本月参加服务的在职党员"),
    "service_checkins": _("在职党员服务签到"),
    "wishes_fulfilled": _("完成微心愿"),
    "posts_fulfilled": _("完成服务岗位"),
    "group_events": _("组团式服务"),
}

UNIT_PROVIDERS = {
    "meetings_invited": unit_meetings,
    "meetings_attended": unit_meetings,
    "actions_due": unit_actions,
    "actions_on_time": unit_actions,
    "actions_overdue": unit_actions,
    "members_in_service": unit_members_in_service,
    "members_served": unit_service,
    "service_checkins": unit_service,
    "wishes_fulfilled": unit_wishes_fulfilled,
    "posts_fulfilled": unit_posts_fulfilled,
    "group_events": unit_group_events,
}

# -- committees ------------------------------------------------------------------------


def committee_meetings(street_id, month_start, month_end, committee_ids=None):
    """The committee's joint meeting(s) held in the month (``meetings_held``,
    S8) and of those, the ones whose minutes were filed within
    ``MINUTES_ON_TIME_DAYS`` (``minutes_on_time``)."""
    queryset = Meeting.objects.filter(
        street_id=street_id, month=month_start, status=MeetingStatus.HELD
    )
    on_time = Q(
        minutes_filed_at__isnull=False,
        minutes_filed_at__lte=F("held_at") + timedelta(days=MINUTES_ON_TIME_DAYS),
    )
    return _grouped(
        queryset,
        "committee_id",
        committee_ids,
        meetings_held=Count("*"),
        minutes_on_time=Count("pk", filter=on_time),
    )


def committee_actions(street_id, month_start, month_end, committee_ids=None):
    """Action items agreed by the committee and due in the month
    (``actions_due``); of those, the ones done by the end of the month
    (``actions_done``, S10: completion rate)."""
    _start, end = _moments(month_start, month_end)
    return _grouped(
        _items_due(street_id, month_start, month_end),
        "committee_id",
        committee_ids,
        actions_due=Count("*"),
        actions_done=Count(
            "pk", filter=Q(status=ActionItemStatus.DONE, done_at__lt=end)
        ),
    )


def committee_escalations(street_id, month_start, month_end, committee_ids=None):
    """Escalations (S9) pending during the month, on both committees' books
    (``escalations_total``); of those, the ones the 大工委 closed (solved or
    answered) in the month (``escalations_resolved``).

    A 大党委 holds the problem it sent up (``escalated_to`` set), the 大工委
    the copy it received (``escalated_from`` set); both get the result when
    the 大工委 closes it. Pending during the month: escalated before its end
    and not closed before its start.
    """
    start, end = _moments(month_start, month_end)
    queryset = (
        Problem.objects.filter(street_id=street_id)
        .filter(Q(escalated_from__isnull=False) | Q(escalated_to__isnull=False))
        .annotate(escalated_at=Coalesce("escalated_to__created_at", "created_at"))
        .filter(escalated_at__lt=end)
        .filter(Q(result_at__isnull=True) | Q(result_at__gte=start))
    )
    return _grouped(
        queryset,
        "committee_id",
        committee_ids,
        escalations_total=Count("*"),
        escalations_resolved=Count("pk", filter=Q(result_at__lt=end)),
    )


COMMITTEE_METRICS = {
    "meetings_held": _("召开联席会议"),
    "minutes_on_time": _("按时归档纪要"),
    "actions_due": _("本月到期议定事项"),
    "actions_done": _("已完成事项"),
    "escalations_total": _("上报/受理问题"),
    "escalations_resolved": _("已解决问题"),
}

COMMITTEE_PROVIDERS = {
    "meetings_held": committee_meetings,
    "minutes_on_time": committee_meetings,
    "actions_due": committee_actions,
    "actions_done": committee_actions,
    "escalations_total": committee_escalations,
    "escalations_resolved": committee_escalations,
}


def collect(providers, keys, street_id, month_start, month_end, ids, whole_street):
    """Return ``{id: {metric: value}}`` for every id, zeros where no data.

    ``whole_street``: ``ids`` are all of the street's, so the providers filter
    by the street alone, not by an ``IN`` list of every id (slow to build and
    to plan at a thousand ids).
    """
    values = {pk: dict.fromkeys(keys, 0) for pk in ids}
    asked = None if whole_street else ids
    # Each provider once, however many metrics it computes.
    for provider in dict.fromkeys(providers.values()):
        for pk, counts in provider(street_id, month_start, month_end, asked).items():
            if pk in values:
                target = values[pk]
                for key, value in counts.items():
                    target[key] = int(value or 0)
    return values


def collect_unit_metrics(
    street_id, month_start, month_end, unit_ids, whole_street=False
):
    return collect(
        UNIT_PROVIDERS,
        UNIT_METRICS,
        street_id,
        month_start,
        month_end,
        unit_ids,
        whole_street,
    )


def collect_committee_metrics(
    street_id, month_start, month_end, committee_ids, whole_street=False
):
    return collect(
        COMMITTEE_PROVIDERS,
        COMMITTEE_METRICS,
        street_id,
        month_start,
        month_end,
        committee_ids,
        whole_street,
    )
