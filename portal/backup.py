"""Backups: one tar file holding the database dump and the uploaded files.

``make backup`` (``manage.py backup``) writes ``var/backups/portal-<time>.tar``:

- ``database.dump``: ``pg_dump --format=custom`` of the portal's database
  (on the SQLite default: ``database.sqlite3``, a consistent copy);
- ``media/…``: every file under ``MEDIA_ROOT``;
- ``manifest.json``: when, which database, how many rows in each table.

``make restore FILE=…`` (``manage.py restore FILE``) puts both back:
``pg_restore --clean --single-transaction`` into the database (or into another
one with ``--into NAME``, for a restore drill) and the files into
``MEDIA_ROOT`` (existing files are kept; files of the backup overwrite theirs).
"""

import json
import os
import shutil
import sqlite3
import subprocess  # noqa: S404 (fixed argument lists, no shell)
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.utils import timezone

DUMP_NAME = "database.dump"
SQLITE_NAME = "database.sqlite3"
MANIFEST_NAME = "manifest.json"


class BackupError(Exception):
    """A backup or restore step failed; the message says which, in Chinese."""


def _db(alias="default"):
    return settings.DATABASES[alias]


def is_postgresql(alias="default"):
    return _db(alias)["ENGINE"] == "django.db.backends.postgresql"


def _pg_env(db):
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _pg_conn_args(db, dbname=None):
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    args += ["--dbname", dbname or str(db["NAME"])]
    return args


def _run(args, db, what):
    binary = shutil.which(args[0])
    if binary is None:
        raise BackupError(f"找不到 {args[0]}：请安装 PostgreSQL 客户端工具。")
    result = subprocess.run(  # noqa: S603 (fixed argument list)
        [binary, *args[1:]],
        env=_pg_env(db),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"{what}失败：{result.stderr.strip()[-2000:]}")
    return result


def pg_admin_connection(db):
    """A psycopg2 connection to the server's ``postgres`` database (autocommit)."""
    import psycopg2

    conn = psycopg2.connect(
        dbname="postgres",
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
    )
    conn.autocommit = True
    return conn


def pg_connection(db, dbname):
    import psycopg2

    return psycopg2.connect(
        dbname=dbname,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
    )


def table_fingerprints(cursor, checksums=True):
    """Return ``{table: (rows, md5)}`` for every table of the public schema.

    The checksum hashes every row's text in a stable order, so two databases
    with the same fingerprints hold the same data, table by table (the points
    ledger included once it exists: no table is named here). Without
    ``checksums`` only the row counts are taken (md5 is then ``""``).
    """
    cursor.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' "
        "ORDER BY table_name"
    )
    tables = [row[0] for row in cursor.fetchall()]
    prints = {}
    for table in tables:
        quoted = '"' + table.replace('"', '""') + '"'
        digest = (
            "coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '')"
            if checksums
            else "''"
        )
        cursor.execute(f"SELECT count(*), {digest} FROM {quoted} AS t")  # noqa: S608
        prints[table] = tuple(cursor.fetchone())
    return prints


def _row_counts(alias="default"):
    connection = connections[alias]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            prints = table_fingerprints(cursor, checksums=False)
            return {table: rows for table, (rows, _md5) in prints.items()}
        tables = connection.introspection.table_names(cursor)
        counts = {}
        for table in tables:
            cursor.execute(
                f"SELECT count(*) FROM {connection.ops.quote_name(table)}"  # noqa: S608
            )
            counts[table] = cursor.fetchone()[0]
        return counts


