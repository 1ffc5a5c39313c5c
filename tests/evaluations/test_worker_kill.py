"""A real Celery worker process computes a month; killed (-9) half-way, the
month is evaluated again and the results equal those of a clean run."""

import os
import time
import uuid

import pytest
from django.conf import settings
from django.test import override_settings

from evaluations import services
from evaluations.models import Evaluation, EvaluationRun, RunStatus
from tests.evaluations.conftest import (
    MAY,
    in_service_members,
    more_units,
    results_snapshot,
    run_month,
)
from tests.integration import processes

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]


def wait_for(predicate, timeout=60, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


@pytest.fixture
def broker_queue():
    """Send the evaluation task to a queue of this test's own on the real broker."""
    from config.celery import app

    if not settings.CELERY_BROKER_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must set CELERY_BROKER_URL: the broker is part of the test")
        pytest.skip("no CELERY_BROKER_URL: no broker to run a worker against")
    processes.require_postgres()
    queue = f"evaluations-test-{uuid.uuid4().hex[:8]}"
    # conf.update (not attribute assignment) makes Celery rebuild its cached
    # router, which an earlier test may have built without these routes.
    app.conf.update(
        task_always_eager=False,
        broker_url=settings.CELERY_BROKER_URL,
        task_routes={"evaluations.run_evaluation": {"queue": queue}},
    )
    try:
        yield queue
    finally:
        app.conf.update(task_routes=None, task_always_eager=True)


class Worker(processes.Celery):
    """``celery -A config worker`` in its own process group, on the test DB
    and the test's clock (``tests/celery_on_clock.py``)."""

    def __init__(self, queue, log):
        super().__init__(
            "worker",
            broker=settings.CELERY_BROKER_URL,
            log=log,
            # Small, slow batches so the kill lands half-way.
            env={"EVALUATION_BATCH_SIZE": "3", "EVALUATION_BATCH_DELAY_SECONDS": "0.4"},
            args=[
                "--pool",
                "solo",
                "--loglevel",
                "WARNING",
                "-Q",
                queue,
                "--hostname",
                f"{queue}-{uuid.uuid4().hex[:4]}@%h",
            ],
        )


def test_a_run_killed_mid_way_is_rerun_to_the_same_results(
    world, committees, broker_queue, tmp_path
):
    # given a street of 30 units (10 batches of 3) with some facts
    more_units(world, 27)
    in_service_members(world, world.unit_a, 5)
    in_service_members(world, world.unit_b, 2)
    first = Worker(broker_queue, tmp_path / "first.log")
    try:
        # when a run is started and its worker is killed -9 half-way
        run = services.evaluation_run_start(
            user=world.street_admin, street=world.street, month=MAY
        )
        assert wait_for(lambda: EvaluationRun.objects.get(pk=run.pk).units_done >= 6), (
            "the worker never got going"
        )
        first.kill()
    finally:
        first.stop()
    killed = EvaluationRun.objects.get(pk=run.pk)
    # then the run stopped part-way, with whole batches written
    assert killed.status == RunStatus.RUNNING
    assert 6 <= killed.units_done < killed.units_total == 30
    partial = Evaluation.objects.filter(month=MAY).count()
    assert partial == killed.units_done

    # when the admin runs the month again once the dead run has gone silent
    second = Worker(broker_queue, tmp_path / "second.log")
    try:
        time.sleep(1.5)
        with override_settings(EVALUATION_RUN_STALE_SECONDS=1):
            rerun = services.evaluation_run_start(
                user=world.street_admin, street=world.street, month=MAY
            )
        assert wait_for(
            lambda: EvaluationRun.objects.get(pk=rerun.pk).status == RunStatus.DONE,
            timeout=90,
        ), "the rerun did not finish"
    finally:
        second.stop()
    killed.refresh_from_db()
    assert killed.status == RunStatus.ABANDONED
    rerun.refresh_from_db()
    assert (rerun.units_done, rerun.committees_done) == (30, 3)
    after_rerun = results_snapshot(MAY)
    assert len(after_rerun) == 33

    # then a clean run from nothing gives exactly the same results
    Evaluation.objects.filter(month=MAY).delete()
    run_month(world.street, MAY, world.street_admin)
    assert results_snapshot(MAY) == after_rerun
