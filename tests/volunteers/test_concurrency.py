"""Races on PostgreSQL, with real threads and real transactions.

Each thread has its own database connection; a barrier starts them together.
The rules hold in the database (row locks and conditional UPDATEs), so exactly
one of the racers wins every contested resource.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from tests.conftest import _user
from tests.volunteers.conftest import give_points, make_activity, register
from volunteers import services
from volunteers.models import (
    CheckIn,
    ClaimStatus,
    MicroWish,
    PointsEntry,
    Redemption,
    SignUp,
    VolunteerKind,
)

pytestmark = pytest.mark.django_db(transaction=True)


def race(calls):
    """Run ``calls`` at the same moment in threads; return (results, errors)."""
    barrier = threading.Barrier(len(calls))
    results, errors = [], []
    lock = threading.Lock()

    def run(call):
        try:
            barrier.wait(timeout=10)
            value = call()
            with lock:
                results.append(value)
        except ValidationError as exc:
            with lock:
                errors.append(" ".join(exc.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results, errors


def test_two_redemptions_of_the_whole_balance_at_once_one_succeeds(vw):
    # given exactly 100 points and an item of 100 with stock for two
    give_points(vw, vw.vol_a, 100)
    item = vw.items.dear
    # when two redemptions of the whole balance run at the same moment
    results, errors = race(
        [
            lambda: services.redemption_create(user=vw.volunteer_a, item=item),
            lambda: services.redemption_create(user=vw.volunteer_a, item=item),
        ]
    )
    # then one succeeds, the other is told the balance is short
    assert len(results) == 1 and len(errors) == 1
    assert "余额不足" in errors[0]
    assert services.points_balance(vw.vol_a) == 0
    assert services.points_ledger_sum(vw.vol_a) == 0
    assert Redemption.objects.filter(volunteer=vw.vol_a).count() == 1
    item.refresh_from_db()
    assert item.stock == 4


def test_two_redemptions_of_the_last_item_at_once_one_succeeds(vw):
    # given two volunteers of A with points, and one item left in stock
    other_user = _user("volunteer_a2")
    other = register(other_user, vw.a)
    give_points(vw, vw.vol_a, 100)
    give_points(vw, other, 100)
    item = vw.items.last
    # when both redeem it at the same moment
    results, errors = race(
        [
            lambda: services.redemption_create(user=vw.volunteer_a, item=item),
            lambda: services.redemption_create(user=other_user, item=item),
        ]
    )
    # then one gets it, the other is told it is gone; nobody pays for nothing
    assert len(results) == 1 and len(errors) == 1
    assert "库存不足" in errors[0]
    item.refresh_from_db()
    assert item.stock == 0
    assert Redemption.objects.filter(item=item).count() == 1
    balances = sorted(
        [services.points_balance(vw.vol_a), services.points_balance(other)]
    )
    assert balances == [80, 100]
    assert PointsEntry.objects.filter(kind="redemption").count() == 1


def test_ten_claimants_of_one_wish_one_wins_the_others_are_told_it_is_taken(vw):
    # given an open wish in A and ten party-member volunteers of A
    wish = services.wish_create(
        user=vw.secretary_a,
        community=vw.a,
        title="孩子想要一个新书包",
        resident_name="王小明",
        resident_address="甲社区3栋2单元501",
        resident_phone="13912345678",
    )
    users = [_user(f"claimant{i}") for i in range(10)]
    for user in users:
        register(user, vw.a, kind=VolunteerKind.PARTY_MEMBER)
    # when all ten claim it at the same moment
    results, errors = race(
        [(lambda u=u: services.claimable_claim(user=u, obj=wish)) for u in users]
    )
    # then exactly one wins and nine get a clear "already claimed"
    assert len(results) == 1
    assert len(errors) == 9
    assert all("已被认领" in e for e in errors)
    wish.refresh_from_db()
    assert wish.status == ClaimStatus.CLAIMED
    assert wish.claimed_by_user_id == results[0].claimed_by_user_id
    assert MicroWish.objects.filter(status=ClaimStatus.CLAIMED).count() == 1


def test_units_racing_for_one_service_post_one_wins(vw):
    from orgs.models import OrgKind
    from orgs.services import org_node_create
    from portal.models import Role
    from portal.services import role_assign

    post = services.post_create(user=vw.secretary_a, community=vw.a, title="文明劝导岗")
    heads = []
    for i in range(4):
        unit = org_node_create(
            kind=OrgKind.UNIT,
            name=f"竞争单位{i}",
            code=f"T-01-U9{i}",
            parent=vw.a,
            unit_kind="private",
        )
        head = _user(f"head{i}")
        role_assign(user=head, role=Role.UNIT_HEAD, org_node=unit)
        heads.append((head, unit))
    results, errors = race(
        [
            (lambda h=h, u=u: services.claimable_claim(user=h, obj=post, as_unit=u))
            for h, u in heads
        ]
    )
    assert len(results) == 1 and len(errors) == 3
    assert all("已被认领" in e for e in errors)


def test_sign_ups_beyond_capacity_at_once_are_refused(vw):
    # given an activity with two places and five volunteers
    activity = make_activity(vw.secretary_a, community=vw.a, capacity=2)
    users = [_user(f"signer{i}") for i in range(5)]
    for user in users:
        register(user, vw.a)
    # when all five sign up at once
    results, errors = race(
        [(lambda u=u: services.signup_create(user=u, activity=activity)) for u in users]
    )
    # then two get places and three are told it is full
    assert len(results) == 2 and len(errors) == 3
    assert all("名额已满" in e for e in errors)
    activity.refresh_from_db()
    assert activity.signed_up_count == 2
    assert SignUp.objects.filter(activity=activity).count() == 2


def test_two_scans_by_one_person_at_once_record_one_check_in(vw):
    token = services.activity_checkin_token(vw.activity)
    results, errors = race(
        [
            lambda: services.checkin_scan(user=vw.volunteer_a, token=token),
            lambda: services.checkin_scan(user=vw.volunteer_a, token=token),
        ]
    )
    assert len(results) == 1 and len(errors) == 1
    assert "只能签到一次" in errors[0]
    assert CheckIn.objects.filter(activity=vw.activity, volunteer=vw.vol_a).count() == 1


def test_ten_units_claiming_one_wish_at_once_one_wins(vw):
    from orgs.models import OrgKind
    from orgs.services import org_node_create
    from portal.models import Role
    from portal.services import role_assign

    # given an open wish in A and the heads of ten resident units
    wish = services.wish_create(
        user=vw.secretary_a, community=vw.a, title="独居老人需要一台收音机"
    )
    heads = []
    for i in range(10):
        unit = org_node_create(
            kind=OrgKind.UNIT,
            name=f"认领单位{i}",
            code=f"T-01-U8{i:02d}",
            parent=vw.a,
            unit_kind="private",
        )
        head = _user(f"unit_head{i}")
        role_assign(user=head, role=Role.UNIT_HEAD, org_node=unit)
        heads.append((head, unit))
    # when all ten claim it for their units at the same moment
    results, errors = race(
        [
            (lambda h=h, u=u: services.claimable_claim(user=h, obj=wish, as_unit=u))
            for h, u in heads
        ]
    )
    # then one unit has it and nine are told it is already claimed
    assert len(results) == 1 and len(errors) == 9
    assert all("已被认领" in e for e in errors)
    wish.refresh_from_db()
    assert wish.status == ClaimStatus.CLAIMED
    assert wish.claimed_by_unit_id == results[0].claimed_by_unit_id
