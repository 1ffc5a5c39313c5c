"""A real Celery worker, through the real Redis broker, writing to the database."""

import time

import pytest
from django.utils import timezone

from portal.models import Notification, Reminder
from portal.notify import reminder_schedule
from portal.tasks import send_due_reminders

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]


def wait_for(predicate, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_worker_sends_a_due_reminder_into_the_inbox(world, celery_worker_app):
    # given a reminder that is due now
    reminder = reminder_schedule(
        key="test:worker:1",
        due_at=timezone.now(),
        recipient=world.secretary_a,
        subject="会议提醒",
        body="明天上午九点召开联席会议",
    )
    # when the task goes through the broker to the worker
    send_due_reminders.delay()
    # then the worker has written the inbox row and marked the reminder sent
    assert wait_for(lambda: Reminder.objects.get(pk=reminder.pk).sent_at is not None)
    assert (
        Notification.objects.filter(
            recipient=world.secretary_a, title="会议提醒"
        ).count()
        == 1
    )
