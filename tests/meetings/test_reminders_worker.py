"""Meeting reminders with real workers on PostgreSQL and Redis (design.md "Jobs").

1. A broker outage delays reminders and loses none: rows made while the broker
   is unreachable (a dead port stands in for the outage; the machine's Redis is
   shared and stays up) are all sent once a worker and the broker are back.
2. Nothing is sent twice: two worker processes and a third sender in the test
   itself, fed many ``send_due_reminders`` tasks at once, deliver each row once.
"""

import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from kombu.exceptions import OperationalError

from meetings import services
from meetings.rotation import month_start
from portal.models import Channel, Notification, Reminder
from portal.notify import reminders_send_due
from portal.tasks import send_due_reminders
from tests import clock
from tests.meetings.conftest import in_days

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]

#: Nothing listens on port 1: publishing there is what an outage looks like.
DEAD_BROKER = "redis://127.0.0.1:1/3"
ROOT = Path(__file__).resolve().parents[2]

SENT = []
_lock = threading.Lock()


class RecordingWebhook:
    """Stand-in for the group robot (a true boundary): remember each post."""

    def send(self, *, url, text):
        with _lock:
            SENT.append(("webhook", url, text))


class RecordingSms:
    """Stand-in for the SMS gateway (a true boundary)."""

    def send(self, *, phone, text):
        with _lock:
            SENT.append(("sms", phone, text))


def wait_for(predicate, timeout=40):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return predicate()


def broker_url():
    if not settings.CELERY_BROKER_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must set CELERY_BROKER_URL: the broker is part of the test")
        pytest.skip("no CELERY_BROKER_URL: no broker to run a worker against")
    return settings.CELERY_BROKER_URL


@contextmanager
def broker_outage():
    """Yield a publish function that goes through the portal's app to a dead broker.

    The task is published exactly as beat would (the portal's app, its
    transport options and retry policy), only over a connection to a port where
    nothing listens. (The broker URL cannot simply be swapped in the app's
    settings: Celery reads ``CELERY_BROKER_URL`` from the environment first.)
    """
    from config.celery import app

    app.conf.task_always_eager = False
    try:
        with app.connection_for_write(DEAD_BROKER) as conn:
            yield lambda: send_due_reminders.apply_async(connection=conn)
    finally:
        app.conf.task_always_eager = True


