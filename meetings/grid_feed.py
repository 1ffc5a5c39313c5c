"""The feed from the grid: cases escalated to a community or the street (S5→S8/S9).

The grids app lists the open cases handled at the community or street level
(``grids.selectors.cases_escalated_to``); each one becomes a problem on the
next joint meeting of that level's committee through
``services.problem_from_grid_case`` (idempotent, history included). When the
meeting's work resolves the problem, ``meetings.services`` closes the case
with the result through ``grids.services.case_close``, and the grid asks the
case's reporter to confirm it (FixMyStreet's loop), so the reporter hears back
once, from the grid.

The calls go one way, as the cases do: meetings reads and writes through the
grids app's selectors and services; grids knows nothing of meetings.
"""

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from grids.models import CaseEvent
from grids.selectors import cases_escalated_to
from meetings.services import problem_from_grid_case
from orgs.models import Committee, CommitteeKind

log = logging.getLogger("meetings")


def _history(events):
    return [
        {
            "at": e.at,
            "actor": e.actor_name or (str(e.by) if e.by_id else ""),
            "action": e.get_kind_display(),
            "note": e.text,
        }
        for e in events
    ]


def grid_cases_import(*, street=None):
    """Put every open case escalated to a community or the street on its agenda.

    Return how many cases were looked at.
    """
    committees = Committee.objects.filter(
        kind__in=[CommitteeKind.BIG_PARTY, CommitteeKind.BIG_WORKING]
    ).select_related("community", "street")
    if street is not None:
        committees = committees.filter(street=street)
    seen = 0
    for committee in committees.order_by("street_id", "kind", "pk"):
        if committee.kind == CommitteeKind.BIG_PARTY:
            level = "community"
            cases = cases_escalated_to(level=level, community=committee.community_id)
        else:
            level = "street"
            cases = cases_escalated_to(level=level, street=committee.street_id)
        if not cases:
            continue
        events = {}
        for e in (
            CaseEvent.objects.filter(case_id__in=[c.pk for c in cases])
            .select_related("by")
            .order_by("at", "id")
        ):
            events.setdefault(e.case_id, []).append(e)
        for case in cases:
            text = case.description
            if case.location:
                text = "%s\n%s" % (text, _("位置：%s") % case.location)
            with transaction.atomic():
                problem_from_grid_case(
                    case_id=case.pk,
                    level=level,
                    street=committee.street,
                    community=case.community
                    if level == "street"
                    else committee.community,
                    title=case.title,
                    text=text,
                    history=_history(events.get(case.pk, [])),
                    reporter_name=case.reporter_name
                    or (str(case.reporter) if case.reporter_id else ""),
                )
            seen += 1
    return seen
