"""The points ledger: append-only in the database, balance = sum, never negative."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.volunteers.conftest import give_points
from volunteers import services
from volunteers.models import EntryKind, PointsAccount, PointsEntry
from volunteers.selectors import ledger_mismatches


def _balance_and_sum(volunteer):
    return services.points_balance(volunteer), services.points_ledger_sum(volunteer)


def test_database_refuses_update_of_a_ledger_entry_by_raw_sql(vw):
    # given an entry
    entry = give_points(vw, vw.vol_a, 30)
    # when raw SQL tries to change it, then the trigger refuses
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE volunteers_pointsentry SET points = 1000 WHERE id = %s",
            [entry.pk],
        )
    entry.refresh_from_db()
    assert entry.points == 30


def test_database_refuses_delete_of_a_ledger_entry_by_raw_sql(vw):
    entry = give_points(vw, vw.vol_a, 30)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM volunteers_pointsentry WHERE id = %s", [entry.pk])
    assert PointsEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE volunteers_pointsentry",
        "TRUNCATE volunteers_pointsentry CASCADE",
        # Emptying a table the ledger points to would empty the ledger with it.
        "TRUNCATE volunteers_volunteer CASCADE",
    ],
)
def test_database_refuses_truncate_of_the_ledger_and_keeps_its_rows(vw, statement):
    # given entries
    give_points(vw, vw.vol_a, 30)
    give_points(vw, vw.vol_b, 20)
    # when raw SQL tries to empty the table, then the trigger refuses
    with (
        pytest.raises(DatabaseError, match="append-only: TRUNCATE refused"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # Check the rows written so far first: PostgreSQL refuses TRUNCATE
        # beside pending (deferred) foreign-key checks, for another reason.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(statement)
    # and every entry and balance is still there
    assert PointsEntry.objects.count() == 2
    assert _balance_and_sum(vw.vol_a) == (30, 30)
    assert list(ledger_mismatches()) == []


def test_orm_update_and_delete_of_entries_are_refused_too(vw):
    entry = give_points(vw, vw.vol_a, 30)
    with pytest.raises(DatabaseError), transaction.atomic():
        PointsEntry.objects.filter(pk=entry.pk).update(reason="改过了")
    with pytest.raises(DatabaseError), transaction.atomic():
        PointsEntry.objects.filter(pk=entry.pk).delete()
    assert PointsEntry.objects.get(pk=entry.pk).reason == "补录服务积分"


def test_correction_is_a_reversing_entry_with_its_reason(vw):
    # given an award of 30
    entry = give_points(vw, vw.vol_a, 30)
    # when the secretary reverses it
    reversal = services.points_reverse(
        user=vw.secretary_a, entry=entry, reason="重复录入"
    )
    # then the entry stays and a new one cancels it
    assert reversal.kind == EntryKind.REVERSAL
    assert reversal.points == -30 and reversal.reverses_id == entry.pk
    assert reversal.reason == "重复录入"
    assert PointsEntry.objects.filter(volunteer=vw.vol_a).count() == 2
    assert _balance_and_sum(vw.vol_a) == (0, 0)


def test_reversal_needs_a_reason_and_happens_once(vw):
    entry = give_points(vw, vw.vol_a, 30)
    with pytest.raises(ValidationError, match="原因"):
        services.points_reverse(user=vw.secretary_a, entry=entry, reason=" ")
    reversal = services.points_reverse(user=vw.secretary_a, entry=entry, reason="错")
    with pytest.raises(ValidationError, match="已冲正"):
        services.points_reverse(user=vw.secretary_a, entry=entry, reason="再来")
    with pytest.raises(ValidationError, match="不能再冲正"):
        services.points_reverse(user=vw.secretary_a, entry=reversal, reason="再来")


def test_reversal_that_would_make_the_balance_negative_is_refused(vw):
    # given 30 points of which 20 were spent
    entry = give_points(vw, vw.vol_a, 30)
    services.redemption_create(user=vw.volunteer_a, item=vw.items.last)
    # when the award is reversed, then it is refused and nothing changes
    with pytest.raises(ValidationError, match="余额不足"):
        services.points_reverse(user=vw.secretary_a, entry=entry, reason="错")
    assert _balance_and_sum(vw.vol_a) == (10, 10)


def test_volunteer_and_other_community_cannot_correct_points(vw):
    entry = give_points(vw, vw.vol_a, 30)
    for user in (vw.volunteer_a, vw.secretary_b, vw.unit_head_a):
        with pytest.raises(PermissionDenied):
            services.points_reverse(user=user, entry=entry, reason="x")
        with pytest.raises(PermissionDenied):
            services.points_correct(user=user, volunteer=vw.vol_a, points=5, reason="x")


def test_correction_needs_reason_and_cannot_overdraw(vw):
    give_points(vw, vw.vol_a, 10)
    with pytest.raises(ValidationError, match="原因"):
        services.points_correct(
            user=vw.secretary_a, volunteer=vw.vol_a, points=5, reason=""
        )
    with pytest.raises(ValidationError, match="余额不足"):
        services.points_correct(
            user=vw.secretary_a, volunteer=vw.vol_a, points=-11, reason="多记了"
        )
    services.points_correct(
        user=vw.secretary_a, volunteer=vw.vol_a, points=-10, reason="多记了"
    )
    assert _balance_and_sum(vw.vol_a) == (0, 0)


def test_cancelled_redemption_refunds_and_restocks(vw):
    give_points(vw, vw.vol_a, 50)
    redemption = services.redemption_create(user=vw.volunteer_a, item=vw.items.last)
    vw.items.last.refresh_from_db()
    assert vw.items.last.stock == 0
    services.redemption_cancel(
        user=vw.secretary_a, redemption=redemption, reason="物品有损"
    )
    vw.items.last.refresh_from_db()
    redemption.refresh_from_db()
    assert vw.items.last.stock == 1
    assert redemption.status == "cancelled" and redemption.cancel_reason == "物品有损"
    assert _balance_and_sum(vw.vol_a) == (50, 50)


def test_balance_check_finds_no_mismatch(vw):
    give_points(vw, vw.vol_a, 50)
    services.redemption_create(user=vw.volunteer_a, item=vw.items.cheap)
    assert list(ledger_mismatches()) == []


def test_balance_check_would_catch_a_drift(vw):
    # given an account changed behind the services' back
    give_points(vw, vw.vol_a, 50)
    PointsAccount.objects.filter(volunteer=vw.vol_a).update(balance=49)
    # then the check reports it
    assert list(ledger_mismatches()) == [(vw.vol_a.pk, 49, 50)]


OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("award"), st.integers(min_value=1, max_value=60)),
        st.tuples(
            st.just("redeem"),
            st.sampled_from(["cheap", "dear", "last"]),
            st.integers(min_value=1, max_value=3),
        ),
        st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=40)),
        st.tuples(st.just("correct"), st.integers(min_value=-80, max_value=80)),
    ),
    max_size=25,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
def test_balance_equals_the_ledger_sum_and_never_goes_negative(vw, operations):
    # given a fresh volunteer of community A for this example
    volunteer = services.volunteer_register(
        user=vw.secretary_a, community=vw.a, name="性质测试", phone="13900000000"
    )
    for op in operations:
        entries_before = PointsEntry.objects.filter(volunteer=volunteer).count()
        # when any award, redemption, reversal or correction is attempted
        try:
            if op[0] == "award":
                services.points_award(
                    user=vw.secretary_a, volunteer=volunteer, points=op[1], reason="奖"
                )
            elif op[0] == "redeem":
                services.redemption_create(
                    user=vw.secretary_a,
                    volunteer=volunteer,
                    item=getattr(vw.items, op[1]),
                    quantity=op[2],
                )
            elif op[0] == "reverse":
                entries = list(
                    PointsEntry.objects.filter(volunteer=volunteer).order_by("id")
                )
                if not entries:
                    continue
                services.points_reverse(
                    user=vw.secretary_a,
                    entry=entries[op[1] % len(entries)],
                    reason="冲正",
                )
            elif op[1]:
                services.points_correct(
                    user=vw.secretary_a, volunteer=volunteer, points=op[1], reason="调"
                )
        except ValidationError:
            # then a refused operation leaves the ledger as it was
            assert (
                PointsEntry.objects.filter(volunteer=volunteer).count()
                == entries_before
            )
        # then, always, balance == sum >= 0
        balance, total = _balance_and_sum(volunteer)
        assert balance == total
        assert balance >= 0
    for item in (vw.items.cheap, vw.items.dear, vw.items.last):
        item.refresh_from_db()
        assert item.stock >= 0
