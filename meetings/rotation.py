"""The rotating chair (轮值书记, S8), computed from the seats and the swaps alone.

The rule, so anyone can redo it by hand:

1. **Who rotates.** In a 大党委, the seats held by resident-unit party
   secretaries (``Seat.is_unit_secretary``, S8: "the next seated unit
   secretary"); a 大党委 with no such seat at all rotates among all its seats.
   In the 大工委, all its members (community secretaries and large units'
   party heads, S3) take turns.
2. **Fixed order.** Those seats ordered by ``(term_start, id)``: the order in
   which they joined, so a new seat joins at the end.
3. **Who is in for a month.** A seat takes part in month M when it was taken
   by the first day of M and is not vacated before the month is over
   (``vacated_on`` empty or after M's last day). A vacated seat drops out.
4. **The walk.** Starting from the month of the earliest seat, each month's
   chair is the first seat in the order, among those in for that month, that
   comes after the previous month's chair, wrapping round to the start. So
   nobody chairs twice before everyone in the rotation has chaired once.
5. **Swaps.** A recorded swap between months A and B gives A the chair B would
   have had and B the chair A would have had; the walk itself is unchanged, so
   a swap touches no other month. A swap whose chair is not in for the other
   month (a seat vacated after the swap was agreed) is ignored.

Everything here is pure: ``compute_chairs`` takes seats and swaps and returns
chairs; ``chairs_for`` loads them for committees in two queries.
"""

import calendar
from dataclasses import dataclass
from datetime import date

from meetings.models import RotationSwap
from orgs.models import CommitteeKind, Seat
from portal.params import YEAR_MAX, YEAR_MIN, to_int


def month_start(day):
    """Return the first day of ``day``'s month."""
    return date(day.year, day.month, 1)


def month_end(month):
    return date(
        month.year, month.month, calendar.monthrange(month.year, month.month)[1]
    )


def add_months(month, n):
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def parse_month(text):
    """Return the first day of a ``YYYY-MM`` month, or raise ``ValueError``.

    Years outside ``portal.params.YEAR_MIN..YEAR_MAX`` are refused too: the
    month arithmetic of rotation and reminders stays within ``datetime``.
    """
    year, month = str(text).strip().split("-")
    if len(year) != 4 or len(month) not in (1, 2):
        raise ValueError(text)
    year = to_int(year, minimum=YEAR_MIN, maximum=YEAR_MAX)
    if year is None:
        raise ValueError(text)
    return date(year, int(month), 1)


def _order_key(seat):
    return (seat.term_start, seat.pk)


def seat_serves(seat, month):
    """Return whether ``seat`` takes part in the rotation of ``month``."""
    if seat.term_start > month:
        return False
    return seat.vacated_on is None or seat.vacated_on > month_end(month)


def unit_secretaries_only(committee):
    """Return whether only unit secretaries rotate on ``committee`` (rule 1)."""
    return committee.kind == CommitteeKind.BIG_PARTY


def rotation_pool(seats, only_unit_secretaries=True):
    """Return the seats that rotate, in rotation order (rules 1 and 2)."""
    seats = list(seats)
    if only_unit_secretaries:
        seats = [s for s in seats if s.is_unit_secretary] or seats
    return sorted(seats, key=_order_key)


def natural_chairs(seats, last_month, only_unit_secretaries=True):
    """Return {month: seat or None} of the walk (rule 4) up to ``last_month``."""
    pool = rotation_pool(seats, only_unit_secretaries)
    chairs = {}
    if not pool:
        return chairs
    month = month_start(min(s.term_start for s in pool))
    previous = None
    while month <= last_month:
        serving = [s for s in pool if seat_serves(s, month)]
        chair = None
        if serving:
            if previous is not None:
                chair = next((s for s in serving if _order_key(s) > previous), None)
            chair = chair or serving[0]
            previous = _order_key(chair)
        chairs[month] = chair
        month = add_months(month, 1)
    return chairs


def compute_chairs(seats, swaps, months, only_unit_secretaries=True):
    """Return {month: seat or None} for ``months`` after applying ``swaps``.

    ``swaps`` are objects with ``month_a`` and ``month_b`` (first days).
    """
    months = sorted({month_start(m) for m in months})
    if not months:
        return {}
    swaps = list(swaps)
    last = max([months[-1]] + [max(s.month_a, s.month_b) for s in swaps])
    natural = natural_chairs(seats, last, only_unit_secretaries)
    chairs = {m: natural.get(m) for m in months}
    for swap in swaps:
        a, b = swap.month_a, swap.month_b
        chair_a, chair_b = natural.get(b), natural.get(a)
        usable = (
            chair_a is not None
            and chair_b is not None
            and seat_serves(chair_a, a)
            and seat_serves(chair_b, b)
        )
        if not usable:
            continue
        if a in chairs:
            chairs[a] = chair_a
        if b in chairs:
            chairs[b] = chair_b
    return chairs


@dataclass
class RotationRow:
    month: date
    natural: object
    chair: object
    swap: object


def rotation_plan(seats, swaps, months, only_unit_secretaries=True):
    """Return one ``RotationRow`` per month: the walk's chair, the chair, the swap."""
    months = sorted({month_start(m) for m in months})
    swaps = list(swaps)
    chairs = compute_chairs(seats, swaps, months, only_unit_secretaries)
    natural = natural_chairs(seats, months[-1], only_unit_secretaries) if months else {}
    by_month = {}
    for swap in swaps:
        by_month[swap.month_a] = swap
        by_month[swap.month_b] = swap
    return [
        RotationRow(m, natural.get(m), chairs.get(m), by_month.get(m)) for m in months
    ]


def chairs_for(committees, months):
    """Return {committee_id: {month: seat or None}} loading seats and swaps once."""
    committee_ids = [c.pk for c in committees]
    seats, swaps = {}, {}
    for seat in Seat.objects.filter(committee_id__in=committee_ids).select_related(
        "person", "represents"
    ):
        seats.setdefault(seat.committee_id, []).append(seat)
    for swap in RotationSwap.objects.filter(committee_id__in=committee_ids):
        swaps.setdefault(swap.committee_id, []).append(swap)
    return {
        c.pk: compute_chairs(
            seats.get(c.pk, []), swaps.get(c.pk, []), months, unit_secretaries_only(c)
        )
        for c in committees
    }
