"""The street's key figures, one flat dict, scoped to the caller.

Each app's ``stats.py`` exposes ``stats(scope) -> dict`` and ``LABELS``; this
module imports them (``STATS``, a fixed list) and merges them in that order.
``/api/v1/stats/`` and ``manage.py street_stats`` both call ``stats_for``.
A new app's figures are one import and one line of ``STATS``.

For the dashboards (``dashboard.boards``) an app's ``stats.py`` may also
expose, each answering in a fixed number of GROUP BY queries:

- ``monthly(scope, months) -> {series key: {month: n}}`` and
  ``MONTHLY_LABELS``: counts per calendar month, ``months`` being the first
  days of the months asked for (``portal.months.month_window`` gives their
  time bounds, ``count_by_month`` counts in them);
- ``by_community(scope, months) -> {community id: {key: n}}`` and
  ``COMMUNITY_LABELS``: the columns of the community comparison table;
- ``WATCH``: keys of ``stats`` that need attention when above zero.

The organisations' ``communities(scope)`` lists the rows of the comparison,
the grid's ``areas(scope)`` the community dashboard's map.
"""

from dashboard.stats_cache import cached_for_scope
from evaluations import stats as evaluations_stats
from evaluations.apps import EvaluationsConfig
from grids import stats as grids_stats
from grids.apps import GridsConfig
from meetings import stats as meetings_stats
from meetings.apps import MeetingsConfig
from orgs import stats as orgs_stats
from orgs.apps import OrgsConfig
from portal.scope import scope_for
from support import stats as support_stats
from support.apps import SupportConfig
from volunteers import stats as volunteers_stats
from volunteers.apps import VolunteersConfig

#: (app label, section title, the app's ``stats`` module), in display order.
STATS = (
    (OrgsConfig.name, OrgsConfig.verbose_name, orgs_stats),
    (GridsConfig.name, GridsConfig.verbose_name, grids_stats),
    (MeetingsConfig.name, MeetingsConfig.verbose_name, meetings_stats),
    (VolunteersConfig.name, VolunteersConfig.verbose_name, volunteers_stats),
    (EvaluationsConfig.name, EvaluationsConfig.verbose_name, evaluations_stats),
    (SupportConfig.name, SupportConfig.verbose_name, support_stats),
)
#: The apps whose tables the figures count (their writes refresh the cache).
STATS_APPS = tuple(app for app, _title, _module in STATS)


def stats_for(user):
    """Return the key figures visible to ``user``."""
    return stats_for_scope(scope_for(user))


def stats_for_scope(scope):
    """Return the key figures of ``scope``, cached until the next write."""
    return cached_for_scope("figures", scope, lambda: _figures(scope))


def _figures(scope):
    figures = {}
    for _app, _title, module in STATS:
        figures.update(module.stats(scope))
    return figures


def stat_labels():
    """Return the display label of every key, from each app's ``LABELS``."""
    labels = {}
    for _app, _title, module in STATS:
        labels.update(getattr(module, "LABELS", {}))
    return labels


def communities(scope):
    """Return ``[(id, name)]`` of the communities in ``scope``."""
    return orgs_stats.communities(scope)


def grid_areas(scope):
    """Return the grid's areas of ``scope`` for the community map."""
    return grids_stats.areas(scope)
