"""The street's key figures, one flat dict, scoped to the caller.

Each app's ``stats.py`` exposes ``stats(scope) -> dict``; this module merges
them in a fixed order. ``/api/v1/stats/`` and ``manage.py street_stats`` both
call ``stats_for``.
"""

from importlib import import_module

from portal.scope import scope_for

STATS_APPS = ["orgs", "grids", "meetings", "volunteers", "evaluations", "support"]


def stats_for(user):
    """Return the key figures visible to ``user``."""
    return stats_for_scope(scope_for(user))


def stats_for_scope(scope):
    figures = {}
    for app in STATS_APPS:
        try:
            module = import_module(f"{app}.stats")
        except ModuleNotFoundError as exc:
            if exc.name not in (app, f"{app}.stats"):
                raise
            continue
        figures.update(module.stats(scope))
    return figures


def stat_labels():
    """Return the display label of every key, from each app's ``LABELS``."""
    labels = {}
    for app in STATS_APPS:
        try:
            module = import_module(f"{app}.stats")
        except ModuleNotFoundError as exc:
            if exc.name not in (app, f"{app}.stats"):
                raise
            continue
        labels.update(getattr(module, "LABELS", {}))
    return labels
