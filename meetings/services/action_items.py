"""Action items: agreed for a problem, reported on by their unit, rescheduled,
and marked overdue; each change rolls up into the problem."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.models import (
    OPEN_PROBLEM_STATUSES,
    ActionItem,
    ActionItemStatus,
    ActionItemUpdate,
    Attachment,
    Meeting,
    Problem,
    ProblemEventKind,
    ProblemSource,
)
from meetings.reminders import action_item_reminders_sync, unit_channels
from meetings.services._common import (
    _actor,
    _discard,
    _require,
    _store_files,
    committee_target,
)
from meetings.services.problems import _event, _problem_refresh, problem_create
from meetings.uploads import ATTACHMENTS
from orgs.models import Committee, CommitteeKind, OrgKind, OrgNode
from portal.models import User
from portal.notify import notify
from portal.uploads import CheckedFile, uploads_check


def _check_unit(unit: OrgNode | None, committee: Committee) -> None:
    if unit is None or unit.kind != OrgKind.UNIT:
        raise ValidationError({"unit": _("责任单位必须是驻区单位。")})
    if unit.street_id != committee.street_id:
        raise ValidationError({"unit": _("责任单位必须在本街道。")})
    if committee.kind == CommitteeKind.BIG_PARTY and unit.community_id != (
        committee.community_id
    ):
        raise ValidationError({"unit": _("大党委的举措只能交给本社区的驻区单位。")})


@transaction.atomic
def action_item_create(
    *,
    user: User | None,
    problem: Problem,
    unit: OrgNode,
    title: str,
    due_on: date | None,
    weight: int = 1,
    meeting: Meeting | None = None,
) -> ActionItem:
    """Agree a solution for a problem: a unit, a due date and a weight."""
    problem = (
        Problem.objects.select_for_update(of=("self",))
        .select_related("committee")
        .get(pk=problem.pk)
    )
    committee = problem.committee
    _require(user, "meetings.manage", **committee_target(committee))
    if problem.status not in OPEN_PROBLEM_STATUSES:
        raise ValidationError(_("该问题已办结或已上报，不能再添加举措。"))
    _check_unit(unit, committee)
    today = timezone.localdate()
    if due_on is None or due_on < today:
        raise ValidationError({"due_on": _("完成时限不能早于今天。")})
    meeting = meeting or problem.meeting
    if meeting is not None and meeting.committee_id != committee.pk:
        raise ValidationError(_("会议不属于该委员会。"))
    item = ActionItem(
        problem=problem,
        meeting=meeting,
        committee=committee,
        street_id=committee.street_id,
        community_id=unit.community_id,
        unit=unit,
        title=(title or "").strip(),
        due_on=due_on,
        weight=weight or 1,
        created_by=_actor(user),
    )
    item.full_clean()
    item.save()
    ActionItemUpdate.objects.create(
        item=item,
        actor=_actor(user),
        status_from="",
        status_to=item.status,
        progress=0,
        note=_("议定举措，完成时限 %s。") % due_on.isoformat(),
    )
    _event(
        problem,
        ProblemEventKind.ITEM_ADDED,
        user,
        _("%(unit)s：%(title)s（%(due)s 前完成）")
        % {"unit": unit.name, "title": item.title, "due": due_on.isoformat()},
    )
    _problem_refresh(problem, user)
    recipients = [u for _c, u, _t, _r in unit_channels(unit) if u is not None]
    notify(
        recipients=list({u.pk: u for u in recipients}.values()),
        title=_("新的解决举措：%s") % item.title,
        body=_("%(committee)s交给贵单位的举措，请于 %(due)s 前完成。")
        % {"committee": committee.name, "due": due_on.isoformat()},
        link=reverse("meetings:item", args=[item.pk]),
        kind="meetings.action_item",
    )
    action_item_reminders_sync(item)
    return item


@transaction.atomic
def problem_create_with_item(
    *,
    user: User | None,
    committee: Committee,
    meeting: Meeting | None,
    title: str,
    description: str = "",
    source: str = ProblemSource.MEMBER_UNIT,
    reporter_name: str = "",
    reporter_unit: OrgNode | None = None,
    raised_during_meeting: bool = False,
    item_unit: OrgNode | None = None,
    item_title: str = "",
    item_due_on: date | None = None,
) -> Problem:
    """Put a problem on a meeting's agenda with its first action item, if given.

    Both or neither: a refused action item leaves no problem behind.
    """
    problem = problem_create(
        user=user,
        committee=committee,
        meeting=meeting,
        title=title,
        description=description,
        source=source,
        reporter_name=reporter_name,
        reporter_unit=reporter_unit,
        raised_during_meeting=raised_during_meeting,
    )
    if item_unit:
        action_item_create(
            user=user,
            problem=problem,
            unit=item_unit,
            title=item_title,
            due_on=item_due_on,
            meeting=meeting,
        )
    return problem


def _store_item_files(
    checked: list[CheckedFile], item: ActionItem, user: User | None, written: list[str]
) -> list[Attachment]:
    if checked and item.meeting_id is None:
        raise ValidationError(_("该举措不属于任何会议，不能上传附件。"))
    return _store_files(
        checked, meeting=item.meeting, action_item=item, user=user, written=written
    )


def action_item_update(
    *,
    user: User | None,
    item: ActionItem,
    status: str,
    progress: int | str | None = None,
    note: str = "",
    evidence: str = "",
    files: Iterable[Any] = (),
) -> ActionItem:
    """Report progress on an action item: in progress with a %, or done with evidence."""
    written: list[str] = []
    try:
        return _action_item_update(
            user=user,
            item=item,
            status=status,
            progress=progress,
            note=note,
            evidence=evidence,
            files=files,
            written=written,
        )
    except BaseException:
        _discard(written)
        raise


@transaction.atomic
def _action_item_update(
    *,
    user: User | None,
    item: ActionItem,
    status: str,
    progress: Any,
    note: str,
    evidence: str,
    files: Iterable[Any],
    written: list[str],
) -> ActionItem:
    item = (
        ActionItem.objects.select_for_update(of=("self",))
        .select_related("unit")
        .get(pk=item.pk)
    )
    _require(
        user,
        "meetings.update_action_item",
        street_id=item.street_id,
        community_id=item.community_id,
        unit_id=item.unit_id,
    )
    if item.status == ActionItemStatus.DONE:
        raise ValidationError(_("举措已完成，不能再修改。"))
    checked = uploads_check(files, policy=ATTACHMENTS)
    before = item.status
    note = (note or "").strip()
    if status == ActionItemStatus.DONE:
        evidence = (evidence or "").strip()
        if not evidence:
            raise ValidationError(
                {"evidence": _("标记完成时请填写完成佐证（做了什么、效果如何）。")}
            )
        item.status = ActionItemStatus.DONE
        item.progress = 100
        item.evidence = evidence
        item.done_at = timezone.now()
    elif status == ActionItemStatus.IN_PROGRESS:
        try:
            progress = int(progress)
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                {"progress": _("请填写 0 到 99 之间的完成百分比。")}
            ) from exc
        if not 0 <= progress <= 99:
            raise ValidationError({"progress": _("请填写 0 到 99 之间的完成百分比。")})
        if progress < item.progress:
            raise ValidationError(
                {"progress": _("完成百分比不能比上次（%s%%）低。") % item.progress}
            )
        item.progress = progress
        # An overdue item stays overdue until done: progress does not undo lateness.
        if item.status != ActionItemStatus.OVERDUE:
            item.status = ActionItemStatus.IN_PROGRESS
    else:
        raise ValidationError({"status": _("只能更新为“推进中”或“已完成”。")})
    item.full_clean()
    item.save()
    ActionItemUpdate.objects.create(
        item=item,
        actor=_actor(user),
        status_from=before,
        status_to=item.status,
        progress=item.progress,
        note=(note or item.evidence) if status == ActionItemStatus.DONE else note,
    )
    if checked:
        _store_item_files(checked, item, user, written)
    problem = Problem.objects.select_for_update().get(pk=item.problem_id)
    _problem_refresh(problem, user)
    action_item_reminders_sync(item)
    return item


@transaction.atomic
def action_item_reschedule(
    *, user: User | None, item: ActionItem, due_on: date | None, reason: str
) -> ActionItem:
    """Give an action item a new due date, with the reason on record."""
    item = (
        ActionItem.objects.select_for_update(of=("self",))
        .select_related("committee")
        .get(pk=item.pk)
    )
    _require(user, "meetings.manage", **committee_target(item.committee))
    if item.status == ActionItemStatus.DONE:
        raise ValidationError(_("举措已完成，不能再改时限。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写调整时限的原因。")})
    if due_on is None or due_on < timezone.localdate():
        raise ValidationError({"due_on": _("完成时限不能早于今天。")})
    before = item.status
    old = item.due_on
    item.due_on = due_on
    if item.status == ActionItemStatus.OVERDUE:
        item.status = (
            ActionItemStatus.IN_PROGRESS if item.progress else ActionItemStatus.OPEN
        )
    item.full_clean()
    item.save()
    ActionItemUpdate.objects.create(
        item=item,
        actor=_actor(user),
        status_from=before,
        status_to=item.status,
        progress=item.progress,
        note=_("完成时限由 %(old)s 调整为 %(new)s：%(reason)s")
        % {"old": old.isoformat(), "new": due_on.isoformat(), "reason": reason},
    )
    action_item_reminders_sync(item)
    return item


@transaction.atomic
def action_items_mark_overdue(*, today: date | None = None) -> int:
    """Mark open and in-progress items past their due date as overdue; return count.

    Rows are claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` and moved with a
    conditional update, so two runs at once mark (and record) each item once.
    """
    today = today or timezone.localdate()
    late = list(
        ActionItem.objects.select_for_update(skip_locked=True)
        .filter(
            due_on__lt=today,
            status__in=[ActionItemStatus.OPEN, ActionItemStatus.IN_PROGRESS],
        )
        .values_list("pk", "status", "progress")
    )
    if not late:
        return 0
    ActionItem.objects.filter(pk__in=[pk for pk, _s, _p in late]).update(
        status=ActionItemStatus.OVERDUE, updated_at=timezone.now()
    )
    ActionItemUpdate.objects.bulk_create(
        ActionItemUpdate(
            item_id=pk,
            status_from=status,
            status_to=ActionItemStatus.OVERDUE,
            progress=progress,
            note=_("超过完成时限，系统标记为逾期。"),
        )
        for pk, status, progress in late
    )
    return len(late)
