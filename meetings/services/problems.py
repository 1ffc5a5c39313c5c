"""Problems on a committee's agenda: raised, fed from the grid, escalated,
answered, and resolved with the result fed back to whoever raised them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grids import services as grid_services
from grids.models import Case, CaseStatus
from meetings.models import (
    OPEN_PROBLEM_STATUSES,
    ActionItemStatus,
    Meeting,
    MeetingStatus,
    Problem,
    ProblemEvent,
    ProblemEventKind,
    ProblemSource,
    ProblemStatus,
)
from meetings.services._common import (
    _actor,
    _require,
    _tz,
    committee_target,
    is_committee_member,
)
from orgs.models import Committee, CommitteeKind, OrgKind, OrgNode
from portal.models import Role, User
from portal.notify import notify
from portal.roles import Actor, can


def next_meeting(
    committee: Committee, *, after: datetime | None = None
) -> Meeting | None:
    """Return the committee's next scheduled meeting (from now), or None."""
    after = after or timezone.now()
    return (
        Meeting.objects.filter(
            committee=committee, status=MeetingStatus.SCHEDULED, held_at__gte=after
        )
        .order_by("held_at", "id")
        .first()
    )


def _event(
    problem: Problem, kind: str, user: User | None = None, note: str = ""
) -> ProblemEvent:
    return ProblemEvent.objects.create(
        problem=problem, kind=kind, actor=_actor(user), note=note
    )


def can_report_problem(user: Actor, committee: Committee) -> bool:
    if can(user, "meetings.manage", **committee_target(committee)):
        return True
    return can(user, "meetings.report_problem") and is_committee_member(user, committee)


@transaction.atomic
def problem_create(
    *,
    user: User | None,
    committee: Committee,
    title: str,
    description: str = "",
    source: str = ProblemSource.MEMBER_UNIT,
    meeting: Meeting | None = None,
    reporter_name: str = "",
    reporter_unit: OrgNode | None = None,
    raised_during_meeting: bool = False,
) -> Problem:
    """Put a problem on a committee's agenda (its next meeting unless given)."""
    if user is not None and not can_report_problem(user, committee):
        raise PermissionDenied(_("您没有向该委员会反映问题的权限。"))
    if source not in (ProblemSource.MEMBER_UNIT, ProblemSource.RESIDENT):
        raise ValidationError(
            {"source": _("这里只能登记成员单位或居民代表反映的问题。")}
        )
    if meeting is not None:
        if meeting.committee_id != committee.pk:
            raise ValidationError(_("会议不属于该委员会。"))
        if meeting.status == MeetingStatus.CANCELLED:
            raise ValidationError(_("会议已取消，不能再添加问题。"))
    else:
        meeting = next_meeting(committee)
    if reporter_unit is not None and (
        reporter_unit.kind != OrgKind.UNIT
        or reporter_unit.street_id != committee.street_id
    ):
        raise ValidationError({"reporter_unit": _("反映单位必须是本街道的驻区单位。")})
    problem = Problem(
        committee=committee,
        meeting=meeting,
        street_id=committee.street_id,
        community_id=committee.community_id,
        source=source,
        title=(title or "").strip(),
        description=(description or "").strip(),
        raised_during_meeting=raised_during_meeting,
        reporter=_actor(user),
        reporter_name=(reporter_name or (str(user) if user else "")).strip()[:100],
        reporter_unit=reporter_unit,
    )
    problem.full_clean()
    problem.save()
    _event(problem, ProblemEventKind.CREATED, user, problem.description)
    return problem


def _normalise_history(history: Iterable[Any] | None) -> list[dict[str, str]]:
    rows = []
    for entry in history or ():
        if isinstance(entry, dict):
            at, actor = entry.get("at", ""), entry.get("actor", "")
            action, note = entry.get("action", ""), entry.get("note", "")
        else:
            at, actor, action, note = (list(entry) + ["", "", "", ""])[:4]
        if isinstance(at, datetime):
            at = timezone.localtime(at, _tz()).isoformat(timespec="minutes")
        rows.append(
            {
                "at": str(at or ""),
                "actor": str(actor or ""),
                "action": str(action or ""),
                "note": str(note or ""),
            }
        )
    return rows


