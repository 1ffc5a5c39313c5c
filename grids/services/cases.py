"""Cases: report, note, escalate, close, confirm, reopen; overdue escalation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import (
    NEXT_LEVEL,
    Case,
    CaseEvent,
    CaseEventKind,
    CaseLevel,
    CaseStatus,
    Cell,
    ReporterKind,
    Visit,
)
from grids.photos import PHOTOS
from grids.services._common import _cell_target, _photos_save, _require
from orgs.models import CommitteeKind, OrgKind, OrgNode
from portal.models import Role, User
from portal.notify import notify
from portal.roles import Actor, can, require
from portal.scope import scope_for
from portal.uploads import uploads_check

#: Days a case gets at each level: on report, on escalation, on reopening.
DEADLINE_DAYS: dict[str, int] = {
    CaseLevel.CELL: 3,
    CaseLevel.COMMUNITY: 7,
    CaseLevel.STREET: 15,
}

#: Which joint meeting takes up a case escalated to a level (S8, S9).
COMMITTEE_FOR_LEVEL: dict[str, str] = {
    CaseLevel.COMMUNITY: CommitteeKind.BIG_PARTY,
    CaseLevel.STREET: CommitteeKind.BIG_WORKING,
}

AUTO_ESCALATION_REASON = "超过办理期限仍未办结，系统自动提级上报。"


# -- permissions ---------------------------------------------------------------


def _handle_target(case: Case) -> dict[str, Any]:
    """Return who may act on a case at its current level."""
    if case.level == CaseLevel.CELL:
        return {
            "street_id": case.street_id,
            "community_id": case.community_id,
            "cell": case.cell,
        }
    if case.level == CaseLevel.COMMUNITY:
        return {"street_id": case.street_id, "community_id": case.community_id}
    return {"street_id": case.street_id}


def _require_handle(user: User | None, case: Case) -> None:
    _require(user, "grids.handle_case", **_handle_target(case))


def case_may_handle(user: Actor, case: Case) -> bool:
    """Return whether ``user`` may act on ``case`` at its current level."""
    return can(user, "grids.handle_case", **_handle_target(case))


def case_may_answer(user: User | AnonymousUser, case: Case) -> bool:
    """Return whether ``user`` may confirm or reopen ``case`` (its reporter, or
    a handler recording the reporter's answer given by phone or in person)."""
    return case.reporter_id == user.pk or case_may_handle(user, case)


# -- cases -------------------------------------------------------------------------


@dataclass(frozen=True)
class Escalation:
    """What ``case_escalate`` returns: the case, the history row, and which
    committee's next joint meeting should take the case up (S8, S9)."""

    case: Case
    event: CaseEvent

    @property
    def level(self) -> str:
        return self.event.to_level

    @property
    def committee_kind(self) -> str:
        """``big_party`` (community's 大党委) or ``big_working`` (street 大工委)."""
        return COMMITTEE_FOR_LEVEL[self.event.to_level]


def _reporter_kind(user: User | None, unit: OrgNode | None) -> str:
    scope = scope_for(user)
    if scope.is_street_level:
        return ReporterKind.CADRE
    if scope.has_role(Role.COMMUNITY_SECRETARY, Role.GRID_WORKER):
        return ReporterKind.WORKER
    if unit is not None or scope.has_role(Role.UNIT_HEAD):
        return ReporterKind.UNIT
    return ReporterKind.RESIDENT


def actor_name(user: User | None) -> str:
    """Return the name kept on history rows (it stays if the account goes)."""
    if user is None:
        return _("系统")
    return str(user)[:100]


def _event(
    case: Case,
    kind: str,
    *,
    by: User | None,
    text: str = "",
    from_level: str = "",
    to_level: str = "",
    at: datetime | None = None,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        by=by,
        actor_name=actor_name(by),
        text=text,
        from_level=from_level,
        to_level=to_level,
        street_id=case.street_id,
        community_id=case.community_id,
        at=at or timezone.now(),
    )


def _case_link(case: Case) -> str:
    return reverse("grids:case", args=[case.pk])


def _level_users(case: Case, level: str) -> list[User]:
    """Return the users who handle cases at ``level`` for ``case``."""
    if level == CaseLevel.COMMUNITY:
        q = Q(
            role_assignments__role=Role.COMMUNITY_SECRETARY,
            role_assignments__org_node_id=case.community_id,
        )
    elif level == CaseLevel.STREET:
        q = Q(
            role_assignments__role__in=[Role.STREET_ADMIN, Role.STREET_STAFF],
            role_assignments__org_node_id=case.street_id,
        )
    else:
        ancestors = case.cell.get_ancestors(include_self=True).values("pk")
        q = Q(
            role_assignments__role=Role.GRID_WORKER,
            role_assignments__cell_id__in=ancestors,
        )
    return list(User.objects.filter(q, is_active=True).distinct())


def _notify_level(
    case: Case, level: str, *, title: str, body: str, exclude: User | None = None
) -> None:
    recipients = [u for u in _level_users(case, level) if u != exclude]
    notify(
        recipients=recipients,
        title=title,
        body=body,
        link=_case_link(case),
        kind="grids.case",
    )


def _lock_case(case: Case) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("cell")
        .get(pk=case.pk)
    )


