"""Every reusable read of the meetings app, scoped to the caller.

Visibility: street staff see their street's meetings; a community secretary
sees their community's 大党委; anyone holding a current seat (in person, or
through the unit they head) sees that committee too, so a unit secretary
chairing this month sees the meeting. Another scope's object is a 404: pages
and the API fetch through these querysets with ``get_object_or_404``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from itertools import groupby
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.models import (
    OPEN_PROBLEM_STATUSES,
    ActionItem,
    ActionItemStatus,
    ActionItemUpdate,
    Attachment,
    Attendance,
    Campaign,
    CampaignSection,
    ChannelPost,
    Meeting,
    MeetingStatus,
    Problem,
    ProblemEvent,
    SectionInspection,
)
from meetings.stats import MINUTES_GRACE
from orgs.models import Committee, CommitteeKind, OrgNode, Seat
from portal.roles import Actor, can
from portal.scope import Scope, scope_for

MEETING_KINDS = (CommitteeKind.BIG_WORKING, CommitteeKind.BIG_PARTY)


def _seat_committees(scope: Scope) -> QuerySet[Seat, Any] | None:
    """Return a subquery of committees where the user or their unit sits, or None."""
    q = Q(pk__in=[])
    if scope.person_id:
        q |= Q(person_id=scope.person_id)
    if scope.unit_ids:
        q |= Q(represents_id__in=scope.unit_ids) | Q(
            represents__parent_id__in=scope.unit_ids
        )
    if not scope.person_id and not scope.unit_ids:
        return None
    return Seat.objects.filter(q, vacated_on__isnull=True).values("committee_id")


def _committee_q(scope: Scope, committee_field: str) -> Q:
    """Return a Q on rows carrying ``street``/``community`` and a committee field."""
    if scope.is_superuser:
        return Q()
    q = scope.q(community="community", street="street")
    seats = _seat_committees(scope)
    if seats is not None:
        q |= Q(**{"%s__in" % committee_field: seats})
    return q


def _viewer(user: Actor) -> bool:
    return user is not None and can(user, "meetings.view")


# -- committees -----------------------------------------------------------------


def committee_list(*, user: Actor) -> QuerySet[Committee]:
    """Return the 大工委 and 大党委 the user may see."""
    if not _viewer(user):
        return Committee.objects.none()
    scope = scope_for(user)
    return (
        Committee.objects.filter(kind__in=MEETING_KINDS)
        .filter(_committee_q(scope, "pk"))
        .select_related("community", "street")
        .order_by("street_id", "kind", "community__code", "pk")
    )


def committee_get(*, user: Actor, pk: int) -> Committee:
    return get_object_or_404(committee_list(user=user), pk=pk)


# -- meetings -----------------------------------------------------------------------


def meeting_queryset(*, user: Actor) -> QuerySet[Meeting]:
    if not _viewer(user):
        return Meeting.objects.none()
    return Meeting.objects.filter(_committee_q(scope_for(user), "committee_id"))


def meeting_list(
    *,
    user: Actor,
    month: date | None = None,
    community: OrgNode | None = None,
    committee: Committee | None = None,
    status: str | None = None,
) -> QuerySet[Meeting]:
    """Return meetings in scope, newest month first, ready for a list page."""
    qs = meeting_queryset(user=user).select_related(
        "committee", "community", "chair__person", "chair__represents"
    )
    if month is not None:
        qs = qs.filter(month=month)
    if community is not None:
        qs = qs.filter(community=community)
    if committee is not None:
        qs = qs.filter(committee=committee)
    if status:
        qs = qs.filter(status=status)
    return qs.annotate(
        problem_count=Count("problems", distinct=True),
        item_count=Count("action_items", distinct=True),
    ).order_by("-month", "held_at", "id")


def meeting_get(*, user: Actor, pk: int) -> Meeting:
    """Return one meeting in scope (404 otherwise), with what its page shows."""
    qs = meeting_queryset(user=user).select_related(
        "committee__community",
        "committee__street",
        "community",
        "street",
        "chair__person",
        "chair__represents",
        "minutes_filed_by",
    )
    return get_object_or_404(qs, pk=pk)


def meeting_attendance(meeting: Meeting) -> list[Attendance]:
    return list(
        Attendance.objects.filter(meeting=meeting)
        .select_related("seat__represents", "unit")
        .order_by("kind", "seat__term_start", "id")
    )


def meeting_agenda(meeting: Meeting) -> tuple[list[Problem], list[Problem]]:
    """Return the agenda: this meeting's problems, then unresolved ones carried over.

    Carried-over problems are those of the same committee from earlier months
    still open or in progress: a problem stays on the agenda until it ends.
    """
    base = Problem.objects.select_related(
        "committee", "reporter_unit", "escalated_from__committee", "meeting"
    ).prefetch_related(
        Prefetch(
            "action_items",
            queryset=ActionItem.objects.select_related("unit").order_by("due_on", "id"),
        )
    )
    own = list(base.filter(meeting=meeting).order_by("created_at", "id"))
    carried = list(
        base.filter(
            committee_id=meeting.committee_id,
            status__in=OPEN_PROBLEM_STATUSES,
            meeting__month__lt=meeting.month,
        ).order_by("created_at", "id")
    )
    histories = problem_histories(own + carried)
    for problem in own + carried:
        problem.history = histories.get(problem.pk, [])  # type: ignore[attr-defined]
    return own, carried


def meeting_attachments(meeting: Meeting) -> list[Attachment]:
    return list(
        Attachment.objects.filter(meeting=meeting, action_item__isnull=True).order_by(
            "id"
        )
    )


def meeting_inspections(
    meeting: Meeting,
) -> list[tuple[CampaignSection, SectionInspection | None]]:
    """Return (section, inspection or None) for every section of the community."""
    if meeting.community_id is None:
        return []
    sections = list(
        CampaignSection.objects.filter(
            community_id=meeting.community_id,
            campaign__starts_on__lte=meeting.held_at.date(),
        )
        .filter(
            Q(campaign__ends_on__isnull=True) | Q(campaign__ends_on__gte=meeting.month)
        )
        .select_related("campaign", "unit")
        .order_by("campaign_id", "id")
    )
    done = {
        i.section_id: i
        for i in SectionInspection.objects.filter(meeting=meeting).select_related(
            "inspected_by"
        )
    }
    return [(s, done.get(s.pk)) for s in sections]


# -- problems -----------------------------------------------------------------------


def problem_queryset(*, user: Actor) -> QuerySet[Problem]:
    if not _viewer(user):
        return Problem.objects.none()
    scope = scope_for(user)
    q = _committee_q(scope, "committee_id")
    if not scope.is_superuser and scope.unit_ids:
        q |= Q(
            Exists(
                ActionItem.objects.filter(
                    problem_id=OuterRef("pk"), unit_id__in=scope.unit_ids
                )
            )
        )
    return Problem.objects.filter(q)


def problem_list(
    *,
    user: Actor,
    committee: Committee | None = None,
    meeting: Meeting | None = None,
    status: str | None = None,
    source: str | None = None,
) -> QuerySet[Problem]:
    qs = problem_queryset(user=user).select_related(
        "committee", "community", "meeting", "reporter_unit"
    )
    if committee is not None:
        qs = qs.filter(committee=committee)
    if meeting is not None:
        qs = qs.filter(meeting=meeting)
    if status:
        qs = qs.filter(status=status)
    if source:
        qs = qs.filter(source=source)
    return qs.annotate(item_count=Count("action_items")).order_by("-created_at", "-id")


def problem_get(*, user: Actor, pk: int) -> Problem:
    qs = problem_queryset(user=user).select_related(
        "committee",
        "community",
        "meeting",
        "reporter",
        "reporter_unit",
        "result_by",
        "escalated_from__committee",
    )
    return get_object_or_404(qs, pk=pk)


def problem_escalated_to(problem: Problem) -> Problem | None:
    """Return the 大工委 problem this one was escalated to, or None."""
    return (
        Problem.objects.filter(escalated_from=problem)
        .select_related("committee", "meeting")
        .first()
    )


def _chain_ids(problems: list[Problem]) -> dict[int, list[int]]:
    """Return {problem id: [ids up its escalation chain, oldest first]}."""
    parent = {p.pk: p.escalated_from_id for p in problems}
    missing = {pid for pid in parent.values() if pid and pid not in parent}
    while missing:
        rows = Problem.objects.filter(pk__in=missing).values_list(
            "pk", "escalated_from_id"
        )
        for pk, up in rows:
            parent[pk] = up
        missing = {pid for pid in parent.values() if pid and pid not in parent}
    chains = {}
    for p in problems:
        chain: list[int] = []
        pid: int | None = p.pk
        while pid and pid not in chain:
            chain.append(pid)
            pid = parent.get(pid)
        chains[p.pk] = list(reversed(chain))
    return chains


def problem_histories(
    problems: Iterable[Problem], *, downwards: bool = False
) -> dict[int, list[dict[str, Any]]]:
    """Return {problem id: history} for problems, in one pass (no query per row).

    A history is the problem's escalation chain told in order: the grid case's
    steps as received, then every event of each problem in the chain, each
    entry a dict with ``at``, ``who``, ``what``, ``note`` and ``where``.
    With ``downwards`` the chain also follows where the problem went (the
    大工委's events for an escalated 大党委 problem).
    """
    problems = list(problems)
    if not problems:
        return {}
    chains = _chain_ids(problems)
    if downwards:
        ups = dict(
            Problem.objects.filter(
                escalated_from_id__in=[p.pk for p in problems]
            ).values_list("escalated_from_id", "pk")
        )
        for p in problems:
            if p.pk in ups:
                chains[p.pk] = chains[p.pk] + [ups[p.pk]]
    all_ids = {pid for chain in chains.values() for pid in chain}
    info: dict[int, Any] = {
        row["pk"]: row
        for row in Problem.objects.filter(pk__in=all_ids).values(
            "pk", "committee__name", "grid_case_history", "grid_case_id"
        )
    }
    events = {}
    rows = (
        ProblemEvent.objects.filter(problem_id__in=all_ids)
        .select_related("actor")
        .order_by("problem_id", "created_at", "id")
    )
    for pid, group in groupby(rows, key=lambda e: e.problem_id):
        events[pid] = list(group)
    out = {}
    for p in problems:
        entries = []
        chain = chains[p.pk]
        grid = next(
            (info[pid] for pid in chain if info.get(pid, {}).get("grid_case_history")),
            None,
        )
        if grid:
            for step in grid["grid_case_history"]:
                entries.append(
                    {
                        "at": _parse_at(step.get("at")),
                        "who": step.get("actor", ""),
                        "what": step.get("action", ""),
                        "note": step.get("note", ""),
                        "where": _("网格事件 #%s") % grid["grid_case_id"],
                        "grid": True,
                    }
                )
        for pid in chain:
            for e in events.get(pid, []):
                entries.append(
                    {
                        "at": e.created_at,
                        "who": str(e.actor) if e.actor_id else "",
                        "what": e.get_kind_display(),
                        "note": e.note,
                        "where": info.get(pid, {}).get("committee__name", ""),
                        "grid": False,
                    }
                )
        out[p.pk] = entries
    return out


def _parse_at(value: object) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


# -- action items -----------------------------------------------------------------------


def action_item_queryset(*, user: Actor) -> QuerySet[ActionItem]:
    if not _viewer(user):
        return ActionItem.objects.none()
    scope = scope_for(user)
    q = _committee_q(scope, "committee_id")
    if not scope.is_superuser:
        q |= scope.q(community=None, unit="unit")
    return ActionItem.objects.filter(q)


def overdue_q(today: date | None = None) -> Q:
    """Return a Q of items past their due date and not done (whatever the status)."""
    today = today or timezone.localdate()
    return Q(due_on__lt=today) & ~Q(status=ActionItemStatus.DONE)


def action_item_list(
    *,
    user: Actor,
    unit: OrgNode | None = None,
    status: str | None = None,
    overdue: bool | None = None,
    community: OrgNode | None = None,
    committee: Committee | None = None,
    units: Iterable[int] | None = None,
) -> QuerySet[ActionItem]:
    qs = action_item_queryset(user=user).select_related(
        "unit", "community", "committee", "problem", "meeting"
    )
    if unit is not None:
        qs = qs.filter(unit=unit)
    if units is not None:
        qs = qs.filter(unit_id__in=units)
    if status:
        qs = qs.filter(status=status)
    if overdue is True:
        qs = qs.filter(overdue_q())
    elif overdue is False:
        qs = qs.exclude(overdue_q())
    if community is not None:
        qs = qs.filter(community=community)
    if committee is not None:
        qs = qs.filter(committee=committee)
    return qs.order_by("due_on", "id")


def action_item_get(*, user: Actor, pk: int) -> ActionItem:
    qs = action_item_queryset(user=user).select_related(
        "unit", "community", "committee", "problem__committee", "meeting", "created_by"
    )
    return get_object_or_404(qs, pk=pk)


def action_item_updates(item: ActionItem) -> list[ActionItemUpdate]:
    return list(
        ActionItemUpdate.objects.filter(item=item)
        .select_related("actor")
        .order_by("created_at", "id")
    )


def action_item_summary(qs: QuerySet[ActionItem]) -> dict[str, int]:
    """Return counts by status and overdue for a board's header (one query)."""
    today = timezone.localdate()
    return qs.order_by().aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(status=ActionItemStatus.OPEN)),
        in_progress=Count("pk", filter=Q(status=ActionItemStatus.IN_PROGRESS)),
        done=Count("pk", filter=Q(status=ActionItemStatus.DONE)),
        overdue=Count("pk", filter=overdue_q(today)),
    )


