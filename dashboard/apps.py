from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """Home pages, the street and community dashboards, the stats JSON."""

    name = "dashboard"

    def ready(self):
        from dashboard import stats, stats_cache

        # Every write to a table the figures count makes the cache stale.
        stats_cache.watch(stats.STATS_APPS)