@transaction.atomic
def problem_from_grid_case(
    *,
    case_id: int,
    level: str,
    street: OrgNode,
    title: str,
    text: str = "",
    history: Iterable[Any] = (),
    community: OrgNode | None = None,
    reporter: User | None = None,
    reporter_name: str = "",
) -> Problem:
    """Put a grid case escalated to a community or the street on the agenda.

    ``level`` is ``"community"`` (the community's 大党委) or ``"street"`` (the
    大工委). ``history`` is the case's steps as dicts (``at``, ``actor``,
    ``action``, ``note``) or tuples in that order; it is stored as received and
    shown with the problem. Idempotent per committee and case: importing the
    same case again only refreshes its history. When a case that already sits
    with a 大党委 reaches the street, that problem counts as escalated and the
    new one links back to it, so the history reads as one chain.
    """
    if level == "community":
        if community is None:
            raise ValidationError(_("升级到社区的网格事件必须指明社区。"))
        committee = Committee.objects.filter(
            kind=CommitteeKind.BIG_PARTY, community=community
        ).first()
    elif level == "street":
        committee = Committee.objects.filter(
            kind=CommitteeKind.BIG_WORKING, street=street
        ).first()
    else:
        raise ValidationError(_("网格事件只能升级到社区或街道。"))
    if committee is None:
        raise ValidationError(_("找不到对应的大党委或大工委，无法列入会议议程。"))
    history = _normalise_history(history)
    existing = (
        Problem.objects.select_for_update()
        .filter(committee=committee, grid_case_id=case_id)
        .first()
    )
    if existing is not None:
        if history != existing.grid_case_history:
            existing.grid_case_history = history
            existing.save(update_fields=["grid_case_history", "updated_at"])
        return existing
    origin = None
    if level == "street":
        origin = (
            Problem.objects.select_for_update(of=("self",))
            .filter(committee__kind=CommitteeKind.BIG_PARTY, grid_case_id=case_id)
            .exclude(
                pk__in=Problem.objects.filter(escalated_from__isnull=False).values(
                    "escalated_from_id"
                )
            )
            .first()
        )
    problem = Problem(
        committee=committee,
        meeting=next_meeting(committee),
        street_id=committee.street_id,
        community_id=community.pk if community is not None else committee.community_id,
        source=ProblemSource.GRID_CASE,
        title=(title or "").strip()[:200] or _("网格事件 #%s") % case_id,
        description=(text or "").strip(),
        reporter=reporter,
        reporter_name=(reporter_name or "").strip()[:100],
        grid_case_id=case_id,
        grid_case_history=history,
        escalated_from=origin,
    )
    problem.full_clean()
    problem.save()
    _event(
        problem,
        ProblemEventKind.GRID_CASE,
        None,
        _("网格事件 #%(id)s 升级至%(level)s，列入联席会议议程。")
        % {"id": case_id, "level": _("社区") if level == "community" else _("街道")},
    )
    if origin is not None and origin.status in OPEN_PROBLEM_STATUSES:
        origin.status = ProblemStatus.ESCALATED
        origin.save(update_fields=["status", "updated_at"])
        _event(origin, ProblemEventKind.ESCALATED, None, _("网格事件已升级至街道。"))
    return problem


def _street_staff(street_id: int) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            role_assignments__role__in=[Role.STREET_ADMIN, Role.STREET_STAFF],
            role_assignments__org_node_id=street_id,
        ).distinct()
    )


