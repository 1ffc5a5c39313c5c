"""Redis killed and restarted while a worker runs a task: the worker lives on.

The worker (prefork, as in the Procfile) runs a month's evaluation slowed down
to a few seconds; its Redis, one of this test's own, is killed -9 half-way and
started again empty. The worker must reconnect rather than exit, the month
must end computed (finished by the running task, or redone), and the worker
must take new work afterwards.
"""

import time

import pytest
from django.utils import timezone

from evaluations import services
from evaluations.models import EvaluationRun, RunStatus
from portal.models import Reminder
from portal.notify import reminder_schedule
from portal.tasks import enqueue, send_due_reminders
from tests.evaluations.conftest import MAY, more_units
from tests.integration import processes
from tests.integration.processes import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]


def test_a_worker_survives_redis_restarting_under_a_running_task(
    world, redis_server, tmp_path
):
    # given a street of 30 units computed in slow batches by a real worker
    more_units(world, 27)
    worker = processes.worker(
        broker=redis_server.url,
        log=tmp_path / "worker.log",
        env={"EVALUATION_BATCH_SIZE": "3", "EVALUATION_BATCH_DELAY_SECONDS": "0.5"},
    )
    try:
        with processes.publishing_to(redis_server.url):
            run = services.evaluation_run_start(
                user=world.street_admin, street=world.street, month=MAY
            )
            assert wait_for(
                lambda: EvaluationRun.objects.get(pk=run.pk).units_done >= 3, 30
            ), "the worker never started the run:\n" + worker.text()
            # when Redis dies under the running task and comes back empty
            redis_server.kill()
            time.sleep(2)
            redis_server.start()
            # then the month ends computed
            assert wait_for(
                lambda: EvaluationRun.objects.get(pk=run.pk).status == RunStatus.DONE,
                40,
            ), "the run did not finish:\n" + worker.text()
            # and the worker is still there and takes new work
            assert worker.alive, "the worker exited:\n" + worker.text()
            reminder = reminder_schedule(
                key="test:broker-restart",
                due_at=timezone.now(),
                recipient=world.secretary_a,
                subject="会议提醒",
                body="明天上午九点召开联席会议",
            )
            assert wait_for(lambda: enqueue(send_due_reminders) is not None, 20)
            assert wait_for(
                lambda: Reminder.objects.get(pk=reminder.pk).sent_at is not None, 30
            ), "the worker took no new work:\n" + worker.text()
    finally:
        worker.stop()
    assert "Unrecoverable error" not in worker.text()
