"""The rotating chair (S8): fixed, fair, reproducible from seats and swaps."""

from datetime import date
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from meetings import services
from meetings.models import Meeting, RotationSwap
from meetings.rotation import (
    add_months,
    chairs_for,
    compute_chairs,
    natural_chairs,
    rotation_plan,
)
from portal.services import user_create
from tests import clock
from tests.meetings.conftest import make_person, make_seat, next_month

pytestmark = pytest.mark.dates

YEAR = [date(2024, m, 1) for m in range(1, 13)]


def seat(pk, start=date(2023, 1, 1), vacated=None, unit_secretary=True):
    return SimpleNamespace(
        pk=pk,
        term_start=start,
        vacated_on=vacated,
        is_unit_secretary=unit_secretary,
        name="S%s" % pk,
    )


def names(chairs, months=YEAR):
    return [chairs[m].pk if chairs[m] else None for m in months]


# -- the rule, on plain objects ---------------------------------------------------


@pytest.mark.parametrize("n", [1, 3, 5, 7, 12, 15])
def test_a_year_with_n_secretaries_has_nobody_chair_twice_before_all_have_chaired(n):
    # given n unit secretaries seated since before the year
    seats = [seat(i) for i in range(1, n + 1)]
    # when the year's chairs are computed
    order = names(compute_chairs(seats, [], YEAR))
    # then every window of n consecutive months has n different chairs
    for start in range(0, 12):
        window = order[start : start + n]
        assert len(set(window)) == len(window)
    # and with at least 12 secretaries nobody chairs twice in the year
    if n >= 12:
        assert len(set(order)) == 12


def test_rotation_follows_the_seats_order_and_wraps_round():
    # given three secretaries who joined in the order 3, 1, 2
    seats = [
        seat(1, date(2023, 2, 1)),
        seat(2, date(2023, 3, 1)),
        seat(3, date(2022, 5, 1)),
    ]
    # when the chairs are computed for a long run
    order = names(compute_chairs(seats, [], YEAR))
    # then they take turns in joining order, the same cycle all year
    cycle = order[:3]
    assert sorted(cycle) == [1, 2, 3]
    assert order == (cycle * 4)[:12]
    first = cycle.index(3)
    assert cycle[(first + 1) % 3] == 1 and cycle[(first + 2) % 3] == 2


def test_a_vacated_seat_drops_out_and_the_others_keep_their_order():
    # given four secretaries, the third vacated in April 2024
    full = [seat(i) for i in range(1, 5)]
    before = names(compute_chairs(full, [], YEAR))
    gone = [seat(1), seat(2), seat(3, vacated=date(2024, 4, 10)), seat(4)]
    # when the chairs are computed
    after = names(compute_chairs(gone, [], YEAR))
    # then the months before are unchanged, and from April on 3 never chairs
    assert after[:3] == before[:3]
    assert 3 not in after[3:]
    # and the rest keep cycling fairly (no one twice before the others)
    rest = after[3:]
    for i in range(len(rest) - 2):
        assert len(set(rest[i : i + 3])) == 3


def test_a_seat_vacated_mid_month_does_not_chair_that_month():
    # given secretary 2 is due in February but leaves on February 20th
    seats = [seat(1), seat(2, vacated=date(2024, 2, 20)), seat(3)]
    natural = names(compute_chairs([seat(1), seat(2), seat(3)], [], YEAR))
    month = YEAR[natural.index(2)]
    seats[1].vacated_on = date(month.year, month.month, 20)
    # when computed
    chairs = compute_chairs(seats, [], YEAR)
    # then someone in office all month chairs instead
    assert chairs[month].pk != 2


def test_a_new_seat_joins_at_the_end_of_the_rotation():
    # given three secretaries, and a fourth who joins in March 2024
    seats = [seat(1), seat(2), seat(3), seat(4, start=date(2024, 3, 1))]
    # when the chairs are computed
    order = names(compute_chairs(seats, [], YEAR))
    # then the newcomer is absent before March and chairs only after everyone
    # who was already in the rotation has had their turn in the current cycle
    assert 4 not in order[:2]
    first = order.index(4)
    before_wrap = order[first - 1]
    assert before_wrap == 3  # the last of the old order
    # and afterwards the four of them rotate fairly
    tail = order[first:]
    for i in range(len(tail) - 3):
        assert len(set(tail[i : i + 4])) == 4


