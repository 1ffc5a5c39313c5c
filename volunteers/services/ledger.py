"""The points rules and the points ledger (append, award, correct, reverse)."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import User
from portal.roles import require
from volunteers.models import (
    ActivityType,
    Attendance,
    CheckIn,
    EntryKind,
    PointsAccount,
    PointsEntry,
    PointsRule,
    Redemption,
    RedemptionStatus,
    StationItem,
    Volunteer,
)
from volunteers.services._common import _invalid

#: Default points per hour of each activity type (editable afterwards).
DEFAULT_RULES: dict[str, int] = {
    ActivityType.POLICY: 10,
    ActivityType.JOBS: 10,
    ActivityType.LEGAL: 12,
    ActivityType.CULTURE: 8,
    ActivityType.MEDICAL: 12,
    ActivityType.ELDERLY: 10,
    ActivityType.ENVIRONMENT: 10,
    ActivityType.CIVILITY: 8,
    ActivityType.SAFETY: 10,
    ActivityType.OTHER: 8,
}


def points_rule_default(activity_type: str) -> PointsRule:
    """Return the default rule of ``activity_type``, unsaved (for display)."""
    return PointsRule(
        activity_type=activity_type,
        points_per_hour=DEFAULT_RULES.get(activity_type, 10),
    )


def points_rule_for(activity_type: str) -> PointsRule:
    """Return the points rule of ``activity_type`` (created with its default)."""
    default = points_rule_default(activity_type)
    rule, _created = PointsRule.objects.get_or_create(
        activity_type=activity_type,
        defaults={"points_per_hour": default.points_per_hour},
    )
    return rule


@transaction.atomic
def points_rule_update(
    *,
    user: User,
    activity_type: str,
    points_per_hour: int,
    late_percent: int,
    max_hours: int,
    min_points: int,
) -> PointsRule:
    """Change the rule of one activity type; past awards keep their points."""
    require(user, "volunteers.points_rules")
    rule = PointsRule.objects.select_for_update().get(
        pk=points_rule_for(activity_type).pk
    )
    rule.points_per_hour = points_per_hour
    rule.late_percent = late_percent
    rule.max_hours = max_hours
    rule.min_points = min_points
    rule.updated_by = user
    rule.full_clean()
    rule.save()
    return rule


def points_for(
    *, minutes: int, points_per_hour: int, attendance: str, rule: PointsRule
) -> int:
    """Return the points earned by ``minutes`` of service at ``attendance``."""
    if attendance not in (Attendance.PRESENT, Attendance.LATE):
        return 0
    percent = 100 if attendance == Attendance.PRESENT else rule.late_percent
    points = (minutes * points_per_hour * percent + 3000) // 6000
    return max(points, rule.min_points if percent else 0)


def _account_locked(volunteer: Volunteer) -> PointsAccount:
    """Return the volunteer's account, locked until the transaction ends."""
    account = (
        PointsAccount.objects.select_for_update().filter(volunteer=volunteer).first()
    )
    if account is None:
        PointsAccount.objects.get_or_create(
            volunteer=volunteer,
            defaults={
                "street_id": volunteer.street_id,
                "community_id": volunteer.community_id,
            },
        )
        account = PointsAccount.objects.select_for_update().get(volunteer=volunteer)
    return account


def _ledger_append(
    *,
    volunteer: Volunteer,
    kind: str,
    points: int,
    reason: str,
    user: User | None,
    checkin: CheckIn | None = None,
    redemption: Redemption | None = None,
    reverses: PointsEntry | None = None,
    at: datetime | None = None,
    account: PointsAccount | None = None,
) -> PointsEntry:
    """Append one entry and move the cached balance with it, under the lock."""
    account = account or _account_locked(volunteer)
    if account.balance + points < 0:
        raise _invalid(
            _("积分余额不足：当前余额 %(balance)s，需要 %(need)s。")
            % {"balance": account.balance, "need": -points}
        )
    entry = PointsEntry(
        volunteer=volunteer,
        kind=kind,
        points=points,
        reason=reason,
        street_id=volunteer.street_id,
        community_id=volunteer.community_id,
        checkin=checkin,
        redemption=redemption,
        reverses=reverses,
        created_by=user,
        created_at=at or timezone.now(),
    )
    entry.full_clean()
    entry.save()
    earned = points if kind == EntryKind.AWARD else 0
    if reverses is not None and reverses.kind == EntryKind.AWARD:
        earned = points
    PointsAccount.objects.filter(pk=account.pk).update(
        balance=F("balance") + points,
        earned=F("earned") + earned,
        updated_at=timezone.now(),
    )
    account.balance += points
    account.earned += earned
    return entry


