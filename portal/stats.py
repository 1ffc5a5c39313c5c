"""The street's key figures, one flat dict, scoped to the caller.

Each app's ``stats.py`` exposes ``stats(scope) -> dict``; this module merges
them in a fixed order. ``/api/v1/stats/`` and ``manage.py street_stats`` both
call ``stats_for``.

For the dashboards (``portal.dashboard``) an app's ``stats.py`` may also
expose, each answering in a fixed number of GROUP BY queries:

- ``monthly(scope, months) -> {series key: {month: n}}`` and
  ``MONTHLY_LABELS``: counts per calendar month, ``months`` being the first
  days of the months asked for (``month_window`` gives their time bounds);
- ``by_community(scope, months) -> {community id: {key: n}}`` and
  ``COMMUNITY_LABELS``: the columns of the community comparison table;
- ``WATCH``: keys of ``stats`` that need attention when above zero.
"""

import datetime
from importlib import import_module

from django.db.models import Count, Q
from django.utils import timezone

from portal.scope import scope_for

STATS_APPS = ["orgs", "grids", "meetings", "volunteers", "evaluations", "support"]


def stats_module(app):
    """Return ``<app>.stats``, or ``None`` when the app has none (yet)."""
    try:
        return import_module(f"{app}.stats")
    except ModuleNotFoundError as exc:
        if exc.name not in (app, f"{app}.stats"):
            raise
        return None


def stats_modules():
    """Return ``[(app label, module)]`` of every app with a ``stats.py``."""
    return [(app, m) for app in STATS_APPS if (m := stats_module(app)) is not None]


def stats_for(user):
    """Return the key figures visible to ``user``."""
    return stats_for_scope(scope_for(user))


def stats_for_scope(scope):
    """Return the key figures of ``scope``, cached until the next write."""
    from portal.stats_cache import cached_for_scope

    return cached_for_scope("figures", scope, lambda: _figures(scope))


def _figures(scope):
    figures = {}
    for _app, module in stats_modules():
        figures.update(module.stats(scope))
    return figures


def stat_labels():
    """Return the display label of every key, from each app's ``LABELS``."""
    labels = {}
    for _app, module in stats_modules():
        labels.update(getattr(module, "LABELS", {}))
    return labels


def count_by_month(queryset, field, months):
    """Return ``{month: rows of queryset whose datetime ``field`` falls in it}``.

    One query of ``COUNT(*) FILTER (WHERE field in month)`` per month: on a
    year of a street's check-ins about 2.5 times faster than grouping by
    ``date_trunc`` of the local time, which converts every row.
    """
    tz = timezone.get_current_timezone()
    bounds = [
        datetime.datetime.combine(m, datetime.time.min, tzinfo=tz) for m in months
    ]
    bounds.append(month_window(months)[1])
    counts = queryset.order_by().aggregate(
        **{
            # COUNT(field), never NULL in the month: an index holding
            # ``field`` answers it without reading the rows.
            f"m{i}": Count(
                field, filter=Q(**{f"{field}__gte": start, f"{field}__lt": end})
            )
            for i, (start, end) in enumerate(zip(bounds, bounds[1:], strict=False))
        }
    )
    return {m: counts[f"m{i}"] for i, m in enumerate(months) if counts[f"m{i}"]}


def month_window(months):
    """Return the aware bounds ``[start, end)`` covering ``months`` (local time).

    ``months`` are first days of months in order; ``end`` is the first moment
    of the month after the last one, so rows dated in the future stay out.
    """
    first, last = months[0], months[-1]
    after = (last.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    tz = timezone.get_current_timezone()
    return (
        datetime.datetime.combine(first, datetime.time.min, tzinfo=tz),
        datetime.datetime.combine(after, datetime.time.min, tzinfo=tz),
    )