def test_only_unit_secretaries_rotate_in_a_big_party_committee():
    # given a community secretary's seat and two unit secretaries
    seats = [seat(1, unit_secretary=False), seat(2), seat(3)]
    # when computed for a 大党委 (only unit secretaries) and for the 大工委 (all)
    party = names(compute_chairs(seats, [], YEAR, only_unit_secretaries=True))
    working = names(compute_chairs(seats, [], YEAR, only_unit_secretaries=False))
    # then
    assert set(party) == {2, 3}
    assert set(working) == {1, 2, 3}


def test_no_seat_means_no_chair():
    assert compute_chairs([], [], YEAR) == dict.fromkeys(YEAR)


def test_a_swap_trades_two_months_and_leaves_every_other_month_alone():
    # given five secretaries and a swap between March and June
    seats = [seat(i) for i in range(1, 6)]
    plain = compute_chairs(seats, [], YEAR)
    swap = SimpleNamespace(month_a=YEAR[2], month_b=YEAR[5])
    # when computed with the swap
    swapped = compute_chairs(seats, [swap], YEAR)
    # then March and June trade chairs, the rest is the same
    assert swapped[YEAR[2]] is plain[YEAR[5]]
    assert swapped[YEAR[5]] is plain[YEAR[2]]
    for i in set(range(12)) - {2, 5}:
        assert swapped[YEAR[i]] is plain[YEAR[i]]
    # and the plan tells which months were swapped and who was due
    plan = rotation_plan(seats, [swap], YEAR)
    assert plan[2].swap is swap and plan[2].natural is plain[YEAR[2]]
    assert plan[0].swap is None


def test_a_swap_with_a_chair_vacated_since_is_ignored():
    seats = [seat(i) for i in range(1, 4)]
    plain = compute_chairs(seats, [], YEAR)
    swap = SimpleNamespace(month_a=YEAR[0], month_b=YEAR[4])
    leaving = plain[YEAR[0]]
    leaving.vacated_on = date(2024, 3, 1)  # gone before May
    chairs = compute_chairs(seats, [swap], YEAR)
    assert chairs[YEAR[4]] is not leaving


def test_the_rotation_is_reproducible_from_the_same_seats_and_swaps():
    seats = [seat(i, start=date(2023, i, 1)) for i in range(1, 7)]
    swaps = [SimpleNamespace(month_a=YEAR[1], month_b=YEAR[9])]
    first = names(compute_chairs(seats, swaps, YEAR))
    again = names(compute_chairs(list(reversed(seats)), swaps, list(reversed(YEAR))))
    assert first == again
    # computing a single month alone gives that month's chair too
    for i, month in enumerate(YEAR):
        assert names(compute_chairs(seats, swaps, [month]), [month]) == [first[i]]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.one_of(st.none(), st.integers(1, 40))),
        min_size=1,
        max_size=9,
    )
)
def test_nobody_chairs_twice_before_everyone_serving_throughout_has_chaired(spec):
    # given seats joining and leaving at random months (offsets from Jan 2022)
    base = date(2022, 1, 1)
    seats = []
    for pk, (start, stay) in enumerate(spec, start=1):
        begin = add_months(base, start)
        vacated = add_months(begin, stay) if stay else None
        seats.append(seat(pk, start=begin, vacated=vacated))
    last = add_months(base, 48)
    chairs = natural_chairs(seats, last)
    months = sorted(chairs)
    # then between two turns of the same seat, every seat that served the whole
    # stretch (and was in the order before it) has had a turn
    turns = {}
    for i, m in enumerate(months):
        if chairs[m] is not None:
            turns.setdefault(chairs[m].pk, []).append(i)
    for pk, idx in turns.items():
        for a, b in zip(idx, idx[1:], strict=False):
            between = {
                chairs[months[j]].pk for j in range(a + 1, b) if chairs[months[j]]
            }
            for other in seats:
                serving_all = all(
                    other.term_start <= months[j]
                    and (
                        other.vacated_on is None
                        or other.vacated_on > add_months(months[j], 1)
                    )
                    for j in range(a, b + 1)
                )
                if serving_all and other.pk != pk:
                    assert other.pk in between


