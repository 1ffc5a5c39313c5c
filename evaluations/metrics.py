"""Metric providers: the seam between the evaluation and the apps it measures.

A provider is a function ``(street_id, month_start, month_end, ids) ->
{id: value}`` where ``[month_start, month_end)`` is the month (half-open) and
``ids`` limits the result to some units (or committees), ``None`` meaning all
of the street. Each provider is ONE aggregate query, a GROUP BY on the fact
table's plain ``unit``/``community``/``committee`` foreign key: never a Python
loop per unit and never a walk of the org tree. Units a provider leaves out
count 0.

``UNIT_PROVIDERS`` and ``COMMITTEE_PROVIDERS`` map a metric key to its
provider; ``UNIT_METRICS`` / ``COMMITTEE_METRICS`` list every key with its
label (a metric whose app has no provider yet reads 0).
"""

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from orgs.models import MemberStatus, PartyMember


def _grouped(queryset, field, ids, aggregate=None):
    """Return ``{field value: count}`` for ``queryset`` grouped by ``field``."""
    if ids is not None:
        queryset = queryset.filter(**{f"{field}__in": list(ids)})
    aggregate = aggregate or Count("pk")
    rows = (
        queryset.order_by()  # a default ordering would join the GROUP BY
        .values(field)
        .annotate(value=aggregate)
        .values_list(field, "value")
    )
    return {key: value for key, value in rows if key is not None}


# -- units ---------------------------------------------------------------------------


def unit_members_in_service(street_id, month_start, month_end, unit_ids=None):
    """In-service party members (在职党员) employed by each unit (S15)."""
    queryset = PartyMember.objects.filter(
        street_id=street_id, status=MemberStatus.IN_SERVICE
    )
    return _grouped(queryset, "employer_unit_id", unit_ids)


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
    "members_in_service": unit_members_in_service,
}

# -- committees ------------------------------------------------------------------------

COMMITTEE_METRICS = {
    "meetings_held": _("召开联席会议"),
    "minutes_on_time": _("按时归档纪要"),
    "actions_due": _("本月到期议定事项"),
    "actions_done": _("已完成事项"),
    "escalations_total": _("上报/受理问题"),
    "escalations_resolved": _("已解决问题"),
}

COMMITTEE_PROVIDERS = {}


def collect(providers, keys, street_id, month_start, month_end, ids):
    """Return ``{id: {metric: value}}`` for every id, zeros where no data."""
    values = {pk: dict.fromkeys(keys, 0) for pk in ids}
    for key, provider in providers.items():
        for pk, value in provider(street_id, month_start, month_end, ids).items():
            if pk in values:
                values[pk][key] = int(value or 0)
    return values


def collect_unit_metrics(street_id, month_start, month_end, unit_ids):
    return collect(
        UNIT_PROVIDERS, UNIT_METRICS, street_id, month_start, month_end, unit_ids
    )


def collect_committee_metrics(street_id, month_start, month_end, committee_ids):
    return collect(
        COMMITTEE_PROVIDERS,
        COMMITTEE_METRICS,
        street_id,
        month_start,
        month_end,
        committee_ids,
    )
