"""The run watchdog: runs whose task was never sent, whose message was lost or
whose worker died are picked up again by a periodic task, once; silent again,
they are abandoned with a message the run page shows."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from evaluations import services
from evaluations.models import Evaluation, EvaluationRun, RunStatus
from evaluations.tasks import watch_runs
from tests import clock
from tests.conftest import login
from tests.evaluations.conftest import MAY, more_units, results_snapshot, run_month
from tests.portal.test_faults import broker_down  # noqa: F401 (fixture)

pytestmark = pytest.mark.dates

SILENT = timedelta(seconds=settings.EVALUATION_RUN_STALE_SECONDS + 60)


def _later(delta):
    return clock.travel(timezone.localtime() + delta)


def _sent_run(world):
    """A run whose task the broker took, and that no worker ever ran."""
    run = services.evaluation_run_start(
        user=world.street_admin, street=world.street, month=MAY, enqueue=False
    )
    assert run.queued_at is not None
    return run


def _unsent_run(world):
    """A run recorded while the broker was down: its task was never sent."""
    run = services.evaluation_run_start(
        user=world.street_admin, street=world.street, month=MAY, enqueue=False
    )
    EvaluationRun.objects.filter(pk=run.pk).update(queued_at=None)
    run.refresh_from_db()
    return run


def test_a_silent_run_is_requeued_once_then_abandoned_with_a_message(
    world, django_capture_on_commit_callbacks
):
    # given a run sent to the queue whose message never reached a worker
    run = _sent_run(world)
    # when the watchdog runs after the run has been silent too long
    with _later(SILENT), django_capture_on_commit_callbacks() as sends:
        summary = watch_runs()
    # then it is sent again, once, from the start
    assert summary == {"sent": 0, "requeued": 1, "abandoned": 0}
    assert len(sends) == 1
    run.refresh_from_db()
    assert (run.status, run.requeues, run.queued_at) == (RunStatus.PENDING, 1, None)
    # when that message is lost too (taken by the broker, never run)
    EvaluationRun.objects.filter(pk=run.pk).update(queued_at=timezone.now())
    with _later(SILENT * 2), django_capture_on_commit_callbacks() as sends:
        summary = watch_runs()
    # then the run is abandoned, with a message, and nothing is sent
    assert summary == {"sent": 0, "requeued": 0, "abandoned": 1}
    assert sends == []
    run.refresh_from_db()
    assert run.status == RunStatus.ABANDONED and run.finished_at
    assert "重新排队后执行进程仍然没有响应" in run.error
    # and the run page says so
    page = login(world.street_admin).get(f"/evaluations/?run={run.pk}")
    assert "重新排队后执行进程仍然没有响应" in page.content.decode()
    # and the month can be started again
    assert services.evaluation_run_start(
        user=world.street_admin, street=world.street, month=MAY, enqueue=False
    )


def test_a_run_that_keeps_its_heartbeat_is_left_alone(
    world, django_capture_on_commit_callbacks
):
    # given a run whose worker wrote a batch a moment ago
    run = _sent_run(world)
    EvaluationRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    with _later(SILENT):
        EvaluationRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())
        # when the watchdog runs
        with django_capture_on_commit_callbacks() as sends:
            summary = watch_runs()
    # then nothing happens to it
    assert summary == {"sent": 0, "requeued": 0, "abandoned": 0} and sends == []
    run.refresh_from_db()
    assert (run.status, run.requeues) == (RunStatus.RUNNING, 0)


def test_a_run_whose_worker_died_half_way_is_redone_to_the_clean_results(
    world, committees, django_capture_on_commit_callbacks
):
    # given the clean results of a month
    more_units(world, 7)
    run_month(world.street, MAY, world.street_admin)
    clean = results_snapshot(MAY)
    Evaluation.objects.filter(month=MAY).delete()
    # and a rerun whose worker died half-way (51%, its message unacknowledged)
    run = _sent_run(world)
    EvaluationRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, token="dead", units_total=10, units_done=5
    )
    # when the watchdog finds it silent (the job runs in-process on commit here)
    with _later(SILENT), django_capture_on_commit_callbacks(execute=True):
        summary = watch_runs()
    # then it was requeued and computed again from the start
    assert summary["requeued"] == 1
    run.refresh_from_db()
    assert (run.status, run.requeues, run.units_done) == (RunStatus.DONE, 1, 10)
    assert run.queued_at is not None
    assert results_snapshot(MAY) == clean


def test_a_run_started_while_the_broker_is_down_is_shown_queued_not_started(
    world,
    broker_down,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    # given Redis down when the admin presses the button
    admin = login(world.street_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post("/evaluations/runs/start/", {"month": "2024-05"})
    # then the run is recorded, waiting for the queue, not started
    run = EvaluationRun.objects.get()
    assert (run.status, run.queued_at) == (RunStatus.PENDING, None)
    page = admin.get(response["Location"]).content.decode()
    assert "已发起" not in page
    assert "任务队列暂时不可用，评议尚未开始" in page
    assert 'data-testid="run-waiting" hidden' not in page
    status = admin.get(f"/evaluations/runs/{run.pk}/status/").json()
    assert status["waiting_for_queue"] is True and status["finished"] is False
    # and a second start replaces it instead of being refused
    with django_capture_on_commit_callbacks(execute=True):
        admin.post("/evaluations/runs/start/", {"month": "2024-05"})
    run.refresh_from_db()
    assert run.status == RunStatus.ABANDONED
    assert "未能送入队列" in run.error
    assert EvaluationRun.objects.filter(status=RunStatus.PENDING).count() == 1


def test_the_watchdog_sends_a_run_the_broker_missed_once_it_is_back(
    world, committees, django_capture_on_commit_callbacks
):
    # given a run recorded while the broker was down (its task never sent)
    run = _unsent_run(world)
    assert run.waiting_for_queue
    # when the broker is back and the watchdog runs (in-process here)
    summary = watch_runs()
    # then the run is sent, and computed
    assert summary == {"sent": 1, "requeued": 0, "abandoned": 0}
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.queued_at is not None
    assert run.requeues == 0


@pytest.mark.django_db(transaction=True)
def test_the_start_message_says_started_only_when_the_broker_took_the_task(world):
    # given the broker up (in-process), when the admin starts a month
    admin = login(world.street_admin)
    response = admin.post("/evaluations/runs/start/", {"month": "2024-05"}, follow=True)
    # then the page says it started
    page = response.content.decode()
    assert "已发起 2024-05 的评议" in page
    assert 'data-testid="run-waiting" hidden' in page