@transaction.atomic
def case_report(
    *,
    user: User | None,
    cell: Cell,
    category: str,
    title: str,
    description: str,
    deadline: date | None = None,
    location: str = "",
    unit: OrgNode | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    photos: Iterable[Any] = (),
    source_visit: Visit | None = None,
    today: date | None = None,
) -> Case:
    """Report a problem in ``cell`` and return the new case.

    ``reporter_name``/``reporter_phone`` record a resident on whose behalf a
    worker reports; the result is then fed back to the worker's inbox.
    """
    target = {**_cell_target(cell), "cell": cell}
    if unit is not None:
        target["unit_id"] = unit.pk
    require(user, "grids.report_case", **target)
    files = uploads_check(photos, policy=PHOTOS)
    today = today or timezone.localdate()
    if unit is not None and (
        unit.kind != OrgKind.UNIT or unit.community_id != cell.community_id
    ):
        raise ValidationError({"unit": _("所选单位不在该网格所属社区内。")})
    if deadline is None:
        deadline = today + timedelta(days=DEADLINE_DAYS[CaseLevel.CELL])
    elif deadline < today:
        raise ValidationError({"deadline": _("办理期限不能早于今天。")})
    kind = ReporterKind.RESIDENT if reporter_name else _reporter_kind(user, unit)
    case = Case(
        cell=cell,
        street_id=cell.street_id,
        community_id=cell.community_id,
        unit=unit,
        category=category,
        title=(title or "").strip(),
        description=(description or "").strip(),
        location=location,
        deadline=deadline,
        reporter=user,
        reporter_kind=kind,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        source_visit=source_visit,
    )
    case.full_clean()
    case.save()
    _event(case, CaseEventKind.REPORTED, by=user, text=case.description)
    _photos_save(files, user=user, case=case)
    _notify_level(
        case,
        CaseLevel.CELL,
        title=_("网格“%(cell)s”有新事件：%(title)s")
        % {"cell": cell.name, "title": case.title},
        body=case.description,
        exclude=user,
    )
    return case


@transaction.atomic
def case_note(*, user: User | None, case: Case, text: str) -> CaseEvent:
    """Add a progress note to an open case."""
    case = _lock_case(case)
    _require_handle(user, case)
    if case.status != CaseStatus.OPEN:
        raise ValidationError(_("只有处理中的事件可以添加处理进展。"))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("请填写处理进展。")})
    return _event(case, CaseEventKind.NOTE, by=user, text=text)


@transaction.atomic
def case_escalate(
    *, user: User | None, case: Case, reason: str, today: date | None = None
) -> Escalation:
    """Escalate an open case one level up (cell → community → street).

    Return an ``Escalation``; a case reaching the community or the street is
    then listed by ``grids.selectors.cases_escalated_to`` for the next joint
    meeting of that level's committee.
    """
    case = _lock_case(case)
    _require_handle(user, case)
    if case.status != CaseStatus.OPEN:
        raise ValidationError(_("只有处理中的事件可以上报。"))
    next_level = NEXT_LEVEL.get(case.level)
    if next_level is None:
        raise ValidationError(_("事件已在街道层级办理，不能再往上报。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请说明上报的原因。")})
    today = today or timezone.localdate()
    now = timezone.now()
    from_level = case.level
    case.level = next_level
    case.escalated_at = now
    case.deadline = today + timedelta(days=DEADLINE_DAYS[next_level])
    case.save(update_fields=["level", "escalated_at", "deadline", "updated_at"])
    event = _event(
        case,
        CaseEventKind.ESCALATED,
        by=user,
        text=reason,
        from_level=from_level,
        to_level=next_level,
        at=now,
    )
    _notify_level(
        case,
        next_level,
        title=_("事件提级到%(level)s：%(title)s")
        % {"level": CaseLevel(next_level).label, "title": case.title},
        body=reason,
        exclude=user,
    )
    return Escalation(case=case, event=event)