def create_backup(out_dir=None, alias="default"):
    """Write a backup tar into ``out_dir`` (default ``var/backups``); return it."""
    out_dir = Path(out_dir or settings.VAR_DIR / "backups")
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    target = out_dir / f"portal-{stamp}.tar"
    n = 1
    while target.exists():
        n += 1
        target = out_dir / f"portal-{stamp}-{n}.tar"
    db = _db(alias)
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="portal-backup-") as tmp:
        tmp = Path(tmp)
        if is_postgresql(alias):
            dump = tmp / DUMP_NAME
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    "--file",
                    str(dump),
                    *_pg_conn_args(db),
                ],
                db,
                "导出数据库",
            )
        else:
            dump = tmp / SQLITE_NAME
            source = sqlite3.connect(str(db["NAME"]))
            copy = sqlite3.connect(str(dump))
            with copy:
                source.backup(copy)
            source.close()
            copy.close()
        manifest = {
            "created_at": timezone.now().isoformat(),
            "engine": db["ENGINE"],
            "database": str(db["NAME"]),
            "tables": _row_counts(alias),
            "media_files": 0,
        }
        # Owner-only from the first byte: the archive holds personal data.
        old_umask = os.umask(0o077)
        try:
            with tarfile.open(target, "w") as tar:
                tar.add(dump, arcname=dump.name)
                if media_root.is_dir():
                    for path in sorted(media_root.rglob("*")):
                        if path.is_file() and not path.is_symlink():
                            rel = path.relative_to(media_root).as_posix()
                            tar.add(path, arcname=f"media/{rel}")
                            manifest["media_files"] += 1
                data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
                info = tarfile.TarInfo(MANIFEST_NAME)
                info.size = len(data)
                info.mtime = int(timezone.now().timestamp())
                tar.addfile(info, fileobj=_bytes_io(data))
        finally:
            os.umask(old_umask)
    return target


def _bytes_io(data):
    import io

    return io.BytesIO(data)


def read_manifest(path):
    with tarfile.open(path, "r") as tar:
        member = tar.getmember(MANIFEST_NAME)
        return json.loads(tar.extractfile(member).read().decode())


def restore_backup(path, *, into=None, media=True, alias="default"):
    """Restore a backup tar: the database (or ``into`` another one) and files.

    Returns the manifest. Refuses an archive that lacks the database dump.
    Member paths are checked by ``tarfile``'s ``data`` filter (no absolute
    paths, no ``..``, no links out of the target).
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"备份文件不存在：{path}")
    db = _db(alias)
    with tempfile.TemporaryDirectory(prefix="portal-restore-") as tmp:
        tmp = Path(tmp)
        try:
            with tarfile.open(path, "r") as tar:
                tar.extractall(tmp, filter="data")
        except (tarfile.TarError, OSError) as exc:
            raise BackupError(f"无法读取备份文件：{exc}") from exc
        if not (tmp / MANIFEST_NAME).is_file():
            raise BackupError("这不是门户的备份文件（缺少 manifest.json）。")
        manifest = json.loads((tmp / MANIFEST_NAME).read_text(encoding="utf-8"))
        if is_postgresql(alias):
            dump = tmp / DUMP_NAME
            if not dump.is_file():
                raise BackupError("备份中没有 PostgreSQL 数据库导出文件。")
            target = into or str(db["NAME"])
            if into:
                ensure_database(db, into)
            else:
                connections[alias].close()
            _run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    "--exit-on-error",
                    *_pg_conn_args(db, target),
                    str(dump),
                ],
                db,
                "恢复数据库",
            )
        else:
            dump = tmp / SQLITE_NAME
            if not dump.is_file():
                raise BackupError("备份中没有 SQLite 数据库文件。")
            connections[alias].close()
            target = Path(into) if into else Path(db["NAME"])
            shutil.copyfile(dump, target)
        if media and (tmp / "media").is_dir():
            shutil.copytree(tmp / "media", settings.MEDIA_ROOT, dirs_exist_ok=True)
    if not into:
        # The restored data generation (dashboard.stats_cache) may repeat one
        # that figures were cached at before: drop them.
        cache.clear()
    return manifest


def ensure_database(db, name):
    """Create the PostgreSQL database ``name`` when it does not exist."""
    from psycopg2 import sql

    conn = pg_admin_connection(db)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(
                    sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
                )
    finally:
        conn.close()


def drop_database(db, name):
    from psycopg2 import sql

    conn = pg_admin_connection(db)
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(name)
                )
            )
    finally:
        conn.close()
