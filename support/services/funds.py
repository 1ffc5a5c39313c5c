"""Writes of the community funds: budget lines and spendings with vouchers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.models import OrgNode
from portal.models import User
from portal.roles import require
from portal.uploads import upload_check
from support.attachments import VOUCHER
from support.models import Budget, BudgetRevision, Spending
from support.services._common import (
    Amount,
    _check_community,
    _community_target,
    _today,
)

MIN_YEAR, MAX_YEAR = 2000, 2100


def _spent(budget: Budget) -> Decimal:
    return budget.spendings.filter(voided_at__isnull=True).aggregate(
        total=Sum("amount")
    )["total"] or Decimal("0")


@transaction.atomic
def budget_set(
    *,
    user: User,
    community: OrgNode,
    year: int,
    line: str,
    amount: Amount,
    reason: str = "",
) -> Budget:
    """Set one budget line of ``community`` for ``year``; keep the revision."""
    _check_community(community)
    require(user, "support.manage", **_community_target(community))
    if not MIN_YEAR <= int(year) <= MAX_YEAR:
        raise ValidationError({"year": _("年度无效。")})
    amount = Decimal(amount)
    if amount < 0:
        raise ValidationError({"amount": _("预算金额不能为负数。")})
    budget = (
        Budget.objects.select_for_update()
        .filter(community=community, year=year, line=line)
        .first()
    )
    before = None
    if budget is None:
        budget = Budget(
            street_id=community.street_id,
            community=community,
            year=year,
            line=line,
            amount=amount,
        )
    else:
        before = budget.amount
        if amount == before:
            return budget
        spent = _spent(budget)
        if amount < spent:
            raise ValidationError(
                {
                    "amount": _("预算不能低于已支出金额 %(spent)s 元。")
                    % {"spent": spent}
                }
            )
        budget.amount = amount
    budget.full_clean()
    try:
        with transaction.atomic():
            budget.save()
    except IntegrityError as exc:
        # A concurrent first write of the same line: let the caller retry.
        raise ValidationError(_("该经费科目刚被他人设置，请刷新后重试。")) from exc
    BudgetRevision.objects.create(
        budget=budget,
        amount_before=before,
        amount_after=amount,
        reason=reason,
        changed_by=user,
    )
    return budget


@transaction.atomic
def spending_create(
    *,
    user: User,
    budget: Budget,
    amount: Amount,
    spent_on: date,
    purpose: str,
    payee: str = "",
    attachment: File | None = None,
) -> Spending:
    """Record a spending against ``budget`` with an optional voucher file.

    The budget row is locked, so two concurrent records cannot together spend
    more than the line holds.
    """
    require(
        user,
        "support.record_spending",
        street_id=budget.street_id,
        community_id=budget.community_id,
    )
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    amount = Decimal(amount)
    errors = {}
    if amount <= 0:
        errors["amount"] = _("金额必须大于 0。")
    if spent_on.year != budget.year:
        errors["spent_on"] = _("支出日期须在%s年度内。") % budget.year
    elif spent_on > _today():
        errors["spent_on"] = _("支出日期不能晚于今天。")
    if not (purpose or "").strip():
        errors["purpose"] = _("请填写用途。")
    if errors:
        raise ValidationError(errors)
    left = budget.amount - _spent(budget)
    if amount > left:
        raise ValidationError(
            {
                "amount": _("超出“%(line)s”的剩余额度（剩余 %(left)s 元）。")
                % {"line": budget.get_line_display(), "left": left}
            }
        )
    spending = Spending(
        street_id=budget.street_id,
        community_id=budget.community_id,
        budget=budget,
        amount=amount,
        spent_on=spent_on,
        purpose=purpose.strip(),
        payee=payee,
        created_by=user,
    )
    if attachment is not None:
        # Photos of receipts come back re-encoded: no GPS position, no bytes
        # hidden after the picture.
        checked = upload_check(attachment, policy=VOUCHER)
        spending.attachment_type = checked.content_type
        spending.attachment_name = checked.original_name
        attachment = ContentFile(checked.data)
    spending.full_clean(exclude=["attachment"])
    if attachment is not None:
        # The stored name comes from ``upload_to``; the client's name is only
        # kept as a label.
        spending.attachment.save("upload", attachment, save=False)
    spending.save()
    return spending


@transaction.atomic
def spending_void(*, user: User, spending: Spending, reason: str) -> Spending:
    """Void a wrong spending record (the row stays, with who, when and why)."""
    require(user, "support.record_spending", spending)
    spending = Spending.objects.select_for_update().get(pk=spending.pk)
    if spending.voided_at is not None:
        raise ValidationError(_("该支出记录已作废。"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请说明作废原因。")})
    spending.voided_at = timezone.now()
    spending.voided_by = user
    spending.void_reason = reason.strip()
    spending.save(update_fields=["voided_at", "voided_by", "void_reason", "updated_at"])
    return spending