@transaction.atomic
def case_close(*, user: User | None, case: Case, result: str) -> Case:
    """Close an open case with its result and ask the reporter to confirm."""
    case = _lock_case(case)
    _require_handle(user, case)
    if case.status != CaseStatus.OPEN:
        raise ValidationError(_("该事件不在处理中，不能办结。"))
    result = (result or "").strip()
    if not result:
        raise ValidationError({"result": _("请填写办理结果。")})
    case.status = CaseStatus.CLOSED
    case.result = result
    case.closed_at = timezone.now()
    case.closed_by = user
    case.save(
        update_fields=["status", "result", "closed_at", "closed_by", "updated_at"]
    )
    _event(case, CaseEventKind.CLOSED, by=user, text=result, at=case.closed_at)
    if case.reporter_id and case.reporter_id != getattr(user, "pk", None):
        notify(
            recipients=[case.reporter],
            title=_("您反映的问题已办结，请确认是否真正解决：%s") % case.title,
            body=result,
            link=_case_link(case),
            kind="grids.case_feedback",
        )
    return case


def _require_answer(user: User, case: Case) -> None:
    if not case_may_answer(user, case):
        raise PermissionDenied(_("只有反映人或办理人可以确认或重新打开事件。"))


@transaction.atomic
def case_confirm(*, user: User, case: Case, text: str = "") -> Case:
    """Record that the reporter confirms the problem is really solved."""
    case = _lock_case(case)
    _require_answer(user, case)
    if case.status != CaseStatus.CLOSED:
        raise ValidationError(_("只有已办结的事件可以确认。"))
    case.status = CaseStatus.CONFIRMED
    case.confirmed_at = timezone.now()
    case.save(update_fields=["status", "confirmed_at", "updated_at"])
    if case.reporter_id != user.pk and not text:
        text = _("办理人代反映人确认。")
    _event(case, CaseEventKind.CONFIRMED, by=user, text=text, at=case.confirmed_at)
    return case


@transaction.atomic
def case_reopen(
    *, user: User, case: Case, reason: str, today: date | None = None
) -> Case:
    """Reopen a closed case the reporter says is not solved; it stays at its level."""
    case = _lock_case(case)
    _require_answer(user, case)
    if case.status != CaseStatus.CLOSED:
        raise ValidationError(_("只有已办结待确认的事件可以重新打开。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请说明问题为什么没有解决。")})
    today = today or timezone.localdate()
    closer = case.closed_by
    case.status = CaseStatus.OPEN
    case.reopen_count += 1
    case.closed_at = None
    case.closed_by = None
    case.deadline = today + timedelta(days=DEADLINE_DAYS[case.level])
    case.save(
        update_fields=[
            "status",
            "reopen_count",
            "closed_at",
            "closed_by",
            "deadline",
            "updated_at",
        ]
    )
    _event(case, CaseEventKind.REOPENED, by=user, text=reason)
    if closer is not None and closer != user:
        notify(
            recipients=[closer],
            title=_("事件被重新打开：%s") % case.title,
            body=reason,
            link=_case_link(case),
            kind="grids.case",
        )
    return case


def cases_escalate_overdue(*, today: date | None = None, limit: int = 500) -> int:
    """Escalate open cases past their deadline one level up; return how many.

    Each case is claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` in its own
    transaction; escalation sets a new deadline, so a second run the same day
    finds nothing to do.
    """
    today = today or timezone.localdate()
    done = 0
    while done < limit:
        with transaction.atomic():
            case = (
                Case.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(
                    status=CaseStatus.OPEN,
                    level__in=list(NEXT_LEVEL),
                    deadline__lt=today,
                )
                .order_by("deadline", "id")
                .first()
            )
            if case is None:
                break
            case_escalate(
                user=None, case=case, reason=AUTO_ESCALATION_REASON, today=today
            )
            done += 1
    return done