def action_items_by_unit(
    qs: QuerySet[ActionItem], limit: int = 50
) -> list[dict[str, Any]]:
    """Return per-unit counts (open, overdue, done) for the board, worst first."""
    today = timezone.localdate()
    return list(
        qs.order_by()
        .values("unit_id", "unit__name", "community__name")
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=~Q(status=ActionItemStatus.DONE)),
            overdue=Count("pk", filter=overdue_q(today)),
            done=Count("pk", filter=Q(status=ActionItemStatus.DONE)),
        )
        .order_by("-overdue", "-open", "unit__name")[:limit]
    )


# -- attachments and channel ----------------------------------------------------------


def attachment_get(*, user: Actor, pk: int) -> Attachment:
    """Return an attachment whose meeting or action item the user may see (else 404)."""
    meetings = meeting_queryset(user=user).values("pk")
    items = action_item_queryset(user=user).values("pk")
    qs = Attachment.objects.filter(
        Q(meeting_id__in=meetings) | Q(action_item_id__in=items)
    )
    return get_object_or_404(qs, pk=pk)


def channel_posts(committee: Committee) -> QuerySet[ChannelPost]:
    """Return the committee's top-level posts, newest first, with their replies."""
    return (
        ChannelPost.objects.filter(committee=committee, parent__isnull=True)
        .select_related("author")
        .prefetch_related(
            Prefetch(
                "replies",
                queryset=ChannelPost.objects.select_related("author").order_by(
                    "created_at", "id"
                ),
            )
        )
        .order_by("-created_at", "-id")
    )


