"""Faults: the broker unreachable, the database connection dropped."""

import logging
import time

import psycopg2
import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import RequestFactory

from config.celery import app as celery_app
from portal.models import Notification, Reminder
from portal.tasks import enqueue, send_due_reminders
from tests.conftest import login

#: Nothing listens here: a Redis that is down (the machine's Redis is shared
#: with other suites and must not be stopped).
DEAD_BROKER = "redis://127.0.0.1:6390/0"


def _reset_broker_connections():
    # Celery caches its connection and producer pools on the app; forget them
    # so the next publish builds them from the broker URL now configured.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


KEYS = ("broker_url", "broker_write_url", "task_always_eager")


@pytest.fixture
def broker_down():
    """Publish through a broker that does not answer (not eager)."""
    saved = {key: celery_app.conf[key] for key in KEYS}
    celery_app.conf.update(
        broker_url=DEAD_BROKER, broker_write_url=DEAD_BROKER, task_always_eager=False
    )
    _reset_broker_connections()
    try:
        yield
    finally:
        celery_app.conf.update(saved)
        _reset_broker_connections()


def test_enqueue_gives_up_fast_and_logs_when_the_broker_is_down(
    db, broker_down, caplog
):
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="portal.tasks"):
        result = enqueue(send_due_reminders)
    assert result is None
    assert time.monotonic() - started < 15  # gives up, does not hang
    assert "broker unreachable" in caplog.text


@pytest.mark.urls("tests.portal.urls_faults")
def test_a_request_that_enqueues_still_answers_when_the_broker_is_down(
    world, broker_down
):
    # given Redis down, when a page files a reminder and enqueues its sending
    client = login(world.secretary_a)
    started = time.monotonic()
    response = client.get("/test/remind-me/")
    # then the page answers at once, the reminder row is kept
    assert response.status_code == 200
    assert time.monotonic() - started < 15  # gives up, does not hang
    assert response.json()["queued"] is False
    reminder = Reminder.objects.get(pk=response.json()["reminder"])
    assert reminder.sent_at is None
    # and pages and the API keep answering meanwhile
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/stats/").status_code == 200
    assert login(world.street_admin).get("/").status_code == 200


@pytest.mark.urls("tests.portal.urls_faults")
def test_reminders_filed_during_the_outage_are_sent_once_when_it_is_back(
    world, broker_down
):
    # given a reminder filed while Redis was down
    response = login(world.secretary_a).get("/test/remind-me/")
    assert response.json()["queued"] is False
    reminder = Reminder.objects.get(pk=response.json()["reminder"])
    assert not Notification.objects.filter(recipient=world.secretary_a).exists()
    # and the broker back (tasks in-process here; the real-worker variant is
    # tests/integration)
    celery_app.conf.task_always_eager = True
    # when the periodic task runs again (twice, as beat would)
    send_due_reminders.delay()
    send_due_reminders.delay()
    # then the reminder went out exactly once
    reminder.refresh_from_db()
    assert reminder.sent_at is not None
    assert Notification.objects.filter(recipient=world.secretary_a).count() == 1


def test_enqueue_runs_the_task_in_process_without_a_broker(world):
    from django.utils import timezone

    from portal.notify import reminder_schedule

    reminder_schedule(
        key="test:eager",
        due_at=timezone.now(),
        recipient=world.unit_head_a,
        subject="x",
    )
    enqueue(send_due_reminders)
    assert Notification.objects.filter(recipient=world.unit_head_a).count() == 1


def _wsgi_get(path):
    """Serve one request the way gunicorn does (request signals included)."""
    environ = RequestFactory().get(path).environ
    statuses = []
    body = WSGIHandler()(environ, lambda status, headers: statuses.append(status))
    content = b"".join(body)
    body.close()
    return int(statuses[0].split()[0]), content


@pytest.mark.django_db(transaction=True)
def test_the_next_request_recovers_after_the_database_connection_drops():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"]
    # given a persistent connection that served a request
    assert _wsgi_get("/healthz/")[0] == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        old_pid = cursor.fetchone()[0]
    # when PostgreSQL drops it (killed from another connection)
    db = settings.DATABASES["default"]
    admin = psycopg2.connect(
        dbname=db["NAME"],
        user=db["USER"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        password=db["PASSWORD"] or None,
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [old_pid])
        assert cursor.fetchone()[0] is True
    admin.close()
    # then the next request checks the connection, reconnects and answers
    status, content = _wsgi_get("/healthz/")
    assert status == 200, content[:500]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != old_pid