@contextmanager
def running_worker():
    """Run a worker thread of the portal's app against the real broker."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    app.conf.task_always_eager = False
    app.conf.broker_url = broker_url()
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=10
        ):
            yield app
    finally:
        app.conf.task_always_eager = True


def pending_due():
    return Reminder.objects.filter(
        sent_at__isnull=True, cancelled_at__isnull=True, due_at__lte=timezone.now()
    )


def test_reminders_made_during_a_broker_outage_are_all_sent_when_it_returns(
    mworld, settings
):
    broker_url()
    settings.PORTAL_WEBHOOK_BACKEND = (
        "tests.meetings.test_reminders_worker.RecordingWebhook"
    )
    settings.PORTAL_SMS_BACKEND = "tests.meetings.test_reminders_worker.RecordingSms"
    SENT.clear()

    # given the broker is unreachable: beat's tick cannot be published, and
    # giving up is quick (a web request must not hang on it)
    with broker_outage() as publish:
        started = time.monotonic()
        with pytest.raises(OperationalError):
            publish()
        assert time.monotonic() - started < 10

    # when, during the outage, the office goes on working: a meeting is set for
    # tomorrow (chair and member reminders fall due at once), an item is agreed
    # that is due in two days, a post is mirrored to the committee's group
    soon = timezone.now() + timedelta(hours=20)
    month = month_start(timezone.localtime(soon).date())
    [meeting] = services.meeting_schedule_month(
        month=month, committees=[mworld.party_a]
    )
    meeting.chair = mworld.seat_a1
    meeting.save()
    services.meeting_update(
        user=mworld.secretary_a,
        meeting=meeting,
        held_at=soon,
        place_kind="room",
        place="党群服务中心会议室",
    )
    problem = services.problem_create(
        user=mworld.secretary_a, committee=mworld.party_a, title="路灯", meeting=meeting
    )
    services.action_item_create(
        user=mworld.secretary_a,
        problem=problem,
        unit=mworld.unit_a,
        title="修灯",
        due_on=in_days(2),
    )
    services.channel_post_create(
        user=mworld.secretary_a,
        committee=mworld.party_a,
        title="通知",
        body="明天开会",
        mirror=True,
    )
    due = list(pending_due())
    channels = {r.channel for r in due}
    assert len(due) >= 6 and {Channel.INBOX, Channel.SMS, Channel.WEBHOOK} <= channels
    # and beat keeps failing while the outage lasts; nothing is sent, nothing lost
    with broker_outage() as publish, pytest.raises(OperationalError):
        publish()
    assert not Reminder.objects.filter(sent_at__isnull=False).exists()

    # when the broker is back: a worker runs and beat's next tick goes through
    with running_worker():
        send_due_reminders.delay()
        assert wait_for(lambda: not pending_due().exists())

    # then every reminder made during the outage was sent, each exactly once
    ids = [r.pk for r in due]
    assert Reminder.objects.filter(pk__in=ids, sent_at__isnull=False).count() == len(
        due
    )
    inbox = [r for r in due if r.channel == Channel.INBOX]
    for r in inbox:
        assert (
            Notification.objects.filter(
                recipient_id=r.recipient_id, title=r.subject
            ).count()
            == 1
        )
    sms = [r for r in due if r.channel == Channel.SMS]
    hooks = [r for r in due if r.channel == Channel.WEBHOOK]
    assert sorted(x[1] for x in SENT if x[0] == "sms") == sorted(r.target for r in sms)
    assert [x[1] for x in SENT if x[0] == "webhook"] == [mworld.party_a.webhook_url]
    assert len(hooks) == 1


def _worker_process(name, log):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": "postgres://%s@%s:%s/%s"
        % (
            db["USER"] or "postgres",
            db["HOST"] or "127.0.0.1",
            db["PORT"] or 5432,
            db["NAME"],
        ),
        "CELERY_BROKER_URL": broker_url(),
        "PORTAL_LOG_LEVEL": "WARNING",
        "PORTAL_TEST_CLOCK_OFFSET": repr(clock.offset()),
    }
    return subprocess.Popen(  # noqa: S603 (our own worker, fixed arguments)
        [
            str(Path(sys.executable)),
            "-m",
            "tests.celery_on_clock",  # the worker runs on the test's clock
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
            "-n",
            "%s@%%h" % name,
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def test_two_workers_and_a_third_sender_send_each_reminder_once(mworld, tmp_path):
    broker_url()
    assert connection.vendor == "postgresql"
    # given 60 due reminders to several people
    now = timezone.now() - timedelta(seconds=1)
    people = [mworld.secretary_a, mworld.unit_head_a, mworld.street_staff]
    for i in range(60):
        Reminder.objects.create(
            key="meetings:test:twice:%s" % i,
            due_at=now,
            recipient=people[i % 3],
            subject="联席会议提醒 %02d" % i,
            kind="meetings.reminder",
        )
    from config.celery import app

    app.conf.broker_url = broker_url()
    app.conf.task_always_eager = False
    logs = [open(tmp_path / ("w%s.log" % i), "w") for i in (1, 2)]  # noqa: SIM115
    workers = [_worker_process("meet-w%s" % i, logs[i - 1]) for i in (1, 2)]
    try:
        # when both workers get a burst of ticks and the test sends as well
        for _ in range(12):
            send_due_reminders.delay()
        sent_here = reminders_send_due(limit=5)
        assert wait_for(
            lambda: (
                not Reminder.objects.filter(
                    key__startswith="meetings:test:twice:", sent_at__isnull=True
                ).exists()
            ),
            timeout=90,
        ), (tmp_path / "w1.log").read_text() + (tmp_path / "w2.log").read_text()
        # and a second round of ticks runs over rows already sent
        for _ in range(4):
            send_due_reminders.delay()
        time.sleep(3)
    finally:
        app.control.purge()  # our own broker database: leave no ticks behind
        app.conf.task_always_eager = True
        for w in workers:
            w.terminate()
        for w in workers:
            try:
                w.wait(timeout=20)
            except subprocess.TimeoutExpired:
                w.kill()
        for f in logs:
            f.close()
    # then each reminder reached its recipient exactly once
    assert sent_here <= 5
    for i in range(60):
        title = "联席会议提醒 %02d" % i
        assert Notification.objects.filter(title=title).count() == 1, title
    assert reminders_send_due() == 0
