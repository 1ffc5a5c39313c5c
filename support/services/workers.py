"""Writes of the workforce: registering workers, their changes, their leaving."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from grids.models import Cell
from orgs.models import OrgNode, Person
from orgs.services import person_get_or_create
from portal.models import User
from portal.roles import require
from support.models import Worker, WorkerType
from support.services._common import _check_community, _community_target, _today


def _check_cells(cells: Iterable[Cell], community: OrgNode) -> list[Cell]:
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


@transaction.atomic
def worker_create(
    *,
    user: User,
    worker_type: str,
    community: OrgNode,
    employer: str,
    hired_on: date,
    person: Person | None = None,
    name: str = "",
    phone: str = "",
    cells: Iterable[Cell] = (),
    note: str = "",
) -> Worker:
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
def worker_update(
    *,
    user: User,
    worker: Worker,
    employer: str,
    hired_on: date,
    cells: Iterable[Cell] = (),
    note: str = "",
) -> Worker:
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
def worker_leave(
    *, user: User, worker: Worker, left_on: date, reason: str = ""
) -> Worker:
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
