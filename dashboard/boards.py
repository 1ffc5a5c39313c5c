"""The street and community dashboards: key figures, monthly charts, comparison.

Assembled from each app's ``stats.py`` (``stats``, ``monthly``,
``by_community``; see ``dashboard.stats``), so this module knows series keys
and labels, never an app's models. Every figure and every series is one GROUP BY:
the page asks the same number of queries for a street of two communities or
of two hundred, for a month of data or for ten years. The assembled board is
cached per scope until the next write (``dashboard.stats_cache``), so a write
still shows on the next load.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from dashboard.stats import STATS, communities, grid_areas
from dashboard.stats_cache import cached_for_scope

#: How many calendar months the trends cover (the current one included).
MONTHS = 12

#: Keys left off the community dashboard's cards: they count communities.
COMMUNITY_EXCLUDED = frozenset({"communities", "grid_cells_level_1"})


@dataclass(frozen=True)
class ChartSpec:
    """One chart: its name (``data-chart``), title, kind and series keys.

    ``kind`` is ``bar`` (grouped bars), ``line``, ``area`` (one filled line)
    or ``stack`` (stacked bars).
    """

    name: str
    title: str
    kind: str
    series: tuple
    colors: tuple = ()


CHARTS = (
    ChartSpec(
        "meetings",
        gettext_lazy("联席会议召开与纪要提交"),
        "bar",
        ("meetings_held", "minutes_filed"),
        ("#c8161d", "#e0a100"),
    ),
    ChartSpec(
        "action_items",
        gettext_lazy("解决举措：新增与办结"),
        "line",
        ("action_items_opened", "action_items_closed"),
        ("#1664c0", "#1f8a4c"),
    ),
    ChartSpec(
        "checkins",
        gettext_lazy("志愿服务签到人次"),
        "area",
        ("volunteer_checkins",),
        ("#c8161d",),
    ),
    ChartSpec(
        "wishes",
        gettext_lazy("实现微心愿"),
        "bar",
        ("wishes_fulfilled",),
        ("#e8590c",),
    ),
    ChartSpec(
        "grades",
        gettext_lazy("单位评议等次分布"),
        "stack",
        ("grade_excellent", "grade_good", "grade_fair", "grade_poor"),
        ("#1f8a4c", "#1664c0", "#e0a100", "#c8161d"),
    ),
)


@dataclass
class Figure:
    key: str
    label: str
    value: object
    watch: bool = False

    @property
    def is_number(self):
        return isinstance(self.value, int | float | Decimal)


@dataclass
class Section:
    app: str
    title: str
    figures: list


@dataclass
class Chart:
    name: str
    title: str
    kind: str
    series: list  # [{"key", "label", "data", "total", "color"}]
    rows: list  # [(month label, [values])]: the table alternative
    summary: str
    empty: bool


@dataclass
class Comparison:
    columns: list  # [(key, label)]
    rows: list  # [{"id", "name", "cells": [(value, warn)]}]
    totals: list = field(default_factory=list)


@dataclass
class Dashboard:
    months: list
    sections: list
    charts: list
    comparison: Comparison | None = None
    areas: list | None = None

    @property
    def period(self):
        """Return the labels of the first and the last month of the trends."""
        return month_label(self.months[0]), month_label(self.months[-1])

    @property
    def chart_data(self):
        """Return what ``static/dashboard/dashboard.js`` draws (``json_script``)."""
        return {
            "months": [month_label(m) for m in self.months],
            "ticks": month_ticks(self.months),
            "labels": {"total": _("合计"), "colon": pgettext("punctuation", "：")},
            "charts": {
                c.name: {
                    "kind": c.kind,
                    "series": [
                        {"label": s["label"], "data": s["data"], "color": s["color"]}
                        for s in c.series
                    ],
                }
                for c in self.charts
                if not c.empty
            },
        }


def last_months(today=None, count=MONTHS):
    """Return the first days of the ``count`` months up to ``today``'s, oldest first."""
    today = today or timezone.localdate()
    year, month = today.year, today.month
    months = []
    for _i in range(count):
        months.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def month_label(month):
    return date_format(month, "YEAR_MONTH_FORMAT")


def month_ticks(months):
    """Return short axis labels: the month, with its year on the first and January."""
    ticks = []
    for i, m in enumerate(months):
        if i == 0 or m.month == 1:
            ticks.append(
                _("%(year)s年\n%(month)s月") % {"year": m.year, "month": m.month}
            )
        else:
            ticks.append(_("%(month)s月") % {"month": m.month})
    return ticks


# -- pieces ------------------------------------------------------------------------


