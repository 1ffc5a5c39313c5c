"""Cached key figures that are never older than the last write.

The dashboards and ``/api/v1/stats/`` ask some fifty GROUP BYs. Their result
is cached per scope, under the current *data generation*: a PostgreSQL
sequence that every INSERT, UPDATE, DELETE or TRUNCATE on a table of the
apps the figures count advances (``watch_writes``, installed on every
PostgreSQL connection): at once outside a transaction, else when the
transaction commits, and before a read of the generation inside that same
transaction, which already sees its own writes. Any write therefore shows on
the next load, from every process, whatever the cache backend: a cached value
is only ever served for the generation it was computed at.

Writes that bypass Django's cursor (``COPY`` in ``portal.bulk``) send
``portal.bulk.rows_copied``, which calls ``data_changed``. Figures that change
with the clock alone (minutes overdue after two days) are at most
``PORTAL_STATS_CACHE_SECONDS`` old; the date is part of the key. On SQLite (a
developer's machine) nothing is cached.

The sequence is created by a migration of the portal (``0003_data_generation``);
``DashboardConfig.ready`` calls ``watch`` with the apps the figures count
(``dashboard.stats.STATS_APPS``).
"""

import hashlib
import re
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections
from django.db.backends.signals import connection_created
from django.utils import timezone
from django.utils.translation import get_language

from portal.bulk import rows_copied

SEQUENCE = "portal_data_generation"

#: A write to a table of the watched apps (``watch``); nothing before.
_WRITE = re.compile(r"(?!)")


#: alias → the one on-commit callback, so a transaction registers it once.
_ON_COMMIT = {}
#: Set on a connection whose open transaction wrote since the last advance.
_WRITTEN = "portal_stats_written"


def _advance(alias):
    # to_regclass: NULL (and nextval(NULL) a no-op) while migrations that
    # write run before the sequence exists.
    conn = connections[alias]
    setattr(conn, _WRITTEN, False)
    with conn.cursor() as cursor:
        cursor.execute("SELECT nextval(to_regclass(%s))", [SEQUENCE])


def watch_writes(execute, sql, params, many, context):
    """Execute wrapper: advance the generation after a write to a stats table.

    Inside a transaction other connections only see the write when it
    commits, so it advances then (once however many writes); until then the
    connection is marked, and ``generation()`` on it advances first.
    """
    result = execute(sql, params, many, context)
    if _WRITE.match(sql):
        conn = context["connection"]
        if not conn.in_atomic_block:
            _advance(conn.alias)
        else:
            setattr(conn, _WRITTEN, True)
            pending = _ON_COMMIT.setdefault(conn.alias, partial(_advance, conn.alias))
            if not any(item[1] is pending for item in conn.run_on_commit):
                conn.on_commit(pending)
    return result


def _install(sender, connection, **kwargs):
    if connection.vendor == "postgresql" and watch_writes not in (
        connection.execute_wrappers
    ):
        connection.execute_wrappers.append(watch_writes)


def watch(app_labels):
    """Advance the generation on every write to a table of ``app_labels``."""
    global _WRITE
    _WRITE = re.compile(
        r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+"?(?:%s)_'
        % "|".join(app_labels),
        re.IGNORECASE,
    )
    connection_created.connect(
        _install, dispatch_uid="dashboard.stats_cache.watch_writes"
    )
    rows_copied.connect(_copied, dispatch_uid="dashboard.stats_cache.copied")


def data_changed(alias="default"):
    """Advance the generation by hand (after a write Django's cursor did not see)."""
    if connections[alias].vendor == "postgresql":
        _advance(alias)


def _copied(sender, **kwargs):
    data_changed()  # COPY goes round Django's cursor and its write watch


def generation():
    """Return the current data generation (``None``: nothing is cached)."""
    if connection.vendor != "postgresql" or not settings.PORTAL_STATS_CACHE_SECONDS:
        return None
    if getattr(connection, _WRITTEN, False):  # this transaction's own writes
        _advance(connection.alias)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass(%s) IS NOT NULL,"
            " pg_sequence_last_value(to_regclass(%s))",
            [SEQUENCE, SEQUENCE],
        )
        exists, value = cursor.fetchone()
    if not exists:
        return None
    return value or 0


def scope_key(scope):
    """Return a short stable digest of everything ``scope`` filters by."""
    parts = (
        scope.user_id,
        scope.is_superuser,
        scope.person_id,
        sorted(scope.roles),
        *(
            sorted((role, sorted(ids)) for role, ids in mapping.items() if ids)
            for mapping in (
                scope.role_streets,
                scope.role_communities,
                scope.role_units,
            )
        ),
        sorted(scope.cells),
        sorted(scope.unit_ranges),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def cached_for_scope(name, scope, build, today=None):
    """Return ``build()``, cached for ``scope`` at the current generation."""
    current = generation()
    if current is None:
        return build()
    today = today or timezone.localdate()
    key = f"portal:stats:{name}:{current}:{scope_key(scope)}:{get_language()}:{today}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, settings.PORTAL_STATS_CACHE_SECONDS)
    return value