# -- the rule on the database: scheduling and swaps ------------------------------------


def test_scheduled_meetings_get_the_chair_the_rotation_gives(
    mworld, meetings_next_month
):
    # given the seats of A's 大党委 (four unit secretaries, one community secretary)
    month = next_month()
    expected = chairs_for([mworld.party_a], [month])[mworld.party_a.pk][month]
    # then the scheduled meeting has that chair, a unit secretary
    assert meetings_next_month.a.chair == expected
    assert expected.is_unit_secretary
    # and the 大工委 rotates among its two community secretaries
    assert meetings_next_month.working.chair in (mworld.seat_w_a, mworld.seat_w_b)


def test_a_year_of_meetings_rotates_through_a_committee_fairly(mworld):
    # given a year of meetings scheduled month by month
    start = next_month()
    months = [add_months(start, i) for i in range(12)]
    for month in months:
        services.meeting_schedule_month(month=month, committees=[mworld.party_a])
    chairs = list(
        Meeting.objects.filter(committee=mworld.party_a)
        .order_by("month")
        .values_list("chair_id", flat=True)
    )
    # then the four unit secretaries take turns: every 4 months, 4 different chairs
    assert len(chairs) == 12
    for i in range(9):
        assert len(set(chairs[i : i + 4])) == 4
    assert mworld.seat_sec_a.pk not in chairs


def _newcomer_joins_at_the_end(w):
    """Check that a seat taken from next month chairs after the old order."""
    start = next_month()
    # the month before the newcomer may chair too: his first turn may be the
    # very first month he sits, right after the last of the old order
    months = [add_months(start, i) for i in range(-1, 8)]
    before = chairs_for([w.party_a], months)[w.party_a.pk]
    newcomer = make_seat(
        w.party_a,
        make_person(w, "新书记", community=w.a),
        represents=w.unit_a2,
        term_start=start,
    )
    after = chairs_for([w.party_a], months)[w.party_a.pk]
    order = [after[m] for m in months]
    assert newcomer in order
    assert after[months[0]] == before[months[0]]  # he does not sit yet
    first = order.index(newcomer)
    # everyone who was due in that cycle chaired before the newcomer
    assert [after[m] for m in months[:first]] == [before[m] for m in months[:first]]
    assert order[first - 1] == w.seat_a4  # the last of the old order
    # and then the five of them take turns
    tail = order[first:]
    for i in range(len(tail) - 4):
        assert len(set(tail[i : i + 5])) == 5
    return newcomer


def test_a_new_seat_joins_the_database_rotation_at_the_end(mworld):
    _newcomer_joins_at_the_end(mworld)


#: The 15th of every month of a year, and both sides of a year's end.
EVERY_MONTH = [clock.local(2027, m, 15) for m in range(1, 13)] + [
    clock.local(2027, 12, 31, 23, 50),
    clock.local(2028, 1, 1, 0, 10),
]


@pytest.mark.parametrize("now", EVERY_MONTH, ids=lambda d: d.strftime("%Y-%m-%d"))
def test_the_rotation_and_the_chairs_right_hold_in_every_month(mworld, now):
    with clock.travel(now):
        # a newcomer joins at the end of the rotation, whichever month it is
        newcomer = _newcomer_joins_at_the_end(mworld)
        # and next month's chair, and only he among the unit secretaries, may
        # file that meeting's minutes once it has taken place
        (meeting,) = services.meeting_schedule_month(
            month=next_month(), committees=[mworld.party_a]
        )
        w = mworld
        seats = [w.seat_a1, w.seat_a2, w.seat_a3, w.seat_a4, newcomer]
        assert meeting.chair in seats
        for seat in seats:
            if seat.person.user is None:
                seat.person.user = user_create(
                    username="u%s" % seat.pk, password="x-Pass-9281"
                )
                seat.person.save(update_fields=["user"])
        meeting = Meeting.objects.get(pk=meeting.pk)
        for seat in seats:
            may = services.can_file_minutes(seat.person.user, meeting)
            assert may == (seat == meeting.chair)


