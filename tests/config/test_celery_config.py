"""Every task and every periodic schedule can be sent with the real settings.

Celery refuses to send a task whose soft time limit exceeds its hard one
(``ValueError: soft_time_limit must be less than or equal to time_limit``;
beat logs it as a ``SchedulingError`` and never runs the task). A task's
limits are its own options, else the global ``CELERY_TASK_*`` settings: a
task with a short ``time_limit`` of its own and no ``soft_time_limit``
inherits the global soft limit of 25 minutes and can never be sent.
"""

import pytest
from django.conf import settings
from kombu.exceptions import OperationalError

from config.celery import app
from portal.schedules import SCHEDULES
from tests.portal.test_faults import broker_down  # noqa: F401 (fixture)


def _our_tasks():
    """Every task the portal's apps register (Celery's own are ``celery.*``)."""
    app.loader.import_default_modules()
    return sorted(name for name in app.tasks if not name.startswith("celery."))


SCHEDULE_NAMES = sorted(SCHEDULES)
SCHEDULE_TASKS = [SCHEDULES[name][0] for name in SCHEDULE_NAMES]


def _effective_limits(task):
    """(hard, soft) as Celery sends them: the task's own option, else the setting."""
    own = type(task).__dict__
    hard = own.get("time_limit")
    soft = own.get("soft_time_limit")
    if hard is None:
        hard = settings.CELERY_TASK_TIME_LIMIT
    if soft is None:
        soft = settings.CELERY_TASK_SOFT_TIME_LIMIT
    return hard, soft


def test_the_tasks_of_every_app_are_registered():
    names = _our_tasks()
    assert "evaluations.run_evaluation" in names
    assert "meetings.sync_reminders" in names
    assert len(names) >= 12


@pytest.mark.parametrize("name", _our_tasks())
def test_a_task_soft_limit_is_below_its_hard_limit(name):
    task = app.tasks[name]
    hard, soft = _effective_limits(task)
    assert soft < hard, f"{name}: soft {soft}s ≥ hard {hard}s"
    # and Celery's own binding of the task agrees
    assert (task.time_limit, task.soft_time_limit) == (hard, soft)


@pytest.mark.parametrize("name", SCHEDULE_NAMES, ids=SCHEDULE_TASKS)
def test_a_periodic_schedule_names_a_task_that_can_be_sent(name):
    task_name = SCHEDULES[name][0]
    assert task_name in app.tasks, f"{name}: no task {task_name}"
    hard, soft = _effective_limits(app.tasks[task_name])
    assert soft < hard


@pytest.mark.parametrize("name", SCHEDULE_NAMES, ids=SCHEDULE_TASKS)
def test_sending_a_periodic_task_fails_only_for_want_of_a_broker(
    db,
    broker_down,  # noqa: F811
    name,
):
    # given Redis down, when beat's send of the task is attempted
    # then what stops it is the broker, never Celery's limits check
    with pytest.raises(OperationalError):
        app.tasks[SCHEDULES[name][0]].apply_async()


def test_redis_redelivers_an_unacknowledged_message_only_after_the_longest_task():
    longest = max(_effective_limits(app.tasks[name])[0] for name in _our_tasks())
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert options["visibility_timeout"] > longest


def test_the_worker_survives_a_broker_outage_by_configuration():
    # no message held unacknowledged (kombu 5.7.0 dies restoring them on a
    # lost connection), and reconnect for as long as the outage lasts
    assert app.conf.task_acks_late is False
    assert app.conf.worker_disable_prefetch is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.broker_connection_retry is True
    assert app.conf.broker_connection_max_retries is None
    assert not any(app.tasks[name].acks_late for name in _our_tasks())
