"""Every write to the grid: cells and their leaders, assignments, cases, visits.

- ``cells``: the three-level grid tree (create, bulk create, update, move,
  delete, units), under the writer lock.
- ``assignments``: leaders (S5), cadres, grid and community workers (S6).
- ``cases``: report, note, escalate, close, confirm, reopen; overdue escalation.
- ``visits``: routine visits, with an optional case.

Services take ``user``: the person acting, whose permission is checked first.
``user=None`` means the system itself (the demo seed, a periodic task) and is
never passed by a view or the API.
"""

from grids.services.assignments import (
    STREET_OFFICE_ROLES,
    cadre_check,
    cell_assign,
    cell_set_leader,
    cell_unassign,
    is_street_office_staff,
    leader_check,
)
from grids.services.cases import (
    AUTO_ESCALATION_REASON,
    COMMITTEE_FOR_LEVEL,
    DEADLINE_DAYS,
    Escalation,
    actor_name,
    case_close,
    case_confirm,
    case_escalate,
    case_may_answer,
    case_may_handle,
    case_note,
    case_reopen,
    case_report,
    cases_escalate_overdue,
)
from grids.services.cells import (
    CODE_WIDTH,
    TREE_KEY,
    TREE_LOCK,
    CellSpec,
    cell_create,
    cell_delete,
    cell_move,
    cell_next_code,
    cell_set_units,
    cell_trees_bulk_create,
    cell_update,
)
from grids.services.visits import visit_log

__all__ = [
    "AUTO_ESCALATION_REASON",
    "CODE_WIDTH",
    "COMMITTEE_FOR_LEVEL",
    "DEADLINE_DAYS",
    "STREET_OFFICE_ROLES",
    "TREE_KEY",
    "TREE_LOCK",
    "CellSpec",
    "Escalation",
    "actor_name",
    "cadre_check",
    "case_close",
    "case_confirm",
    "case_escalate",
    "case_may_answer",
    "case_may_handle",
    "case_note",
    "case_reopen",
    "case_report",
    "cases_escalate_overdue",
    "cell_assign",
    "cell_create",
    "cell_delete",
    "cell_move",
    "cell_next_code",
    "cell_set_leader",
    "cell_set_units",
    "cell_trees_bulk_create",
    "cell_unassign",
    "cell_update",
    "is_street_office_staff",
    "leader_check",
    "visit_log",
]
