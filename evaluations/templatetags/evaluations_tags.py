"""Small template helpers of the evaluations pages."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.roles import can

register = template.Library()

GRADE_BADGES = {"excellent": "ok", "good": "info", "fair": "warn", "poor": "bad"}
LEVEL_BADGES = {"A": "ok", "B": "info", "C": "warn", "D": "bad"}

#: (key, label, url name, action needed beyond evaluations.view)
TABS = [
    ("runs", _("评议运行"), "evaluations:runs", None),
    ("results", _("评议结果"), "evaluations:results", None),
    ("policy", _("评分办法"), "evaluations:policy", None),
    ("ratings", _("信用评级"), "evaluations:ratings", None),
    ("appeals", _("申诉"), "evaluations:appeals", None),
    ("notices", _("部门通报"), "evaluations:notices", "evaluations.reports"),
    ("annual", _("年度报告"), "evaluations:annual", None),
    ("commitments", _("双向承诺"), "evaluations:commitments", None),
]


@register.filter
def grade_badge(grade):
    return GRADE_BADGES.get(grade, "")


@register.filter
def level_badge(level):
    return LEVEL_BADGES.get(level, "")


@register.filter
def stars(count):
    count = int(count or 0)
    return "★" * count + "☆" * (5 - count)


@register.inclusion_tag("evaluations/_tabs.html", takes_context=True)
def eval_tabs(context, active):
    user = context["request"].user
    tabs = [
        {"key": key, "label": label, "url": reverse(name), "active": key == active}
        for key, label, name, action in TABS
        if action is None or can(user, action)
    ]
    return {"tabs": tabs}
