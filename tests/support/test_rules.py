"""The rules of S18 and S19: training compliance and the funds check."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from orgs.models import Person
from portal.scope import scope_for
from support import selectors, services
from support.models import AttendanceStatus, TrainingAttendance, WorkerType
from support.stats import stats
from tests.support.conftest import attend, make_budgets, make_training, make_worker


# -- training compliance ----------------------------------------------------------------
def test_worker_with_one_training_this_year_is_under_requirement(world, today):
    # given a worker who attended one training this year, was excused from
    # another, and attended two last year
    worker = make_worker(world.a)
    attend(worker, make_training(world.street, held_on=today))
    attend(
        worker,
        make_training(world.street, held_on=today),
        AttendanceStatus.EXCUSED,
    )
    for month in (3, 9):
        last_year = datetime.date(today.year - 1, month, 1)
        attend(worker, make_training(world.street, held_on=last_year))
    # when the compliance list is read
    under = list(selectors.worker_compliance_list(user=world.street_admin))
    # then only this year's present attendance counts: the worker is short
    assert [w.pk for w in under] == [worker.pk]
    assert under[0].trainings_year == 1


def test_worker_with_two_trainings_this_year_meets_requirement(world, today):
    # given a worker present at two trainings this year
    worker = make_worker(world.a)
    for _ in range(2):
        attend(worker, make_training(world.street, held_on=today))
    # when/then the worker is not on the compliance list
    assert not selectors.worker_compliance_list(user=world.street_admin).exists()
    figures = stats(scope_for(world.street_admin))
    assert figures["workers"] == 1
    assert figures["workers_under_training_requirement"] == 0


def test_departed_worker_is_neither_counted_nor_flagged(world, today):
    # given a worker who left last year without trainings this year
    make_worker(world.a, left_on=datetime.date(today.year - 1, 6, 30))
    # when/then he is not in post and not flagged
    figures = stats(scope_for(world.street_admin))
    assert figures["workers"] == 0
    assert figures["workers_under_training_requirement"] == 0


def test_trainings_this_year_counts_sessions_held_so_far_in_scope(world, today):
    # given trainings this year in A and street-wide, last year, and in the future
    make_training(world.street, community=world.a, held_on=today)
    make_training(world.street, held_on=datetime.date(today.year, 1, 1))
    make_training(world.street, community=world.b, held_on=today)
    make_training(world.street, held_on=datetime.date(today.year - 1, 12, 31))
    make_training(world.street, held_on=today + datetime.timedelta(days=400))
    # when/then the street sees three, A's secretary A's and the street's
    assert stats(scope_for(world.street_admin))["trainings_this_year"] == 3
    assert stats(scope_for(world.secretary_a))["trainings_this_year"] == 2
    assert stats(scope_for(world.unit_head_a))["trainings_this_year"] == 0


# -- attendance --------------------------------------------------------------------------
def test_attendance_is_recorded_and_corrected_without_duplicates(world, today):
    # given a street-wide training today and a worker of A
    training = make_training(world.street, held_on=today)
    worker = make_worker(world.a)
    # when A's secretary records him absent, then corrects to present
    services.training_record_attendance(
        user=world.secretary_a,
        training=training,
        statuses={worker.pk: AttendanceStatus.ABSENT},
    )
    services.training_record_attendance(
        user=world.secretary_a,
        training=training,
        statuses={worker.pk: AttendanceStatus.PRESENT},
    )
    # then one row says present, recorded by the secretary
    row = TrainingAttendance.objects.get(training=training, worker=worker)
    assert row.status == AttendanceStatus.PRESENT
    assert row.recorded_by == world.secretary_a
    assert row.community_id == world.a.pk


def test_secretary_of_b_cannot_record_attendance_of_a_worker(world, today):
    training = make_training(world.street, held_on=today)
    worker = make_worker(world.a)
    with pytest.raises(PermissionDenied):
        services.training_record_attendance(
            user=world.secretary_b,
            training=training,
            statuses={worker.pk: AttendanceStatus.PRESENT},
        )
    assert not TrainingAttendance.objects.exists()


def test_attendance_before_the_training_is_refused(world, today):
    training = make_training(world.street, held_on=today + datetime.timedelta(days=3))
    worker = make_worker(world.a)
    with pytest.raises(ValidationError, match="尚未举行"):
        services.training_record_attendance(
            user=world.street_admin,
            training=training,
            statuses={worker.pk: AttendanceStatus.PRESENT},
        )


def test_attendance_of_a_worker_outside_the_training_is_refused(world, today):
    # given a training for grid workers of A, a social worker of A, a worker of B
    training = make_training(
        world.street,
        community=world.a,
        held_on=today,
        audience=WorkerType.GRID_WORKER,
    )
    social = make_worker(world.a)
    other = make_worker(world.b, worker_type=WorkerType.GRID_WORKER)
    for worker in (social, other):
        with pytest.raises(ValidationError, match="不在本次培训的参训范围内"):
            services.training_record_attendance(
                user=world.street_admin,
                training=training,
                statuses={worker.pk: AttendanceStatus.PRESENT},
            )
    assert not TrainingAttendance.objects.exists()


# -- workers -------------------------------------------------------------------------------
def test_worker_create_reuses_the_person_and_refuses_a_second_active_post(world):
    first = services.worker_create(
        user=world.street_staff,
        name="王芳",
        phone="13900000001",
        worker_type=WorkerType.GRID_WORKER,
        community=world.a,
        employer="综治中心",
        hired_on=datetime.date(2023, 1, 1),
        cells=[world.cell_a],
    )
    assert list(first.cells.all()) == [world.cell_a]
    with pytest.raises(ValidationError, match="已是在岗的网格员"):
        services.worker_create(
            user=world.street_staff,
            name="王芳",
            phone="13900000001",
            worker_type=WorkerType.GRID_WORKER,
            community=world.a,
            employer="综治中心",
            hired_on=datetime.date(2023, 1, 1),
        )
    social = services.worker_create(
        user=world.street_staff,
        name="王芳",
        phone="13900000001",
        worker_type=WorkerType.SOCIAL_WORKER,
        community=world.a,
        employer="居委会",
        hired_on=datetime.date(2023, 1, 1),
    )
    assert social.person_id == first.person_id


def test_worker_cannot_cover_a_cell_of_another_community(world):
    with pytest.raises(ValidationError, match="不在甲社区内"):
        services.worker_create(
            user=world.street_staff,
            name="李强",
            worker_type=WorkerType.GRID_WORKER,
            community=world.a,
            employer="综治中心",
            hired_on=datetime.date(2023, 1, 1),
            cells=[world.cell_b],
        )


def test_secretary_may_not_register_workers(world):
    with pytest.raises(PermissionDenied):
        services.worker_create(
            user=world.secretary_a,
            name="李强",
            worker_type=WorkerType.SOCIAL_WORKER,
            community=world.a,
            employer="居委会",
            hired_on=datetime.date(2023, 1, 1),
        )


# -- the funds check -----------------------------------------------------------------------
def test_community_just_under_300000_is_flagged_and_300000_is_not(world, today):
    # given A's three lines total 299,999.99 and B's exactly 300,000
    make_budgets(world.a, today.year, "150000", "50000", "99999.99")
    make_budgets(world.b, today.year, "150000", "50000", "100000")
    # when the check runs
    flagged = list(
        selectors.communities_underfunded(scope_for(world.street_admin), today.year)
    )
    # then only A is flagged
    assert flagged == [world.a]
    assert stats(scope_for(world.street_admin))["communities_underfunded"] == 1
    assert stats(scope_for(world.secretary_b))["communities_underfunded"] == 0
    assert stats(scope_for(world.secretary_a))["communities_underfunded"] == 1


def test_community_without_budget_this_year_counts_as_underfunded(world, today):
    # given funds for last year only in A, and funds this year in B
    make_budgets(world.a, today.year - 1, "200000", "60000", "100000")
    make_budgets(world.b, today.year, "200000", "60000", "100000")
    # then A is flagged this year (no budget is 0 yuan)
    flagged = selectors.communities_underfunded(
        scope_for(world.street_admin), today.year
    )
    assert list(flagged) == [world.a]
    rows = {
        r.community.pk: r
        for r in selectors.funds_overview(user=world.street_admin, year=today.year)
    }
    assert rows[world.a.pk].underfunded and rows[world.a.pk].total == 0
    assert rows[world.a.pk].shortfall == Decimal("300000")
    assert not rows[world.b.pk].underfunded


def test_budget_changes_keep_their_history_and_cannot_undercut_spending(world, today):
    budget = services.budget_set(
        user=world.street_admin,
        community=world.a,
        year=today.year,
        line="operating",
        amount=Decimal("100000"),
    )
    services.spending_create(
        user=world.secretary_a,
        budget=budget,
        amount=Decimal("60000"),
        spent_on=today,
        purpose="党群服务站维护",
    )
    services.budget_set(
        user=world.street_admin,
        community=world.a,
        year=today.year,
        line="operating",
        amount=Decimal("80000"),
        reason="年中调整",
    )
    with pytest.raises(ValidationError, match="不能低于已支出金额"):
        services.budget_set(
            user=world.street_admin,
            community=world.a,
            year=today.year,
            line="operating",
            amount=Decimal("50000"),
        )
    revisions = list(budget.revisions.order_by("created_at", "id"))
    assert [(r.amount_before, r.amount_after) for r in revisions] == [
        (None, Decimal("100000")),
        (Decimal("100000"), Decimal("80000")),
    ]
    assert revisions[1].changed_by == world.street_admin
    assert revisions[1].reason == "年中调整"


def test_secretary_may_not_set_budgets(world, today):
    with pytest.raises(PermissionDenied):
        services.budget_set(
            user=world.secretary_a,
            community=world.a,
            year=today.year,
            line="operating",
            amount=Decimal("500000"),
        )


def test_spending_beyond_the_line_is_refused_and_voided_spending_frees_it(world, today):
    (budget, *_rest) = make_budgets(world.a, today.year, "1000", "0", "0")
    first = services.spending_create(
        user=world.secretary_a,
        budget=budget,
        amount=Decimal("800"),
        spent_on=today,
        purpose="慰问",
    )
    with pytest.raises(ValidationError, match="剩余 200.00 元"):
        services.spending_create(
            user=world.secretary_a,
            budget=budget,
            amount=Decimal("300"),
            spent_on=today,
            purpose="慰问",
        )
    services.spending_void(user=world.secretary_a, spending=first, reason="录入错误")
    services.spending_create(
        user=world.secretary_a,
        budget=budget,
        amount=Decimal("300"),
        spent_on=today,
        purpose="慰问",
    )
    first.refresh_from_db()
    assert first.voided_by == world.secretary_a and first.void_reason == "录入错误"


def test_secretary_of_b_may_not_spend_a_budget_of_a(world, today):
    (budget, *_rest) = make_budgets(world.a, today.year, "1000", "0", "0")
    with pytest.raises(PermissionDenied):
        services.spending_create(
            user=world.secretary_b,
            budget=budget,
            amount=Decimal("10"),
            spent_on=today,
            purpose="x",
        )


def test_worker_create_refuses_a_bad_phone_as_the_orgs_person_form_does(world):
    # given a phone number one digit short
    with pytest.raises(ValidationError) as exc:
        services.worker_create(
            user=world.street_staff,
            name="赵六",
            phone="1390000000",
            worker_type=WorkerType.GRID_WORKER,
            community=world.a,
            employer="综治中心",
            hired_on=datetime.date(2023, 1, 1),
        )
    # then the message is the orgs one, and nobody was written
    assert exc.value.message_dict["phone"] == [
        "电话号码“1390000000”格式不正确（手机号为 11 位数字）。"
    ]
    assert not Person.objects.filter(name="赵六").exists()