def test_a_swap_is_recorded_with_its_reason_and_moves_the_chairs(
    mworld, meetings_next_month
):
    # given next month's meeting and the month after
    a = next_month()
    b = add_months(a, 1)
    services.meeting_schedule_month(month=b)
    before = chairs_for([mworld.party_a], [a, b])[mworld.party_a.pk]
    # when the community secretary records a swap with a reason
    swap = services.rotation_swap_record(
        user=mworld.secretary_a,
        committee=mworld.party_a,
        month_a=b.strftime("%Y-%m"),
        month_b=a,
        reason="轮值书记下月外出学习",
    )
    # then the swap is on record with who and why
    swap = RotationSwap.objects.get(pk=swap.pk)
    assert (swap.month_a, swap.month_b) == (a, b)
    assert swap.reason == "轮值书记下月外出学习"
    assert swap.created_by == mworld.secretary_a
    # and the two meetings have traded chairs
    ma = Meeting.objects.get(committee=mworld.party_a, month=a)
    mb = Meeting.objects.get(committee=mworld.party_a, month=b)
    assert ma.chair == before[b] and mb.chair == before[a]
    # and the rotation computed from seats and swaps agrees
    again = chairs_for([mworld.party_a], [a, b])[mworld.party_a.pk]
    assert again[a] == ma.chair and again[b] == mb.chair


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"reason": ""}, "请填写调换原因"),
        ({"month_b": None}, "请选择两个不同的月份"),
    ],
)
def test_a_swap_needs_a_reason_and_two_months(mworld, kwargs, message):
    a = next_month()
    args = {"month_a": a, "month_b": add_months(a, 1), "reason": "出差"}
    args.update(kwargs)
    if args["month_b"] is None:
        args["month_b"] = a
    with pytest.raises(ValidationError) as exc:
        services.rotation_swap_record(
            user=mworld.secretary_a, committee=mworld.party_a, **args
        )
    assert message in " ".join(exc.value.messages)
    assert not RotationSwap.objects.exists()


def test_a_month_can_be_swapped_only_once_and_not_after_the_meeting(
    mworld, meetings_next_month
):
    a = next_month()
    # given next month's meeting was held (minutes filed early)
    Meeting.objects.filter(pk=meetings_next_month.a.pk).update(status="held")
    # then its chair can no longer be swapped
    with pytest.raises(ValidationError, match="已召开"):
        services.rotation_swap_record(
            user=mworld.secretary_a,
            committee=mworld.party_a,
            month_a=a,
            month_b=add_months(a, 1),
            reason="出差",
        )
    # and a month already swapped cannot be swapped again
    services.rotation_swap_record(
        user=mworld.secretary_a,
        committee=mworld.party_a,
        month_a=add_months(a, 1),
        month_b=add_months(a, 2),
        reason="出差",
    )
    with pytest.raises(ValidationError, match="已经调换过"):
        services.rotation_swap_record(
            user=mworld.secretary_a,
            committee=mworld.party_a,
            month_a=add_months(a, 2),
            month_b=add_months(a, 3),
            reason="再换",
        )


def test_the_secretary_of_b_cannot_swap_a_chairs(mworld):
    from django.core.exceptions import PermissionDenied

    a = next_month()
    with pytest.raises(PermissionDenied):
        services.rotation_swap_record(
            user=mworld.secretary_b,
            committee=mworld.party_a,
            month_a=a,
            month_b=add_months(a, 1),
            reason="出差",
        )
