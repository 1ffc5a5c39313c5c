"""One dataset for the whole security module, built once and rolled back.

``matrix_data`` builds ``tests/security/data.py`` inside a transaction that
stays open for the module; every test runs in a savepoint of it (the ``db``
fixture), so a request that writes is undone before the next cell.
"""

import shutil
import tempfile

import pytest
from django.db import transaction
from django.test import override_settings


@pytest.fixture(scope="module")
def matrix_data(django_db_setup, django_db_blocker):
    from tests.security.data import build

    media = tempfile.mkdtemp(prefix="matrix-media-")
    with (
        override_settings(MEDIA_ROOT=media),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        data = build()
        data.media_root = media
        data.sessions = _sessions(data)
        yield data
        transaction.set_rollback(True)
    shutil.rmtree(media, ignore_errors=True)


def _sessions(data):
    """A signed-in session per persona, made inside the module's transaction
    (a session made inside one test would be rolled back with it)."""
    from tests.conftest import login
    from tests.security.harness import USERS

    return {
        persona: login(getattr(data.world, username)).cookies["sessionid"].value
        for persona, username in USERS.items()
    }
