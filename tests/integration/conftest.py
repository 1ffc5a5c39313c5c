import os

import pytest
from django.conf import settings


@pytest.fixture
def celery_worker_app():
    """Return the Celery app wired to the real broker, with a worker running."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    if not settings.CELERY_BROKER_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must set CELERY_BROKER_URL: the broker is part of the test")
        pytest.skip("no CELERY_BROKER_URL: no broker to run a worker against")
    app.conf.task_always_eager = False
    app.conf.broker_url = settings.CELERY_BROKER_URL
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=10
        ):
            yield app
    finally:
        app.conf.task_always_eager = True


@pytest.fixture
def redis_server(tmp_path):
    """A Redis of the test's own (to kill and restart), for worker processes."""
    from tests.integration import processes

    processes.require_postgres()
    server = processes.RedisServer(tmp_path).start()
    yield server
    server.stop()
