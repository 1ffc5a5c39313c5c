"""Every write of the support app: one entry point per rule.

Each service takes keyword-only arguments, runs in one transaction, checks the
permission first (403), validates (``ValidationError`` with a Chinese
message) and only then writes. Views, API, admin and the seed call these.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.models import OrgKind, OrgNode
from orgs.services import person_get_or_create
from portal.roles import require
from portal.uploads import upload_check
from support.attachments import VOUCHER
from support.models import (
    AttendanceStatus,
    Budget,
    BudgetRevision,
    FundEntryKind,
    SocialOrg,
    SocialOrgStatusChange,
    SpecialFund,
    SpecialFundEntry,
    Spending,
    Training,
    TrainingAttendance,
    Worker,
    WorkerType,
)

MIN_YEAR, MAX_YEAR = 2000, 2100


def _community_target(community):
    return {"street_id": community.street_id, "community_id": community.pk}


def _check_community(community):
    if community is None or community.kind != OrgKind.COMMUNITY:
        raise ValidationError({"community": _("请选择一个社区。")})


def _check_cells(cells, community):
    cells = list(cells)
    for cell in cells:
        if cell.community_id != community.pk:
            raise ValidationError(
                {
                    "cells": _("网格“%(cell)s”不在%(community)s内。")
                    % {"cell": cell.code, "community": community.name}
                }
            )
    return cells


def _today():
    return timezone.localdate()


# -- workers ---------------------------------------------------------------------
@transaction.atomic
def worker_create(
    *,
    user,
    worker_type,
    community,
    employer,
    hired_on,
    person=None,
    name="",
    phone="",
    cells=(),
    note="",
):
    """Register a social worker or grid worker in ``community``.

    Give an existing ``person``, or ``name`` (and ``phone``): a person of the
    street with that name and phone is reused, else one is created.
    """
    _check_community(community)
    require(user, "support.manage", **_community_target(community))
    if person is None:
        name = (name or "").strip()
        phone = (phone or "").strip()
        if not name:
            raise ValidationError({"name": _("请填写姓名。")})
        person, _created = person_get_or_create(
            street=community.street, community=community, name=name, phone=phone
        )
    elif person.street_id != community.street_id:
        raise ValidationError({"person": _("该人员不属于本街道。")})
    if Worker.objects.filter(
        person=person, worker_type=worker_type, left_on__isnull=True
    ).exists():
        raise ValidationError(
            _("%(name)s已是在岗的%(type)s，不能重复登记。")
            % {"name": person.name, "type": WorkerType(worker_type).label}
        )
    cells = _check_cells(cells, community)
    worker = Worker(
        person=person,
        worker_type=worker_type,
        street_id=community.street_id,
        community=community,
        employer=employer,
        hired_on=hired_on,
        note=note,
    )
    worker.full_clean()
    worker.save()
    worker.cells.set(cells)
    return worker


@transaction.atomic
def worker_update(*, user, worker, employer, hired_on, cells=(), note=""):
    """Change a worker's employer, hire date, covered cells and note."""
    require(user, "support.manage", worker)
    worker = Worker.objects.select_for_update().get(pk=worker.pk)
    cells = _check_cells(cells, worker.community)
    worker.employer = employer
    worker.hired_on = hired_on
    worker.note = note
    worker.full_clean()
    worker.save(update_fields=["employer", "hired_on", "note", "updated_at"])
    worker.cells.set(cells)
    return worker


@transaction.atomic
def worker_leave(*, user, worker, left_on, reason=""):
    """Record that a worker left their post; the row and history stay."""
    require(user, "support.manage", worker)
    worker = Worker.objects.select_for_update().get(pk=worker.pk)
    if worker.left_on is not None:
        raise ValidationError(_("该人员已于%s离岗。") % worker.left_on)
    if left_on < worker.hired_on:
        raise ValidationError({"left_on": _("离岗日期不能早于入职日期。")})
    if left_on > _today():
        raise ValidationError({"left_on": _("离岗日期不能晚于今天。")})
    worker.left_on = left_on
    if reason:
        stamp = _("%(date)s 离岗：%(reason)s") % {"date": left_on, "reason": reason}
        worker.note = f"{worker.note}\n{stamp}".strip()
    worker.save(update_fields=["left_on", "note", "updated_at"])
    return worker


