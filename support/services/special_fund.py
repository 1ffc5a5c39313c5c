"""Writes of the special fund: set-up, contributions, grants, reversals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from orgs.models import OrgKind, OrgNode
from portal.models import User
from portal.roles import require
from support.models import FundEntryKind, SpecialFund, SpecialFundEntry
from support.services._common import Amount, _today


@transaction.atomic
def special_fund_create(
    *,
    user: User,
    street: OrgNode | None,
    name: str,
    manager: str,
    established_on: date,
    **fields: Any,
) -> SpecialFund:
    """Set up a special fund of ``street`` managed by a third party."""
    if street is None or street.kind != OrgKind.STREET:
        raise ValidationError({"street": _("请选择街道。")})
    require(user, "support.manage", street_id=street.pk)
    fund = SpecialFund(
        street=street,
        name=name,
        manager=manager,
        established_on=established_on,
        **fields,
    )
    fund.full_clean()
    fund.save()
    return fund


def _lock_fund(fund: SpecialFund) -> SpecialFund:
    """Lock the fund row: entries are serialised per fund, balance checks hold."""
    return SpecialFund.objects.select_for_update().get(pk=fund.pk)


def _balance(fund: SpecialFund) -> Decimal:
    return SpecialFundEntry.objects.filter(fund=fund).aggregate(total=Sum("amount"))[
        "total"
    ] or Decimal("0")


def _check_entry_date(occurred_on: date, fund: SpecialFund) -> None:
    if occurred_on > _today():
        raise ValidationError({"occurred_on": _("发生日期不能晚于今天。")})
    if occurred_on < fund.established_on:
        raise ValidationError({"occurred_on": _("发生日期不能早于基金设立日期。")})


def _positive(amount: Amount) -> Decimal:
    amount = Decimal(amount)
    if amount <= 0:
        raise ValidationError({"amount": _("金额必须大于 0。")})
    return amount


@transaction.atomic
def special_fund_contribute(
    *,
    user: User,
    fund: SpecialFund,
    amount: Amount,
    occurred_on: date,
    counterparty: str,
    purpose: str = "",
    unit: OrgNode | None = None,
) -> SpecialFundEntry:
    """Record money paid into the fund (by a unit, a company, a donor)."""
    require(user, "support.manage", street_id=fund.street_id)
    fund = _lock_fund(fund)
    amount = _positive(amount)
    _check_entry_date(occurred_on, fund)
    if unit is not None and (
        unit.kind != OrgKind.UNIT or unit.street_id != fund.street_id
    ):
        raise ValidationError({"unit": _("出资单位须是本街道的驻街单位。")})
    entry = SpecialFundEntry(
        fund=fund,
        street_id=fund.street_id,
        unit=unit,
        kind=FundEntryKind.CONTRIBUTION,
        amount=amount,
        occurred_on=occurred_on,
        counterparty=counterparty or (unit.name if unit else ""),
        purpose=purpose or _("资金注入"),
        created_by=user,
    )
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def special_fund_grant(
    *,
    user: User,
    fund: SpecialFund,
    amount: Amount,
    occurred_on: date,
    counterparty: str,
    purpose: str,
    community: OrgNode | None = None,
) -> SpecialFundEntry:
    """Pay a grant out of the fund; refused when the balance does not cover it."""
    require(user, "support.manage", street_id=fund.street_id)
    fund = _lock_fund(fund)
    amount = _positive(amount)
    _check_entry_date(occurred_on, fund)
    if community is not None and (
        community.kind != OrgKind.COMMUNITY or community.street_id != fund.street_id
    ):
        raise ValidationError({"community": _("受助社区须是本街道的社区。")})
    if not (purpose or "").strip():
        raise ValidationError({"purpose": _("请填写拨付用途。")})
    balance = _balance(fund)
    if amount > balance:
        raise ValidationError(
            {"amount": _("余额不足：当前余额 %(balance)s 元。") % {"balance": balance}}
        )
    entry = SpecialFundEntry(
        fund=fund,
        street_id=fund.street_id,
        community=community,
        kind=FundEntryKind.GRANT,
        amount=-amount,
        occurred_on=occurred_on,
        counterparty=counterparty or (community.name if community else ""),
        purpose=purpose.strip(),
        created_by=user,
    )
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def special_fund_entry_reverse(
    *, user: User, entry: SpecialFundEntry, reason: str
) -> SpecialFundEntry:
    """Correct a wrong entry by appending its reversal (the ledger never changes)."""
    require(user, "support.manage", street_id=entry.street_id)
    fund = _lock_fund(entry.fund)
    entry = SpecialFundEntry.objects.get(pk=entry.pk)
    if entry.kind == FundEntryKind.REVERSAL:
        raise ValidationError(_("冲正记录不能再冲正。"))
    if SpecialFundEntry.objects.filter(reverses=entry).exists():
        raise ValidationError(_("该记录已冲正。"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请说明冲正原因。")})
    if _balance(fund) - entry.amount < 0:
        raise ValidationError(_("冲正后余额将为负数，请先冲正相关拨付。"))
    reversal = SpecialFundEntry(
        fund=fund,
        street_id=fund.street_id,
        community_id=entry.community_id,
        unit_id=entry.unit_id,
        kind=FundEntryKind.REVERSAL,
        amount=-entry.amount,
        occurred_on=_today(),
        counterparty=entry.counterparty,
        purpose=_("冲正：%s") % reason.strip(),
        reverses=entry,
        created_by=user,
    )
    reversal.full_clean()
    try:
        with transaction.atomic():
            reversal.save()
    except IntegrityError as exc:
        raise ValidationError(_("该记录已冲正。")) from exc
    return reversal
