"""Database helpers shared by the apps: the writer lock for trees, the
whole-database flush that append-only tables allow."""

import zlib
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connection, connections

#: The session setting with which a whole-database flush tells the append-only
#: tables' ``BEFORE TRUNCATE`` trigger (``portal_refuse_truncate()``,
#: migration ``portal/0004``) to let it through.
FLUSH_SETTING = "portal.flush"


def advisory_xact_lock(namespace, *keys):
    """Take PostgreSQL transaction-level advisory locks, in a stable order.

    Call inside ``transaction.atomic()``; the locks are released at commit or
    rollback. On SQLite (the embedded default) writers are already serialised
    by the database file lock, so this is a no-op there.
    """
    if connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:
        raise RuntimeError("advisory_xact_lock needs an open transaction")
    ns = zlib.crc32(namespace.encode()) & 0x7FFFFFFF
    with connection.cursor() as cursor:
        for key in sorted(set(keys)):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ns, int(key)])


@contextmanager
def whole_database_flush(using=DEFAULT_DB_ALIAS):
    """Let this session TRUNCATE the append-only tables while inside.

    For ``manage.py flush`` only (``portal/management/commands/flush.py``),
    which empties every table at once: the ledgers refuse a TRUNCATE of their
    own. A no-op off PostgreSQL.
    """
    conn = connections[using]
    if conn.vendor != "postgresql":
        yield
        return
    with conn.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'on', false)", [FLUSH_SETTING])
    try:
        yield
    finally:
        with conn.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, '', false)", [FLUSH_SETTING])