# -- trainings ---------------------------------------------------------------------
def _training_target(street, community):
    if community is not None:
        return _community_target(community)
    return {"street_id": street.pk}


@transaction.atomic
def training_create(
    *,
    user,
    topic,
    held_on,
    trainer,
    street=None,
    community=None,
    location="",
    audience="",
):
    """Schedule or record a rotation training for a community or the street."""
    if community is not None:
        _check_community(community)
        street = OrgNode.objects.get(pk=community.street_id)
    if street is None or street.kind != OrgKind.STREET:
        raise ValidationError({"community": _("请选择社区，或选择全街道。")})
    require(user, "support.manage", **_training_target(street, community))
    training = Training(
        street=street,
        community=community,
        topic=topic,
        held_on=held_on,
        trainer=trainer,
        location=location,
        audience=audience,
        created_by=user,
    )
    training.full_clean()
    training.save()
    return training


@transaction.atomic
def training_update(*, user, training, topic, held_on, trainer, location=""):
    """Correct a training's topic, date, trainer or place."""
    require(
        user, "support.manage", **_training_target(training.street, training.community)
    )
    training = Training.objects.select_for_update().get(pk=training.pk)
    if held_on > _today() and training.attendances.exists():
        raise ValidationError(
            {"held_on": _("已登记出勤的培训，日期不能改到今天之后。")}
        )
    training.topic = topic
    training.held_on = held_on
    training.trainer = trainer
    training.location = location
    training.full_clean()
    training.save(
        update_fields=["topic", "held_on", "trainer", "location", "updated_at"]
    )
    return training


@transaction.atomic
def training_record_attendance(*, user, training, statuses):
    """Record attendance: ``statuses`` maps worker id → ``AttendanceStatus``.

    A worker left out keeps what was recorded before. Every worker must be
    eligible for the training and in a community the user may record for (a
    secretary records only their own workers at a street-wide training).
    """
    if training.held_on > _today():
        raise ValidationError(_("培训尚未举行，不能登记出勤。"))
    statuses = {int(k): v for k, v in statuses.items() if v}
    if not statuses:
        raise ValidationError(_("请至少登记一名人员的出勤。"))
    valid = set(AttendanceStatus.values)
    if not set(statuses.values()) <= valid:
        raise ValidationError(_("出勤状态无效。"))
    workers = {
        w.pk: w
        for w in Worker.objects.filter(pk__in=list(statuses)).select_related("person")
    }
    missing = set(statuses) - set(workers)
    if missing:
        raise ValidationError(_("有人员不存在（编号 %s）。") % min(missing))
    for worker in workers.values():
        require(
            user,
            "support.record_attendance",
            street_id=worker.street_id,
            community_id=worker.community_id,
        )
        if not _eligible(worker, training):
            raise ValidationError(
                _("%(name)s不在本次培训的参训范围内。") % {"name": worker.person.name}
            )
    rows = [
        TrainingAttendance(
            training=training,
            worker=worker,
            street_id=worker.street_id,
            community_id=worker.community_id,
            status=statuses[pk],
            recorded_by=user,
        )
        for pk, worker in workers.items()
    ]
    # One statement, race-free against a second recorder: the unique
    # (training, worker) pair turns a concurrent insert into an update.
    TrainingAttendance.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["training", "worker"],
        update_fields=["status", "recorded_by", "updated_at"],
    )
    return len(rows)


def _eligible(worker, training):
    if worker.street_id != training.street_id:
        return False
    if training.community_id and worker.community_id != training.community_id:
        return False
    if training.audience and worker.worker_type != training.audience:
        return False
    if worker.hired_on > training.held_on:
        return False
    return worker.left_on is None or worker.left_on >= training.held_on


