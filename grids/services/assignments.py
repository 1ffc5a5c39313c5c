"""People on cells: leaders (S5), cadres, grid and community workers (S6)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import AssignmentRole, Cell, CellAssignment, CellLevel
from grids.services._common import _require_manage
from orgs.models import CommitteeKind, Person, Seat
from portal.models import Role, User

# -- leaders (S5) ----------------------------------------------------------------


def _current_seats(person: Person) -> QuerySet[Seat]:
    return Seat.objects.filter(person=person, vacated_on__isnull=True)


def leader_check(*, cell: Cell, person: Person) -> None:
    """Raise ``ValidationError`` unless ``person`` may lead ``cell`` (S5).

    Level 1: a member of the street working committee's leadership (班子).
    Level 2: a member of the community's two committees (两委) or of the 大工委.
    Level 3: the head of one of the units the cell covers.
    Finer cells: anyone of the street (building and entrance leaders).
    """
    if person.street_id != cell.street_id:
        raise ValidationError(
            {"leader": _("“%s”不是本街道的人员，不能担任网格长。") % person.name}
        )
    if cell.level == CellLevel.COMMUNITY:
        ok = (
            _current_seats(person)
            .filter(
                committee__kind=CommitteeKind.LEADERSHIP,
                committee__street_id=cell.street_id,
            )
            .exists()
        )
        if not ok:
            raise ValidationError(
                {
                    "leader": _(
                        "一级网格的网格长须由街道党工委班子成员担任，"
                        "“%s”不是现任班子成员。"
                    )
                    % person.name
                }
            )
    elif cell.level == CellLevel.AREA:
        ok = (
            _current_seats(person)
            .filter(
                Q(
                    committee__kind=CommitteeKind.TWO_COMMITTEES,
                    committee__community_id=cell.community_id,
                )
                | Q(
                    committee__kind=CommitteeKind.BIG_WORKING,
                    committee__street_id=cell.street_id,
                )
            )
            .exists()
        )
        if not ok:
            raise ValidationError(
                {
                    "leader": _(
                        "二级网格的网格长须由本社区“两委”成员或街道大工委委员担任，"
                        "“%s”都不是。"
                    )
                    % person.name
                }
            )
    elif cell.level == CellLevel.UNIT:
        if not cell.units.exists():
            raise ValidationError(
                {"leader": _("该三级网格还没有覆盖单位，请先设置覆盖单位。")}
            )
        if not cell.units.filter(head=person).exists():
            raise ValidationError(
                {
                    "leader": _(
                        "三级网格的网格长须由网格内单位的负责人担任，"
                        "“%s”不是其中任何单位的负责人。"
                    )
                    % person.name
                }
            )


@transaction.atomic
def cell_set_leader(*, user: User | None, cell: Cell, leader: Person | None) -> Cell:
    """Make ``leader`` (a Person, or ``None`` to leave the post empty) lead ``cell``."""
    cell = Cell.objects.select_for_update().get(pk=cell.pk)
    _require_manage(user, cell)
    if leader is not None:
        leader_check(cell=cell, person=leader)
    cell.leader = leader
    cell.save(update_fields=["leader", "updated_at"])
    return cell


# -- people on cells (S5, S6) ---------------------------------------------------

#: Roles whose holders work for the street office itself.
STREET_OFFICE_ROLES = (Role.STREET_ADMIN, Role.STREET_STAFF)


def is_street_office_staff(*, person: Person, street_id: int) -> bool:
    """Return whether ``person`` works for the office of street ``street_id``.

    The data knows street-office staff two ways: a person attached to the
    street node itself, in no community and no unit (the street office's own
    people: its leadership, its cadres, the staff behind its logins), or a
    person whose account holds a street role (街道管理员/街道工作人员) on
    this street, wherever the person record says they live.
    """
    if person.street_id != street_id:
        return False
    if person.community_id is None and person.unit_id is None:
        return True
    if not person.user_id:
        return False
    return User.objects.filter(
        pk=person.user_id,
        is_active=True,
        role_assignments__role__in=STREET_OFFICE_ROLES,
        role_assignments__org_node_id=street_id,
    ).exists()


def cadre_check(*, cell: Cell, person: Person) -> None:
    """Raise ``ValidationError`` unless ``person`` may be a cell's cadre (S6).

    包网格 cadres are street-office cadres (``is_street_office_staff``): a
    community's resident or a unit's staff is a grid or community worker, not
    a cadre.
    """
    if not is_street_office_staff(person=person, street_id=cell.street_id):
        raise ValidationError(
            {
                "person": _(
                    "包网格干部须由街道办事处的干部担任，“%s”不是街道工作人员"
                    "（社区居民或单位人员可分配为网格员或社区工作者）。"
                )
                % person.name
            }
        )


@transaction.atomic
def cell_assign(
    *,
    user: User | None,
    cell: Cell,
    person: Person,
    role: str,
    started_on: date | None = None,
) -> CellAssignment:
    """Assign ``person`` to ``cell`` as a grid worker, community worker or cadre.

    A cadre (包网格, S6) must be street-office staff (``cadre_check``).
    """
    _require_manage(user, cell)
    if role not in AssignmentRole.values:
        raise ValidationError({"role": _("请选择有效的职责。")})
    if person.street_id != cell.street_id:
        raise ValidationError({"person": _("“%s”不是本街道的人员。") % person.name})
    if role == AssignmentRole.CADRE:
        cadre_check(cell=cell, person=person)
    if CellAssignment.objects.filter(
        cell=cell, person=person, role=role, ended_on__isnull=True
    ).exists():
        raise ValidationError(
            {
                "person": _("“%(person)s”已是该网格的%(role)s。")
                % {"person": person.name, "role": AssignmentRole(role).label}
            }
        )
    assignment = CellAssignment(
        cell=cell,
        person=person,
        role=role,
        started_on=started_on or timezone.localdate(),
        street_id=cell.street_id,
        community_id=cell.community_id,
        assigned_by=user,
    )
    assignment.full_clean()
    assignment.save()
    return assignment


@transaction.atomic
def cell_unassign(
    *, user: User | None, assignment: CellAssignment, ended_on: date | None = None
) -> CellAssignment:
    """End an assignment; the row stays as history."""
    assignment = CellAssignment.objects.select_for_update().get(pk=assignment.pk)
    _require_manage(user, assignment.cell)
    if assignment.ended_on is not None:
        raise ValidationError(_("该分工已经结束。"))
    ended_on = ended_on or timezone.localdate()
    if ended_on < assignment.started_on:
        raise ValidationError({"ended_on": _("结束日期不能早于开始日期。")})
    assignment.ended_on = ended_on
    assignment.save(update_fields=["ended_on", "updated_at"])
    return assignment
