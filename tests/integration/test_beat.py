"""Beat and a worker, both real, on Redis: every periodic task runs.

``celery beat`` with django-celery-beat's DatabaseScheduler reads the
schedules ``portal/schedules.py`` keeps in the database, all made due; a
worker (prefork, as in the Procfile) runs what beat sends. Each periodic task
must reach the worker and succeed: a schedule beat cannot send (Celery's
``SchedulingError``) or a task that fails shows up as missing here.

django-celery-beat loads a crontab schedule only within two hours of its hour
(a nightly job is not even read at ten in the morning), so beat runs at the
hours that cover every crontab of the file, each time on a clock of its own
at that hour of the test's day; the worker stays on the test's clock.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask, PeriodicTasks

from evaluations.models import EvaluationRun, RunStatus, RunTrigger
from portal.models import Reminder
from portal.notify import reminder_schedule
from portal.schedules import SCHEDULES, ensure_schedules
from tests.integration import processes
from tests.integration.processes import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]

#: How far from its hour django-celery-beat still loads a crontab schedule.
WINDOW = 2


def _beat_hours():
    """Hours at which beat, together, loads every schedule: hour → tasks."""
    crontabs = {
        task: int(spec["hour"])
        for task, (kind, spec) in SCHEDULES.values()
        if kind == "crontab"
    }
    intervals = {task for task, (kind, _s) in SCHEDULES.values() if kind != "crontab"}
    hours = {}
    for task, hour in sorted(crontabs.items(), key=lambda item: item[1]):
        near = [b for b in hours if abs(b - hour) <= WINDOW]
        hours.setdefault(near[0] if near else min(hour + WINDOW, 23), set()).add(task)
    return {hour: tasks | intervals for hour, tasks in hours.items()}


def _ran(log):
    """Task name → the states of its runs, from the worker's task log."""
    runs = {}
    if log.exists():
        for line in log.read_text(encoding="utf-8").splitlines():
            name, _, state = line.partition(" ")
            runs.setdefault(name, []).append(state)
    return runs


def test_beat_sends_every_periodic_task_and_the_worker_runs_it(
    world, redis_server, tmp_path
):
    # given every schedule of portal/schedules.py due (last run long ago)
    ensure_schedules()
    PeriodicTask.objects.filter(name__in=SCHEDULES).update(
        last_run_at=timezone.now() - timedelta(days=400), start_time=None
    )
    PeriodicTasks.update_changed()
    reminder = reminder_schedule(
        key="test:beat",
        due_at=timezone.now(),
        recipient=world.secretary_a,
        subject="会议提醒",
    )
    log = tmp_path / "tasks.log"
    worker = processes.worker(
        broker=redis_server.url,
        log=tmp_path / "worker.log",
        env={"PORTAL_TEST_TASK_LOG": str(log)},
    )
    beats = []
    try:
        # when beat runs at each hour its crontabs need, until they have run
        for hour, tasks in sorted(_beat_hours().items()):
            beat = processes.Celery(
                "beat",
                broker=redis_server.url,
                log=tmp_path / f"beat-{hour}.log",
                args=["--loglevel", "INFO", "--pidfile", str(tmp_path / "beat.pid")],
                at=timezone.localtime().replace(hour=hour, minute=0),
            )
            beats.append(beat)
            try:
                ran = wait_for(lambda tasks=tasks: tasks <= set(_ran(log)), 30)
            finally:
                beat.stop()
            assert ran, (
                f"at {hour}:00 never ran: {sorted(tasks - set(_ran(log)))}\n"
                + beat.text()[-3000:]
                + worker.text()[-3000:]
            )
        # (last month's evaluation, started by its schedule, is a task too)
        assert wait_for(lambda: "evaluations.run_evaluation" in _ran(log), 20)
    finally:
        worker.stop()
    # then every periodic task ran, and succeeded every time
    runs = _ran(log)
    expected = {task for task, _schedule in SCHEDULES.values()}
    assert expected <= set(runs)
    assert {name: set(states) for name, states in runs.items()} == dict.fromkeys(
        runs, {"SUCCESS"}
    )
    assert not any("SchedulingError" in beat.text() for beat in beats)
    # and their effects are there: the reminder went out, last month was computed
    assert Reminder.objects.get(pk=reminder.pk).sent_at is not None
    last_month = EvaluationRun.objects.get(
        street=world.street, trigger=RunTrigger.SCHEDULE
    )
    assert last_month.status == RunStatus.DONE
