"""Redis down, then back: reminders filed meanwhile go out once, via a real worker."""

import time

import pytest
from django.conf import settings

from config.celery import app as celery_app
from portal.models import Notification, Reminder
from portal.tasks import enqueue, send_due_reminders
from tests.conftest import login

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]

DEAD_BROKER = "redis://127.0.0.1:6390/0"


def wait_for(predicate, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _use_broker(url, eager):
    celery_app.conf.update(
        broker_url=url, broker_write_url=url, task_always_eager=eager
    )
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.mark.urls("tests.portal.urls_faults")
def test_reminders_filed_while_redis_is_down_are_sent_once_after_it_returns(world):
    if not settings.CELERY_BROKER_URL:
        pytest.skip("no CELERY_BROKER_URL")
    # given Redis unreachable while a page files a reminder
    _use_broker(DEAD_BROKER, eager=False)
    try:
        response = login(world.secretary_a).get("/test/remind-me/")
    finally:
        _use_broker(settings.CELERY_BROKER_URL, eager=True)
    assert response.status_code == 200 and response.json()["queued"] is False
    reminder_id = response.json()["reminder"]
    assert Reminder.objects.get(pk=reminder_id).sent_at is None
    # when Redis is back and a worker runs the periodic task (twice, as beat)
    from celery.contrib.testing.worker import start_worker

    celery_app.conf.task_always_eager = False
    try:
        with start_worker(
            celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10
        ):
            assert enqueue(send_due_reminders) is not None
            assert enqueue(send_due_reminders) is not None
            assert wait_for(
                lambda: Reminder.objects.get(pk=reminder_id).sent_at is not None
            )
            time.sleep(1)  # let the second run finish
    finally:
        celery_app.conf.task_always_eager = True
    # then the reminder went out exactly once
    assert Notification.objects.filter(recipient=world.secretary_a).count() == 1
