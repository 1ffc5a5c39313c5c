"""The bench's databases: built with ``seed_demo`` or reused, and the machine
and server they run on."""

import datetime
import os
import platform
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
PASSWORD = "bench-pass-2026"  # noqa: S105 (logins of a throwaway database)
#: Settings of the workers: the portal in production mode, served locally.
WORKER_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "LOG_LEVEL": "ERROR",
    "PORTAL_LOG_LEVEL": "ERROR",
}


@contextmanager
def _admin():
    """A cursor on the server's ``postgres`` database, outside transactions."""
    import psycopg2

    connection = psycopg2.connect(f"{SERVER}/postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            yield cursor
    finally:
        connection.close()


def _database_note(name):
    with _admin() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database"
            " WHERE datname = %s",
            [name],
        )
        row = cursor.fetchone()
    return None if row is None else (row[0] or "")


def _manage(database, *args, env=None):
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **WORKER_ENV, "DATABASE_URL": f"{SERVER}/{database}"},
        capture_output=True,
        text=True,
        check=True,
    )


def ensure_database(name, streets, rebuild):
    """Build ``name`` with ``streets`` streets unless it is there already."""
    note = _database_note(name)
    tag = f"bench: seed_demo --streets {streets},"
    if note is not None and note.startswith(tag) and not rebuild:
        _manage(name, "migrate", "-v0")
        return note, False
    with _admin() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    print(f"生成 {name}（{streets} 个街道）……", flush=True)
    _manage(name, "migrate", "-v0")
    started = time.monotonic()
    done = _manage(name, "seed_demo", "--streets", str(streets), "--password", PASSWORD)
    seconds = time.monotonic() - started
    rows = re.search(r"([\d,]+) 行，用时", done.stdout)
    rows = int(rows.group(1).replace(",", "")) if rows else 0
    note = (
        f"{tag} {rows} rows in {seconds:.0f} s ({rows / seconds:,.0f} rows/s),"
        f" {datetime.date.today()}"
    )
    with _admin() as cursor:
        cursor.execute(f"COMMENT ON DATABASE \"{name}\" IS '{note}'")
    return note, True


def machine():
    cpu = "?"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = "?"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        ram = f"{kib / 1024 / 1024:.1f} GiB"
    with _admin() as cursor:
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone()
        cursor.execute("SHOW shared_buffers")
        (buffers,) = cursor.fetchone()
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",) * 3
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram": ram,
        "postgres": f"{version} (shared_buffers {buffers})",
        "python": platform.python_version(),
        "load": " ".join(f"{x:.2f}" if isinstance(x, float) else x for x in load),
    }
