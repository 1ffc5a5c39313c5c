"""Routine visits to cells, with an optional case for what was found."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Cell, Visit
from grids.photos import PHOTOS
from grids.services._common import _cell_target, _photos_save
from grids.services.cases import case_report
from orgs.models import Person
from portal.models import User
from portal.roles import require
from portal.uploads import uploads_check


def _person_of(user: User | None) -> Person | None:
    return Person.objects.filter(user=user).first()


# -- visits --------------------------------------------------------------------------


@transaction.atomic
def visit_log(
    *,
    user: User | None,
    cell: Cell,
    visited_on: date | None,
    findings: str,
    photos: Iterable[Any] = (),
    case: Mapping[str, Any] | None = None,
    today: date | None = None,
) -> Visit:
    """Log a routine visit to ``cell`` (a household is a level-6 cell).

    ``case`` — a dict of ``category``, ``title``, ``description`` — also
    reports what was found as a case in the same transaction.
    """
    require(user, "grids.visit", **_cell_target(cell), cell=cell)
    files = uploads_check(photos, policy=PHOTOS)
    today = today or timezone.localdate()
    if visited_on is None or visited_on > today:
        raise ValidationError({"visited_on": _("巡访日期不能晚于今天。")})
    findings = (findings or "").strip()
    visit = Visit(
        cell=cell,
        street_id=cell.street_id,
        community_id=cell.community_id,
        visitor=_person_of(user),
        recorded_by=user,
        visited_on=visited_on,
        findings=findings,
    )
    visit.full_clean()
    visit.save()
    _photos_save(files, user=user, visit=visit)
    if case:
        case_report(
            user=user,
            cell=cell,
            # The form requires a category; ``case_report`` checks it anyway.
            category=cast(str, case.get("category")),
            title=case.get("title") or findings[:60],
            description=case.get("description") or findings,
            source_visit=visit,
            today=today,
        )
    return visit