def figure_sections(scope, exclude=frozenset()):
    """Return the key figures of ``/api/v1/stats/``, one section per app."""
    sections = []
    for app, title, module in STATS:
        figures = module.stats(scope)
        labels = getattr(module, "LABELS", {})
        watch = set(getattr(module, "WATCH", ()))
        cards = [
            Figure(
                key=key,
                label=str(labels[key]),
                value=value,
                watch=key in watch and bool(value),
            )
            for key, value in figures.items()
            if key in labels and key not in exclude and not isinstance(value, dict)
        ]
        if cards:
            sections.append(Section(app=app, title=str(title), figures=cards))
    return sections


def monthly_series(scope, months):
    """Return ``({series key: [n per month]}, {series key: label})``."""
    series, labels = {}, {}
    for _app, _title, module in STATS:
        monthly = getattr(module, "monthly", None)
        if monthly is None:
            continue
        for key, by_month in monthly(scope, months).items():
            series[key] = [int(by_month.get(m, 0) or 0) for m in months]
        labels.update(getattr(module, "MONTHLY_LABELS", {}))
    return series, labels


def build_charts(series, labels, months):
    """Return the charts of ``CHARTS`` whose series some app provides."""
    charts = []
    last = month_label(months[-1])
    for spec in CHARTS:
        rows = []
        for i, key in enumerate(spec.series):
            if key not in series:
                continue
            rows.append(
                {
                    "key": key,
                    "label": str(labels.get(key, key)),
                    "data": series[key],
                    "total": sum(series[key]),
                    "color": spec.colors[i] if i < len(spec.colors) else None,
                }
            )
        if not rows:
            continue
        totals = pgettext("punctuation", "；").join(
            _("%(label)s合计%(total)s") % {"label": r["label"], "total": r["total"]}
            for r in rows
        )
        latest = pgettext("punctuation", "、").join(
            pgettext("label and value", "%(label)s%(value)s")
            % {"label": r["label"], "value": r["data"][-1]}
            for r in rows
        )
        summary = _("%(title)s，近%(n)s个月：%(totals)s；%(month)s：%(latest)s。") % {
            "title": spec.title,
            "n": len(months),
            "totals": totals,
            "month": last,
            "latest": latest,
        }
        charts.append(
            Chart(
                name=spec.name,
                title=str(spec.title),
                kind=spec.kind,
                series=rows,
                rows=[
                    (month_label(m), [r["data"][i] for r in rows])
                    for i, m in enumerate(months)
                ],
                summary=summary,
                empty=all(r["total"] == 0 for r in rows),
            )
        )
    return charts


def community_comparison(scope, months):
    """Return one row per community in scope with each app's main figures."""
    in_scope = communities(scope)
    columns, values = [], {}
    for _app, _title, module in STATS:
        by_community = getattr(module, "by_community", None)
        if by_community is None:
            continue
        columns.extend(
            (key, str(label))
            for key, label in getattr(module, "COMMUNITY_LABELS", {}).items()
        )
        for community, row in by_community(scope, months).items():
            values.setdefault(community, {}).update(row)
    rows = []
    for pk, name in in_scope:
        row = values.get(pk, {})
        warn = row.get("warn", ())
        rows.append(
            {
                "id": pk,
                "name": name,
                "cells": [(row.get(key, 0), key in warn) for key, _label in columns],
            }
        )
    totals = [sum(r["cells"][i][0] for r in rows) for i in range(len(columns))]
    return Comparison(columns=columns, rows=rows, totals=totals)


# -- the two dashboards ------------------------------------------------------------------


def street_dashboard(scope, today=None):
    """Return the street dashboard of ``scope`` (street staff and admins)."""
    return cached_for_scope(
        "street-dashboard", scope, lambda: _street_dashboard(scope, today), today
    )


def community_dashboard(scope, today=None):
    """Return the dashboard of one community: ``scope`` is ``community_scope``."""
    return cached_for_scope(
        "community-dashboard", scope, lambda: _community_dashboard(scope, today), today
    )


def _street_dashboard(scope, today):
    months = last_months(today)
    series, labels = monthly_series(scope, months)
    return Dashboard(
        months=months,
        sections=figure_sections(scope),
        charts=build_charts(series, labels, months),
        comparison=community_comparison(scope, months),
    )


def _community_dashboard(scope, today):
    months = last_months(today)
    series, labels = monthly_series(scope, months)
    return Dashboard(
        months=months,
        sections=figure_sections(scope, exclude=COMMUNITY_EXCLUDED),
        charts=build_charts(series, labels, months),
        areas=grid_areas(scope),
    )
