"""Swapping the rotating chair of two months (the rule is ``meetings.rotation``)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from meetings.models import Meeting, MeetingStatus, RotationSwap
from meetings.reminders import meeting_reminders_sync
from meetings.rotation import compute_chairs, seat_serves, unit_secretaries_only
from meetings.services._common import _actor, _as_month, _require, committee_target
from orgs.models import Committee, Seat
from portal.models import User


@transaction.atomic
def rotation_swap_record(
    *,
    user: User | None,
    committee: Committee,
    month_a: date | str,
    month_b: date | str,
    reason: str,
) -> RotationSwap:
    """Let the chairs of two months trade places, with a reason kept on record."""
    committee = Committee.objects.select_for_update().get(pk=committee.pk)
    _require(user, "meetings.manage", **committee_target(committee))
    a, b = sorted([_as_month(month_a), _as_month(month_b)])
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写调换原因。")})
    if a == b:
        raise ValidationError(_("请选择两个不同的月份。"))
    swapped = RotationSwap.objects.filter(committee=committee).filter(
        Q(month_a__in=[a, b]) | Q(month_b__in=[a, b])
    )
    if swapped.exists():
        raise ValidationError(_("所选月份已经调换过一次，不能再调换。"))
    if Meeting.objects.filter(
        committee=committee, month__in=[a, b], status=MeetingStatus.HELD
    ).exists():
        raise ValidationError(_("已召开会议的轮值书记不能再调换。"))
    seats = list(Seat.objects.filter(committee=committee))
    only = unit_secretaries_only(committee)
    natural = compute_chairs(seats, [], [a, b], only)
    chair_a, chair_b = natural.get(a), natural.get(b)
    if chair_a is None or chair_b is None:
        raise ValidationError(_("所选月份没有可轮值的委员。"))
    if chair_a.pk == chair_b.pk:
        raise ValidationError(_("两个月的轮值书记是同一人，无需调换。"))
    if not (seat_serves(chair_b, a) and seat_serves(chair_a, b)):
        raise ValidationError(_("调换后的轮值书记在对应月份不在任，不能调换。"))
    swap = RotationSwap(
        committee=committee,
        month_a=a,
        month_b=b,
        reason=reason[:255],
        created_by=_actor(user),
    )
    swap.full_clean()
    swap.save()
    chairs = compute_chairs(seats, list(committee.rotation_swaps.all()), [a, b], only)
    for meeting in Meeting.objects.filter(committee=committee, month__in=[a, b]):
        meeting.chair = chairs.get(meeting.month)
        meeting.save(update_fields=["chair", "updated_at"])
        meeting_reminders_sync(meeting)
    return swap
