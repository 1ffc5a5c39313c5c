"""Backups: a restore drill on PostgreSQL, and a broken archive refused."""

import tarfile

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from portal.backup import (
    drop_database,
    pg_connection,
    read_manifest,
    table_fingerprints,
)
from portal.notify import notify, reminder_schedule

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scratch_db():
    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_drill"
    drop_database(db, name)
    yield name
    drop_database(db, name)


def test_restore_drill_gives_back_every_row_and_every_file(
    world, scratch_db, tmp_path, settings
):
    # given a database with data in many tables and an uploaded file
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "minutes").mkdir(parents=True)
    upload = settings.MEDIA_ROOT / "minutes" / "2024-05-纪要.pdf"
    upload.write_bytes(b"%PDF-1.4 minutes of the joint meeting")
    notify(recipients=[world.secretary_a], title="通知", body="正文")
    reminder_schedule(key="drill", due_at=timezone.now(), subject="提醒")
    # when it is backed up (make backup)
    call_command("backup", output_dir=str(tmp_path / "backups"), verbosity=0)
    (archive,) = (tmp_path / "backups").glob("portal-*.tar")
    manifest = read_manifest(archive)
    assert manifest["media_files"] == 1
    # and restored into a scratch database, files into an empty media folder
    upload.unlink()
    call_command("restore", str(archive), into=scratch_db, verbosity=0)
    # then every table has the same rows, checksummed row by row
    with connection.cursor() as cursor:
        source = table_fingerprints(cursor)
    restored_conn = pg_connection(settings.DATABASES["default"], scratch_db)
    try:
        with restored_conn.cursor() as cursor:
            restored = table_fingerprints(cursor)
    finally:
        restored_conn.close()
    assert set(restored) == set(source)
    assert restored == source
    # (the drill is not vacuous: the portal's tables hold rows)
    for table in ("portal_user", "portal_roleassignment", "orgs_orgnode"):
        assert source[table][0] > 0, table
    assert manifest["tables"]["portal_user"] == source["portal_user"][0]
    # and the uploaded file is back
    assert upload.read_bytes() == b"%PDF-1.4 minutes of the joint meeting"


def test_a_file_that_is_not_a_backup_is_refused(tmp_path):
    bogus = tmp_path / "bogus.tar"
    with tarfile.open(bogus, "w") as tar:
        note = tmp_path / "note.txt"
        note.write_text("hello")
        tar.add(note, arcname="note.txt")
    with pytest.raises(CommandError):
        call_command("restore", str(bogus), noinput=True, verbosity=0)
    with pytest.raises(CommandError):
        call_command("restore", str(tmp_path / "missing.tar"), noinput=True)


def test_backups_are_readable_by_their_owner_only(world, tmp_path):
    call_command("backup", output_dir=str(tmp_path), verbosity=0)
    (archive,) = tmp_path.glob("portal-*.tar")
    assert archive.stat().st_mode & 0o077 == 0