def channel_post_get(*, committee: Committee, pk: int) -> ChannelPost:
    return get_object_or_404(
        ChannelPost, committee=committee, pk=pk, parent__isnull=True
    )


# -- campaigns ------------------------------------------------------------------------


def campaign_list(
    *, user: Actor, community: OrgNode | None = None
) -> QuerySet[Campaign]:
    """Return the campaigns in scope, with their sections and owners."""
    if not _viewer(user):
        return Campaign.objects.none()
    scope = scope_for(user)
    qs = Campaign.objects.filter(scope.q(community="community", street="street"))
    if community is not None:
        qs = qs.filter(community=community)
    return (
        qs.select_related("community")
        .prefetch_related(
            Prefetch(
                "sections",
                queryset=CampaignSection.objects.select_related("unit").order_by("id"),
            )
        )
        .order_by("community__code", "-starts_on", "id")
    )


def campaign_get(*, user: Actor, pk: int) -> Campaign:
    return get_object_or_404(campaign_list(user=user), pk=pk)


def campaign_inspections(
    campaign: Campaign, months: int = 6
) -> tuple[list[Meeting], list[tuple[CampaignSection, list[SectionInspection | None]]]]:
    """Return (meetings, rows): the last meetings and each section's results."""
    meetings = list(
        Meeting.objects.filter(
            community_id=campaign.community_id, inspections__section__campaign=campaign
        )
        .distinct()
        .order_by("-month")[:months]
    )
    meetings.reverse()
    results = {
        (i.section_id, i.meeting_id): i
        for i in SectionInspection.objects.filter(
            section__campaign=campaign, meeting__in=meetings
        )
    }
    rows = [
        (section, [results.get((section.pk, m.pk)) for m in meetings])
        for section in campaign.sections.all()
    ]
    return meetings, rows


