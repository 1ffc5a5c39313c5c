"""From metrics to a score: the scored components and the default policy.

A unit's (or committee's) score is the weighted mean of its components'
sub-scores, each 0–100:

- a *rate* component scores ``numerator / denominator × 100`` (capped at 100);
  when its denominator is 0 the component does not apply to that subject this
  month (a unit with no joint meeting to attend is not marked down for
  attendance) and its weight is left out of the mean — unless the component
  sets ``expected``: then the denominator is at least that (a committee is
  expected to hold one joint meeting a month, so holding none scores 0);
- a *count* component scores ``value / target × 100`` (capped at 100), the
  target being the policy's monthly target for it.

Arithmetic is in ``Decimal`` and rounded half-up to 0.01, so the same metrics
always give the same score, whatever the machine.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from evaluations.models import SubjectKind

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Component:
    """A scored part of the evaluation, built from one or more metrics.

    ``numerator`` (and for a rate ``denominator``) name metrics that are summed.
    """

    key: str
    label: str
    kind: str  # "rate" or "count"
    numerator: tuple = ()
    denominator: tuple = ()
    expected: int = 0

    @property
    def is_count(self):
        return self.kind == "count"

    @staticmethod
    def value(metrics, keys):
        return sum(int(metrics.get(key, 0) or 0) for key in keys)


UNIT_COMPONENTS = [
    Component(
        "attendance",
        _("联席会议出勤率"),
        "rate",
        ("meetings_attended",),
        ("meetings_invited",),
    ),
    Component(
        "action_items",
        _("议定事项按期完成率"),
        "rate",
        ("actions_on_time",),
        ("actions_due",),
    ),
    Component(
        "service",
        _("在职党员报到服务率"),
        "rate",
        ("members_served",),
        ("members_in_service",),
    ),
    Component(
        "co_building",
        _("共建服务（微心愿、服务岗位、组团式服务）"),
        "count",
        ("wishes_fulfilled", "posts_fulfilled", "group_events"),
    ),
]

COMMITTEE_COMPONENTS = [
    Component(
        "action_items",
        _("议定事项完成率"),
        "rate",
        ("actions_done",),
        ("actions_due",),
    ),
    Component(
        "minutes",
        _("纪要按时归档率"),
        "rate",
        ("minutes_on_time",),
        ("meetings_held",),
        expected=1,
    ),
    Component(
        "escalations",
        _("上报问题解决率"),
        "rate",
        ("escalations_resolved",),
        ("escalations_total",),
    ),
]

COMPONENTS = {
    SubjectKind.UNIT: UNIT_COMPONENTS,
    SubjectKind.COMMITTEE: COMMITTEE_COMPONENTS,
}

DEFAULT_UNIT_WEIGHTS = {
    "attendance": 25,
    "action_items": 25,
    "service": 20,
    "co_building": 30,
}
DEFAULT_COMMITTEE_WEIGHTS = {"action_items": 40, "minutes": 30, "escalations": 30}
#: Co-building services a unit is expected to render a month for full marks.
DEFAULT_TARGETS = {"co_building": 2}
DEFAULT_THRESHOLDS = {
    "excellent_min": Decimal(85),
    "good_min": Decimal(70),
    "fair_min": Decimal(50),
}


def default_policy_fields():
    return {
        "unit_weights": dict(DEFAULT_UNIT_WEIGHTS),
        "committee_weights": dict(DEFAULT_COMMITTEE_WEIGHTS),
        "targets": dict(DEFAULT_TARGETS),
        **DEFAULT_THRESHOLDS,
    }


def _ratio(numerator, denominator):
    if denominator <= 0:
        return HUNDRED
    return min(Decimal(numerator) * HUNDRED / Decimal(denominator), HUNDRED)


def score(policy, kind, metrics):
    """Return ``(score, breakdown)`` of one subject's metrics under ``policy``.

    ``breakdown`` maps each component to its sub-score (``None`` when it does
    not apply) and weight, for the results page and the feedback notice.
    """
    weights = (
        policy.unit_weights if kind == SubjectKind.UNIT else policy.committee_weights
    )
    total = Decimal(0)
    weight_sum = Decimal(0)
    breakdown = {}
    for component in COMPONENTS[kind]:
        weight = Decimal(str(weights.get(component.key, 0)))
        numerator = component.value(metrics, component.numerator)
        if component.is_count:
            target = int(policy.targets.get(component.key, 1) or 1)
            sub = _ratio(numerator, target)
        else:
            denominator = max(
                component.value(metrics, component.denominator), component.expected
            )
            sub = _ratio(numerator, denominator) if denominator else None
        breakdown[component.key] = {
            "score": None if sub is None else float(sub.quantize(CENT, ROUND_HALF_UP)),
            "weight": float(weight),
        }
        if sub is None or weight <= 0:
            continue
        total += weight * sub
        weight_sum += weight
    result = (total / weight_sum) if weight_sum else Decimal(0)
    return result.quantize(CENT, ROUND_HALF_UP), breakdown
