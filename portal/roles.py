"""What each role may do: the one table every page, API and task consults.

Visibility (what a user may *read*) is a scope, computed in ``portal.scope``;
an object outside it answers 404. An action the user's role does not allow on
an object inside the scope answers 403 (``require`` raises ``PermissionDenied``).
"""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from portal import nodes
from portal.models import Role, User

#: Who asks: a signed-in user, an anonymous visitor, or nobody (a task).
Actor = User | AnonymousUser | None

SA = Role.STREET_ADMIN
SS = Role.STREET_STAFF
CS = Role.COMMUNITY_SECRETARY
UH = Role.UNIT_HEAD
GW = Role.GRID_WORKER
V = Role.VOLUNTEER

STREET_ROLES = frozenset({SA, SS})
STAFF_ROLES = frozenset({SA, SS, CS, UH, GW})
ALL_ROLES = frozenset(Role)

#: action → roles allowed to perform it (inside their scope).
ACTIONS: dict[str, frozenset[str]] = {
    # portal
    "portal.street_dashboard": frozenset({SA, SS}),
    "portal.community_dashboard": frozenset({SA, SS, CS}),
    "portal.manage_roles": frozenset({SA}),
    "portal.unlock_logins": frozenset({SA}),
    # A one-time password reset link for an account of his street.
    "portal.reset_passwords": frozenset({SA}),
    "portal.view_stats": ALL_ROLES,
    # orgs
    "orgs.view": STAFF_ROLES,
    "orgs.edit": frozenset({SA, SS, CS, UH}),
    "orgs.manage_tree": frozenset({SA, SS, CS}),
    "orgs.import": frozenset({SA, SS, CS}),
    "orgs.export": frozenset({SA, SS, CS, UH}),
    "orgs.view_phone": frozenset({SA, SS, CS}),
    "orgs.view_committees": STAFF_ROLES,
    "orgs.manage_seats": frozenset({SA, SS, CS}),
    # grids
    "grids.view": STAFF_ROLES,
    "grids.manage": frozenset({SA, SS, CS}),
    "grids.visit": frozenset({SA, SS, CS, GW}),
    "grids.report_case": ALL_ROLES,
    "grids.handle_case": frozenset({SA, SS, CS, GW}),
    # meetings
    "meetings.view": frozenset({SA, SS, CS, UH}),
    "meetings.manage": frozenset({SA, SS, CS}),
    "meetings.file_minutes": frozenset({SA, SS, CS}),
    "meetings.update_action_item": frozenset({SA, SS, CS, UH}),
    "meetings.escalate": frozenset({SA, SS, CS}),
    "meetings.post_channel": frozenset({SA, SS, CS, UH}),
    # A member unit raises a problem for its committee's next meeting.
    "meetings.report_problem": frozenset({SA, SS, CS, UH}),
    # volunteers
    "volunteers.view": frozenset({SA, SS, CS, UH}),
    "volunteers.manage": frozenset({SA, SS, CS}),
    "volunteers.publish_activity": frozenset({SA, SS, CS, UH}),
    "volunteers.participate": ALL_ROLES,
    "volunteers.claim": frozenset({UH, V}),
    "volunteers.correct_points": frozenset({SA, SS, CS}),
    "volunteers.party_member_report": frozenset({SA, SS, CS, UH}),
    "volunteers.points_rules": frozenset({SA, SS}),
    "volunteers.confirm_party_points": frozenset({SA, UH}),
    "volunteers.record_group_event": frozenset({SA, SS, CS, UH}),
    # evaluations
    "evaluations.view": frozenset({SA, SS, CS, UH}),
    "evaluations.run": frozenset({SA}),
    "evaluations.override": frozenset({SA}),
    "evaluations.publish": frozenset({SA}),
    "evaluations.policy": frozenset({SA}),
    "evaluations.rate": frozenset({SA}),
    "evaluations.appeal": frozenset({UH}),
    "evaluations.decide_appeal": frozenset({SA}),
    "evaluations.commitments": frozenset({SA, SS}),
    "evaluations.answer_survey": frozenset({UH}),
    "evaluations.reports": frozenset({SA, SS}),
    # support (保障融合): secretaries read their community's workers, trainings
    # and funds, record their trainings' attendance and their spending.
    "support.view": frozenset({SA, SS, CS}),
    "support.manage": frozenset({SA, SS}),
    "support.record_attendance": frozenset({SA, SS, CS}),
    "support.record_spending": frozenset({SA, SS, CS}),
    "support.notices": frozenset({SA, SS}),
}


def can(user: Actor, action: str, obj: object | None = None, **target: Any) -> bool:
    """Return whether ``user`` may perform ``action`` (on ``obj`` or ``target``).

    ``obj`` (or the keyword ``target``) names where the action lands through
    ``street_id``, ``community_id``, ``unit_id`` and/or ``cell``; with neither,
    the question is whether any of the user's roles allows the action at all.
    """
    from portal.scope import scope_for

    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    roles = ACTIONS[action]
    scope = scope_for(user)
    if obj is not None:
        target = {**_target_of(obj), **target}
    return any(scope.role_covers(role, **target) for role in roles)


def require(user: Actor, action: str, obj: object | None = None, **target: Any) -> None:
    """Raise ``PermissionDenied`` unless ``user`` may perform ``action``."""
    if not can(user, action, obj, **target):
        raise PermissionDenied(_("您没有执行此操作的权限。"))


def _target_of(obj: Any) -> dict[str, Any]:
    target: dict[str, Any]
    if isinstance(obj, nodes.org_node_model()):
        target = {
            "street_id": obj.street_id or obj.pk,
            "community_id": obj.community_id,
        }
        if obj.kind == nodes.UNIT:
            target["unit_id"] = obj.pk
        elif obj.kind == nodes.PARTY_ORG:
            target["unit_id"] = obj.parent_id
        return target
    target = {}
    for field in ("street_id", "community_id", "unit_id"):
        value = getattr(obj, field, None)
        if value is not None:
            target[field] = value
    cell = getattr(obj, "cell", None) if hasattr(obj, "cell_id") else None
    if cell is not None:
        target["cell"] = cell
    return target