@transaction.atomic
def problem_escalate(*, user: User | None, problem: Problem, reason: str) -> Problem:
    """Send a problem a 大党委 cannot solve to the 大工委 (S9), with its history.

    The 大工委 gets a new problem linked to this one (``escalated_from``) on its
    next meeting's agenda; this one stays on record as escalated until the
    大工委's result comes back to it and to its reporter.
    """
    problem = (
        Problem.objects.select_for_update(of=("self",))
        .select_related("committee")
        .get(pk=problem.pk)
    )
    _require(user, "meetings.escalate", **committee_target(problem.committee))
    if problem.committee.kind != CommitteeKind.BIG_PARTY:
        raise ValidationError(_("只有大党委的问题可以上报大工委。"))
    if problem.status not in OPEN_PROBLEM_STATUSES:
        raise ValidationError(_("该问题已办结或已上报，不能再上报。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("请说明上报原因（大党委为何难以协调解决）。")}
        )
    big = Committee.objects.filter(
        kind=CommitteeKind.BIG_WORKING, street_id=problem.street_id
    ).first()
    if big is None:
        raise ValidationError(_("本街道还没有大工委，无法上报。"))
    upper = Problem(
        committee=big,
        meeting=next_meeting(big),
        street_id=problem.street_id,
        community_id=problem.community_id,
        source=ProblemSource.ESCALATED,
        title=problem.title,
        description=problem.description,
        reporter=None,  # the reporter is answered through the original problem
        reporter_name=problem.reporter_name,
        reporter_unit=problem.reporter_unit,
        escalated_from=problem,
        grid_case_id=problem.grid_case_id,
        grid_case_history=problem.grid_case_history,
    )
    upper.full_clean(validate_constraints=False)
    upper.save()
    problem.status = ProblemStatus.ESCALATED
    problem.save(update_fields=["status", "updated_at"])
    _event(problem, ProblemEventKind.ESCALATED, user, reason)
    _event(
        upper,
        ProblemEventKind.RECEIVED,
        user,
        _("%(committee)s上报：%(reason)s")
        % {"committee": problem.committee.name, "reason": reason},
    )
    notify(
        recipients=_street_staff(problem.street_id),
        title=_("大党委上报问题：%s") % problem.title,
        body=reason,
        link=reverse("meetings:problem", args=[upper.pk]),
        kind="meetings.escalation",
    )
    return upper


def _root(problem: Problem) -> Problem:
    while problem.escalated_from is not None:
        problem = problem.escalated_from
    return problem


def _feedback(problem: Problem, user: User | None) -> None:
    """Give the result back: up the escalation chain to the original reporter.

    Each level gets the result and a history line; the original problem's
    reporter gets it in the inbox (and the grid, for a grid case).
    """
    now = timezone.now()
    problem.feedback_sent_at = now
    problem.save(update_fields=["feedback_sent_at", "updated_at"])
    origin = problem.escalated_from
    if origin is not None:
        origin = Problem.objects.select_for_update().get(pk=origin.pk)
        origin.status = ProblemStatus.RESOLVED
        origin.result = _("大工委办理结果：%s") % problem.result
        origin.result_at = now
        origin.result_by = _actor(user)
        origin.save(
            update_fields=["status", "result", "result_at", "result_by", "updated_at"]
        )
        _event(origin, ProblemEventKind.RESOLVED, user, origin.result)
        _feedback(origin, user)
        return
    who = problem.reporter_name or (str(problem.reporter) if problem.reporter else "")
    if problem.reporter_id:
        notify(
            recipients=[problem.reporter],
            title=_("您反映的问题有结果了：%s") % problem.title,
            body=problem.result,
            link=reverse("meetings:problem", args=[problem.pk]),
            kind="meetings.feedback",
        )
    note = _("已将办理结果反馈给%s。") % (who or _("反映人"))
    if problem.grid_case_id and _grid_case_feedback(problem):
        note = _("网格事件 #%(id)s 已按会议结果办结，由网格请%(who)s确认。") % {
            "id": problem.grid_case_id,
            "who": who or _("反映人"),
        }
    _event(problem, ProblemEventKind.FEEDBACK, user, note)


def _grid_case_feedback(problem: Problem) -> bool:
    """Close the grid case with the result; return whether it was closed.

    The grid then asks the case's reporter to confirm (or reopen) it.
    """
    if problem.grid_case_id is None:
        return False
    case = Case.objects.filter(pk=problem.grid_case_id).first()
    if case is None or case.status != CaseStatus.OPEN:
        return False
    grid_services.case_close(
        user=None, case=case, result=_("联席会议办理结果：%s") % problem.result
    )
    return True


@transaction.atomic
def problem_answer(*, user: User | None, problem: Problem, answer: str) -> Problem:
    """Close a problem with a written answer (no action needed, or explained)."""
    problem = (
        Problem.objects.select_for_update(of=("self",))
        .select_related("committee")
        .get(pk=problem.pk)
    )
    _require(user, "meetings.manage", **committee_target(problem.committee))
    if problem.status not in OPEN_PROBLEM_STATUSES:
        raise ValidationError(_("该问题已办结或已上报。"))
    if problem.action_items.exclude(status=ActionItemStatus.DONE).exists():
        raise ValidationError(_("该问题还有未完成的举措，完成后会自动办结。"))
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("请填写答复内容。")})
    problem.status = ProblemStatus.ANSWERED
    problem.result = answer
    problem.result_at = timezone.now()
    problem.result_by = _actor(user)
    problem.save(
        update_fields=["status", "result", "result_at", "result_by", "updated_at"]
    )
    _event(problem, ProblemEventKind.ANSWERED, user, answer)
    _feedback(problem, user)
    return problem


def _problem_refresh(problem: Problem, user: User | None) -> Problem:
    """Roll the items up into the problem: progress, and resolution when all done."""
    items = list(problem.action_items.all())
    if not items:
        return problem
    weight = sum(i.weight for i in items)
    progress = round(sum(i.weight * i.progress for i in items) / weight)
    fields = ["progress", "updated_at"]
    problem.progress = progress
    if problem.status in OPEN_PROBLEM_STATUSES:
        if all(i.status == ActionItemStatus.DONE for i in items):
            problem.status = ProblemStatus.RESOLVED
            problem.result = "\n".join(
                _("%(unit)s：%(title)s（%(evidence)s）")
                % {"unit": i.unit.name, "title": i.title, "evidence": i.evidence}
                for i in items
            )
            problem.result_at = timezone.now()
            problem.result_by = _actor(user)
            fields += ["status", "result", "result_at", "result_by"]
        elif problem.status == ProblemStatus.OPEN:
            problem.status = ProblemStatus.IN_PROGRESS
            fields.append("status")
    problem.save(update_fields=fields)
    if problem.status == ProblemStatus.RESOLVED and "result" in fields:
        _event(problem, ProblemEventKind.RESOLVED, user, problem.result)
        _feedback(problem, user)
    return problem