# -- the routine notice (S21) -----------------------------------------------------------


def _items_q(scope: Scope) -> Q:
    """Return the action items a scope sees (as ``action_item_queryset``)."""
    q = _committee_q(scope, "committee_id")
    if not scope.is_superuser:
        q |= scope.q(community=None, unit="unit")
    return q


def meeting_notice_figures(
    *, scope: Scope, start: date, end: date, limit: int = 500
) -> dict[str, Any]:
    """Return the joint meetings' part of the routine notice for ``start``–``end``.

    A dict of:

    - ``committees``: each 大工委 and 大党委 in ``scope`` (the 大工委 first) with
      its meetings of the period's months: ``name``, ``meetings``, ``held``,
      ``cancelled``, ``minutes_filed``, ``minutes_missing`` (not cancelled,
      begun more than ``MINUTES_GRACE`` ago, no minutes filed);
    - ``items``: the action items due in the period, ``due``, ``done_on_time``,
      ``done_late``, ``not_done``; and ``overdue``, the items not done whose due
      date is past and at the latest the period's end, ``carried`` of them due
      before the period;
    - ``overdue``: those items, the longest overdue first, at most ``limit``:
      ``committee``, ``community``, ``unit``, ``problem``, ``title``,
      ``due_on``, ``progress``, ``days`` (overdue today).

    Four queries, whatever the number of committees, meetings and items.
    """
    today = timezone.localdate()
    first = date(start.year, start.month, 1)
    committees = sorted(
        Committee.objects.filter(kind__in=MEETING_KINDS)
        .filter(_committee_q(scope, "pk"))
        .values_list("pk", "name", "street_id", "kind", "community__code"),
        key=lambda c: (c[2], c[3] != CommitteeKind.BIG_WORKING, c[4] or "", c[0]),
    )
    not_cancelled = ~Q(status=MeetingStatus.CANCELLED)
    per_committee = {
        row["committee_id"]: row
        for row in Meeting.objects.filter(
            _committee_q(scope, "committee_id"), month__gte=first, month__lte=end
        )
        .order_by()
        .values("committee_id")
        .annotate(
            meetings=Count("pk"),
            held=Count("pk", filter=Q(status=MeetingStatus.HELD)),
            cancelled=Count("pk", filter=~not_cancelled),
            minutes_filed=Count("pk", filter=Q(minutes_filed_at__isnull=False)),
            minutes_missing=Count(
                "pk",
                filter=not_cancelled
                & Q(
                    held_at__lte=timezone.now() - MINUTES_GRACE,
                    minutes_filed_at__isnull=True,
                ),
            ),
        )
    }
    columns = ("meetings", "held", "cancelled", "minutes_filed", "minutes_missing")
    rows = []
    for pk, name, *_rest in committees:
        counts = per_committee.get(pk, {})
        rows.append({"name": name, **{c: counts.get(c, 0) for c in columns}})
    done = Q(status=ActionItemStatus.DONE)
    in_period = Q(due_on__gte=start, due_on__lte=end)
    overdue = overdue_q(today) & Q(due_on__lte=end)
    items = ActionItem.objects.filter(_items_q(scope))
    figures = items.filter(in_period | overdue).aggregate(
        due=Count("pk", filter=in_period),
        done_on_time=Count(
            "pk", filter=in_period & done & Q(done_at__date__lte=F("due_on"))
        ),
        done_late=Count(
            "pk", filter=in_period & done & Q(done_at__date__gt=F("due_on"))
        ),
        overdue=Count("pk", filter=overdue),
        carried=Count("pk", filter=overdue & Q(due_on__lt=start)),
    )
    figures["not_done"] = (
        figures["due"] - figures["done_on_time"] - figures["done_late"]
    )
    listed = [
        {
            "committee": item.committee.name,
            "community": item.community.name if item.community is not None else "",
            "unit": item.unit.name,
            "problem": item.problem.title,
            "title": item.title,
            "due_on": item.due_on,
            "progress": item.progress,
            "days": (today - item.due_on).days,
        }
        for item in items.filter(overdue)
        .select_related("committee", "community", "unit", "problem")
        .order_by("due_on", "id")[:limit]
    ]
    return {"committees": rows, "items": figures, "overdue": listed}
