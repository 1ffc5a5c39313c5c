"""Database helpers shared by the apps: the writer lock for trees."""

import zlib

from django.db import connection


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
