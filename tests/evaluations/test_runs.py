"""Monthly runs: every unit and committee graded, reruns identical, the run
record's progress, the refusal rules, the command and the schedule."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from evaluations import services
from evaluations.models import (
    Evaluation,
    EvaluationRun,
    Grade,
    RunStatus,
    RunTrigger,
    SubjectKind,
)
from evaluations.services import runs
from tests.evaluations.conftest import (
    JUNE,
    MAY,
    in_service_members,
    more_units,
    publish_month,
    results_snapshot,
    run_month,
)


def test_a_run_grades_every_unit_and_committee_of_the_street(world, committees):
    # given a street with three units and three committees
    in_service_members(world, world.unit_a, 4)
    # when May is evaluated
    run = run_month(world.street, MAY, world.street_admin)
    # then the run is done, its progress complete and timed
    assert run.status == RunStatus.DONE
    assert (run.units_done, run.units_total) == (3, 3)
    assert (run.committees_done, run.committees_total) == (3, 3)
    assert run.percent == 100
    assert run.started_at and run.finished_at and run.duration_seconds is not None
    # and every unit and committee has metrics, a score and a grade
    rows = Evaluation.objects.filter(month=MAY)
    assert rows.filter(kind=SubjectKind.UNIT).count() == 3
    assert rows.filter(kind=SubjectKind.COMMITTEE).count() == 3
    assert all(row.grade in Grade.values for row in rows)
    unit_a = rows.get(unit=world.unit_a)
    assert unit_a.metrics["members_in_service"] == 4
    assert unit_a.community_id == world.a.pk
    assert rows.get(committee=committees.big).community_id is None


def test_running_a_month_again_gives_identical_results(world, committees):
    # given May evaluated once
    in_service_members(world, world.unit_a, 3)
    run_month(world.street, MAY, world.street_admin)
    first = results_snapshot(MAY)
    # when it is evaluated again
    second_run = run_month(world.street, MAY, world.street_admin)
    # then the rows are the same (one per unit/committee, same figures)
    assert results_snapshot(MAY) == first
    assert Evaluation.objects.filter(month=MAY).count() == 6
    assert set(Evaluation.objects.values_list("run_id", flat=True)) == {second_run.pk}


def test_an_admins_override_survives_a_rerun(world, committees):
    # given May evaluated and unit A's grade overridden by the admin
    run_month(world.street, MAY, world.street_admin)
    row = Evaluation.objects.get(month=MAY, unit=world.unit_a)
    other = next(g for g in Grade.values if g != row.computed_grade)
    services.evaluation_override(
        user=world.street_admin, evaluation=row, grade=other, reason="走访核实情况"
    )
    # when May is evaluated again
    run_month(world.street, MAY, world.street_admin)
    # then the override stands, beside the grade the month computes
    row.refresh_from_db()
    assert (row.grade, row.overridden) == (other, True)
    assert row.computed_grade != other


def test_an_override_the_month_now_computes_is_no_longer_one(world, committees):
    # given an override to the grade the data now earns (an earlier run had
    # computed another one)
    run_month(world.street, MAY, world.street_admin)
    row = Evaluation.objects.get(month=MAY, unit=world.unit_a)
    earned = row.computed_grade
    other = next(g for g in Grade.values if g != earned)
    Evaluation.objects.filter(pk=row.pk).update(
        computed_grade=other, grade=earned, overridden=True
    )
    # when May is evaluated again
    run_month(world.street, MAY, world.street_admin)
    # then the grade is simply the computed one
    row.refresh_from_db()
    assert (row.grade, row.computed_grade, row.overridden) == (earned, earned, False)


def test_small_batches_advance_progress_and_give_the_same_results(world, committees):
    # given twelve units
    more_units(world, 9)
    run_month(world.street, MAY, world.street_admin)
    reference = results_snapshot(MAY)
    # when the month is evaluated in batches of 2
    with override_settings(EVALUATION_BATCH_SIZE=2):
        run = run_month(world.street, MAY, world.street_admin)
    # then every batch counted and the results are unchanged
    assert (run.units_done, run.units_total) == (12, 12)
    assert (run.committees_done, run.committees_total) == (3, 3)
    assert run.status == RunStatus.DONE
    assert results_snapshot(MAY) == reference


def test_a_runs_queries_do_not_grow_with_the_streets_units(world, committees):
    # given the queries of a month run over three units
    def queries():
        run = services.evaluation_run_start(
            user=world.street_admin, street=world.street, month=MAY, enqueue=False
        )
        with CaptureQueriesContext(connection) as captured:
            services.evaluation_run_execute(run_id=run.pk)
        return len(captured)

    three = queries()
    # when the street has twelve units with in-service members
    more_units(world, 9)
    in_service_members(world, world.unit_a, 2)
    # then a run sends the same number of queries
    assert queries() == three
    assert Evaluation.objects.filter(month=MAY, kind=SubjectKind.UNIT).count() == 12


def test_a_published_month_refuses_a_rerun_and_an_override(world, committees):
    # given a published May
    publish_month(world, MAY)
    evaluation = Evaluation.objects.get(month=MAY, unit=world.unit_a)
    # when the admin tries to run it again or to change a grade
    with pytest.raises(ValidationError, match="已发布"):
        services.evaluation_run_start(
            user=world.street_admin, street=world.street, month=MAY
        )
    with pytest.raises(ValidationError, match="已发布"):
        services.evaluation_override(
            user=world.street_admin,
            evaluation=evaluation,
            grade=Grade.EXCELLENT,
            reason="补充材料后复核",
        )
    # then nothing changed
    evaluation.refresh_from_db()
    assert evaluation.overridden is False
    assert EvaluationRun.objects.filter(month=MAY).count() == 1


def test_a_street_with_nothing_to_evaluate_finishes_its_run(db):
    # given a street without units or committees yet
    from orgs.models import OrgKind
    from orgs.services import org_node_create

    street = org_node_create(kind=OrgKind.STREET, name="新建街道", code="N")
    # when a month is evaluated
    run = run_month(street, MAY)
    # then the run is done, with nothing counted and nothing written
    assert run.status == RunStatus.DONE and run.finished_at is not None
    assert (run.units_total, run.committees_total, run.percent) == (0, 0, 100)
    assert not Evaluation.objects.filter(street=street).exists()


def test_a_month_not_yet_over_cannot_be_evaluated(world):
    this_month = timezone.localdate().replace(day=1)
    with pytest.raises(ValidationError, match="尚未结束"):
        services.evaluation_run_start(
            user=world.street_admin, street=world.street, month=this_month
        )


def test_only_a_street_admin_may_start_a_run(world):
    for persona in (world.street_staff, world.secretary_a, world.unit_head_a):
        with pytest.raises(PermissionDenied):
            services.evaluation_run_start(user=persona, street=world.street, month=MAY)


def test_a_live_run_blocks_a_second_one_but_a_silent_one_is_replaced(world):
    # given a run of May waiting for its worker
    first = services.evaluation_run_start(
        user=world.street_admin, street=world.street, month=MAY, enqueue=False
    )
    # when another is started at once
    with pytest.raises(ValidationError, match="正在进行"):
        services.evaluation_run_start(
            user=world.street_admin, street=world.street, month=MAY, enqueue=False
        )
    # when its heartbeat has gone stale
    EvaluationRun.objects.filter(pk=first.pk).update(
        heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    second = services.evaluation_run_start(
        user=world.street_admin, street=world.street, month=MAY, enqueue=False
    )
    # then the old one is abandoned and never computes
    first.refresh_from_db()
    assert first.status == RunStatus.ABANDONED
    assert services.evaluation_run_execute(run_id=first.pk) is None
    assert services.evaluation_run_execute(run_id=second.pk).status == RunStatus.DONE


def test_a_run_taken_over_mid_way_stops_writing(world, committees):
    # given a run claimed by a worker that then goes silent
    more_units(world, 4)
    run = services.evaluation_run_start(
        user=world.street_admin, street=world.street, month=MAY, enqueue=False
    )
    EvaluationRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, token="old"
    )
    EvaluationRun.objects.filter(pk=run.pk).update(
        heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    # when a new run replaces it and the old worker writes its next batch
    services.evaluation_run_start(
        user=world.street_admin, street=world.street, month=MAY, enqueue=False
    )
    # then the old worker's ownership check fails
    with pytest.raises(services.RunLost):
        runs._own(run.pk, "old", units_done=1)


def test_a_delivered_task_for_a_finished_run_does_nothing(world):
    run = run_month(world.street, MAY, world.street_admin)
    finished_at = run.finished_at
    assert services.evaluation_run_execute(run_id=run.pk) is None
    run.refresh_from_db()
    assert run.finished_at == finished_at and run.attempts == 1


def test_the_button_enqueues_the_task_after_commit(
    world, committees, django_capture_on_commit_callbacks
):
    # given eager Celery (no broker in the unit tests)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = services.evaluation_run_start(
            user=world.street_admin, street=world.street, month=MAY
        )
        # then nothing ran before the commit
        assert Evaluation.objects.count() == 0
    assert len(callbacks) == 1
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert Evaluation.objects.filter(run=run).count() == 6


@pytest.mark.django_db(transaction=True)
def test_the_command_runs_the_same_job_and_waits_for_it(world, committees, capsys):
    # when the command is run for May (eager Celery: the task runs on commit)
    call_command("run_monthly_evaluation", "2024-05")
    # then the month is graded and the run records the command
    run = EvaluationRun.objects.get(month=MAY)
    assert run.status == RunStatus.DONE
    assert run.trigger == RunTrigger.COMMAND
    assert Evaluation.objects.filter(month=MAY).count() == 6
    assert "完成" in capsys.readouterr().out


def test_the_command_refuses_a_bad_month(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("run_monthly_evaluation", "2024-13")


def test_the_schedule_runs_last_month_on_the_first_without_publishing(
    world, committees, django_capture_on_commit_callbacks
):
    from evaluations.tasks import run_previous_month
    from portal.schedules import SCHEDULES

    # given the periodic entry
    task, (kind, spec) = SCHEDULES["月度评议（上月）"]
    assert task == "evaluations.run_previous_month"
    assert kind == "crontab" and spec["day_of_month"] == "1"
    # when the task fires
    with django_capture_on_commit_callbacks(execute=True):
        started = run_previous_month()
    # then last month is computed, not published
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(
        day=1
    )
    run = EvaluationRun.objects.get(pk=started[0])
    assert run.month == last_month
    assert run.trigger == RunTrigger.SCHEDULE
    assert run.status == RunStatus.DONE
    assert not run.publications.exists()


def test_the_schedule_skips_a_published_month(world, committees):
    publish_month(world, JUNE)
    started = services.evaluation_run_previous_month(today=date(2024, 7, 1))
    assert started == []


@pytest.mark.django_db(transaction=True)
def test_the_button_works_while_the_broker_is_down_and_a_later_start_recovers(
    world, committees
):
    from django.conf import settings

    from config.celery import app
    from tests.conftest import login

    def use_broker(url, eager):
        app.conf.update(broker_url=url, broker_write_url=url, task_always_eager=eager)
        app._pool = None
        app.amqp._producer_pool = None

    # given Redis unreachable when the admin presses "start"
    use_broker("redis://127.0.0.1:6390/0", eager=False)
    try:
        response = login(world.street_admin).post(
            "/evaluations/runs/start/", {"month": "2024-05"}
        )
    finally:
        use_broker(settings.CELERY_BROKER_URL, eager=True)
    # then the page answers and the run waits, recorded
    assert response.status_code == 302
    lost = EvaluationRun.objects.get()
    assert lost.status == RunStatus.PENDING
    # when its task never came and the admin starts the month again later
    EvaluationRun.objects.filter(pk=lost.pk).update(
        heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    run = services.evaluation_run_start(
        user=world.street_admin, street=world.street, month=MAY
    )
    # then the new run computes the month and the lost one is marked abandoned
    run.refresh_from_db()
    lost.refresh_from_db()
    assert run.status == RunStatus.DONE and lost.status == RunStatus.ABANDONED


def test_schedules_survive_a_second_migrate_with_overlapping_crontabs(db):
    from django_celery_beat.models import PeriodicTask

    from portal import schedules

    # given another entry on the 1st at 01:30, but only in January
    extra = {
        "测试：一月一日": (
            "evaluations.run_previous_month",
            (
                "crontab",
                {
                    "minute": "30",
                    "hour": "1",
                    "day_of_month": "1",
                    "month_of_year": "1",
                },
            ),
        )
    }
    original = dict(schedules.SCHEDULES)
    schedules.SCHEDULES.update(extra)
    try:
        # when the schedules are ensured twice (two migrations)
        schedules.ensure_schedules()
        schedules.ensure_schedules()
    finally:
        schedules.SCHEDULES.clear()
        schedules.SCHEDULES.update(original)
    # then each entry keeps its own crontab
    monthly = PeriodicTask.objects.get(name="月度评议（上月）").crontab
    january = PeriodicTask.objects.get(name="测试：一月一日").crontab
    assert monthly != january
    assert (monthly.month_of_year, january.month_of_year) == ("*", "1")