@transaction.atomic
def points_award(
    *, user: User, volunteer: Volunteer, points: int, reason: str
) -> PointsEntry:
    """Award points for service recorded outside an activity (with a reason)."""
    require(user, "volunteers.correct_points", volunteer)
    reason = (reason or "").strip()
    if not reason:
        raise _invalid(_("发放积分须填写事由。"), "reason")
    if int(points) <= 0:
        raise _invalid(_("发放的积分须大于 0。"), "points")
    return _ledger_append(
        volunteer=volunteer,
        kind=EntryKind.AWARD,
        points=int(points),
        reason=reason,
        user=user,
    )


@transaction.atomic
def points_correct(
    *, user: User, volunteer: Volunteer, points: int, reason: str
) -> PointsEntry:
    """Add a correction entry (plus or minus) with its reason."""
    require(user, "volunteers.correct_points", volunteer)
    reason = (reason or "").strip()
    if not reason:
        raise _invalid(_("调整积分须填写原因。"), "reason")
    if not points:
        raise _invalid(_("调整的积分不能为 0。"), "points")
    return _ledger_append(
        volunteer=volunteer,
        kind=EntryKind.CORRECTION,
        points=int(points),
        reason=reason,
        user=user,
    )


@transaction.atomic
def points_reverse(*, user: User, entry: PointsEntry, reason: str) -> PointsEntry:
    """Reverse a ledger entry with a reason; return the reversing entry.

    The entry stays; a new entry of the opposite sign names it. Reversing a
    redemption also cancels it and puts the items back in stock.
    """
    volunteer = entry.volunteer
    require(user, "volunteers.correct_points", volunteer)
    reason = (reason or "").strip()
    if not reason:
        raise _invalid(_("冲正须填写原因。"), "reason")
    account = _account_locked(volunteer)  # first lock: serialises reversals
    entry = PointsEntry.objects.select_related("redemption").get(pk=entry.pk)
    if entry.kind == EntryKind.REVERSAL:
        raise _invalid(_("冲正记录不能再冲正，如有错误请另行调整。"))
    if PointsEntry.objects.filter(reverses=entry).exists():
        raise _invalid(_("该记录已冲正过。"))
    if entry.redemption_id:
        redemption = Redemption.objects.select_for_update().get(pk=entry.redemption_id)
        if redemption.status != RedemptionStatus.DONE:
            raise _invalid(_("该兑换已撤销。"))
        now = timezone.now()
        redemption.status = RedemptionStatus.CANCELLED
        redemption.cancelled_at = now
        redemption.cancel_reason = reason
        redemption.save(
            update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"]
        )
        StationItem.objects.filter(pk=redemption.item_id).update(
            stock=F("stock") + redemption.quantity, updated_at=now
        )
    try:
        with transaction.atomic():
            return _ledger_append(
                volunteer=volunteer,
                kind=EntryKind.REVERSAL,
                points=-entry.points,
                reason=reason,
                user=user,
                reverses=entry,
                account=account,
            )
    except IntegrityError as exc:
        raise _invalid(_("该记录已冲正过。")) from exc


def points_balance(volunteer: Volunteer) -> int:
    """Return the volunteer's balance (the cached row; equal to the sum)."""
    return (
        PointsAccount.objects.filter(volunteer=volunteer)
        .values_list("balance", flat=True)
        .first()
        or 0
    )


def points_ledger_sum(volunteer: Volunteer) -> int:
    """Return the sum of the volunteer's ledger entries."""
    return (
        PointsEntry.objects.filter(volunteer=volunteer).aggregate(s=Sum("points"))["s"]
        or 0
    )