# -- social organisations ------------------------------------------------------------
SOCIAL_ORG_FIELDS = (
    "name",
    "kind",
    "activity",
    "incubated_on",
    "leader_name",
    "contact_phone",
    "members",
    "registered",
    "venue",
    "note",
)


@transaction.atomic
def social_org_create(*, user, street=None, community=None, **fields):
    """Register a social organisation incubated by the street."""
    if community is not None:
        _check_community(community)
        street = OrgNode.objects.get(pk=community.street_id)
    if street is None or street.kind != OrgKind.STREET:
        raise ValidationError({"community": _("请选择社区，或选择街道层面。")})
    require(user, "support.manage", **_training_target(street, community))
    unknown = set(fields) - set(SOCIAL_ORG_FIELDS) - {"status"}
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    org = SocialOrg(street=street, community=community, **fields)
    org.full_clean()
    org.save()
    SocialOrgStatusChange.objects.create(
        org=org, from_status="", to_status=org.status, changed_by=user
    )
    return org


@transaction.atomic
def social_org_update(*, user, org, **fields):
    """Change a social organisation's details (not its status)."""
    require(user, "support.manage", **_training_target(org.street, org.community))
    unknown = set(fields) - set(SOCIAL_ORG_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    org = SocialOrg.objects.select_for_update().get(pk=org.pk)
    for name, value in fields.items():
        setattr(org, name, value)
    org.full_clean()
    org.save(update_fields=[*fields, "updated_at"])
    return org


@transaction.atomic
def social_org_set_status(*, user, org, status, reason=""):
    """Change a social organisation's status, keeping who, when and why."""
    require(user, "support.manage", **_training_target(org.street, org.community))
    org = SocialOrg.objects.select_for_update().get(pk=org.pk)
    if status == org.status:
        raise ValidationError({"status": _("状态没有变化。")})
    if not reason.strip():
        raise ValidationError({"reason": _("请说明变更原因。")})
    change = SocialOrgStatusChange(
        org=org,
        from_status=org.status,
        to_status=status,
        reason=reason.strip(),
        changed_by=user,
    )
    change.full_clean()
    org.status = status
    org.full_clean()
    org.save(update_fields=["status", "updated_at"])
    change.save()
    return org


# -- community funds --------------------------------------------------------------------
def _spent(budget):
    return budget.spendings.filter(voided_at__isnull=True).aggregate(
        total=Sum("amount")
    )["total"] or Decimal("0")


@transaction.atomic
def budget_set(*, user, community, year, line, amount, reason=""):
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
    *, user, budget, amount, spent_on, purpose, payee="", attachment=None
):
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
def spending_void(*, user, spending, reason):
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


# -- the special fund ----------------------------------------------------------------------
@transaction.atomic
def special_fund_create(*, user, street, name, manager, established_on, **fields):
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


def _lock_fund(fund):
    """Lock the fund row: entries are serialised per fund, balance checks hold."""
    return SpecialFund.objects.select_for_update().get(pk=fund.pk)


def _balance(fund):
    return SpecialFundEntry.objects.filter(fund=fund).aggregate(total=Sum("amount"))[
        "total"
    ] or Decimal("0")


def _check_entry_date(occurred_on, fund):
    if occurred_on > _today():
        raise ValidationError({"occurred_on": _("发生日期不能晚于今天。")})
    if occurred_on < fund.established_on:
        raise ValidationError({"occurred_on": _("发生日期不能早于基金设立日期。")})


def _positive(amount):
    amount = Decimal(amount)
    if amount <= 0:
        raise ValidationError({"amount": _("金额必须大于 0。")})
    return amount


@transaction.atomic
def special_fund_contribute(
    *, user, fund, amount, occurred_on, counterparty, purpose="", unit=None
):
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
    *, user, fund, amount, occurred_on, counterparty, purpose, community=None
):
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
def special_fund_entry_reverse(*, user, entry, reason):
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
