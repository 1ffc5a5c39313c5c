"""Every write to the grid: cells and their leaders, assignments, cases, visits.

Tree writes (create, move, delete of a ``Cell``) take the writer lock first
and re-read the nodes they touch, because django-mptt computes ``lft``/``rght``
from in-memory values that a concurrent writer may have moved.

Services take ``user``: the person acting, whose permission is checked first.
``user=None`` means the system itself (the demo seed, a periodic task) and is
never passed by a view or the API.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import (
    NEXT_LEVEL,
    AssignmentRole,
    Case,
    CaseEvent,
    CaseEventKind,
    CaseLevel,
    CaseStatus,
    Cell,
    CellAssignment,
    CellLevel,
    Photo,
    ReporterKind,
    Visit,
)
from grids.photos import PHOTOS
from orgs.models import CommitteeKind, OrgKind, Seat
from portal.db import advisory_xact_lock
from portal.models import Role, User
from portal.notify import notify
from portal.roles import require
from portal.scope import scope_for
from portal.uploads import upload_content, uploads_check

TREE_LOCK = "grids.Cell"
#: One key for every grid tree. Level-1 cells are roots ordered by code, so
#: inserting one renumbers the ``tree_id`` of the roots after it: a per-tree
#: lock would let a concurrent child insert use a stale ``tree_id``. Grid tree
#: writes are rare (an office edits its grid a few times a year), so one lock
#: costs nothing.
TREE_KEY = 0

#: Digits of each level's own number in a cell code (ZW-03-05-012-01-02-003).
CODE_WIDTH = {2: 2, 3: 3, 4: 2, 5: 2, 6: 3}

#: Days a case gets at each level: on report, on escalation, on reopening.
DEADLINE_DAYS = {CaseLevel.CELL: 3, CaseLevel.COMMUNITY: 7, CaseLevel.STREET: 15}

#: Which joint meeting takes up a case escalated to a level (S8, S9).
COMMITTEE_FOR_LEVEL = {
    CaseLevel.COMMUNITY: CommitteeKind.BIG_PARTY,
    CaseLevel.STREET: CommitteeKind.BIG_WORKING,
}

AUTO_ESCALATION_REASON = "超过办理期限仍未办结，系统自动提级上报。"


# -- permissions ---------------------------------------------------------------


def _require(user, action, **target):
    if user is None:  # the system itself (seed, periodic task)
        return
    require(user, action, **target)


def _cell_target(cell):
    return {"street_id": cell.street_id, "community_id": cell.community_id}


def _require_manage(user, cell_or_parent=None, community=None):
    if cell_or_parent is not None:
        _require(user, "grids.manage", **_cell_target(cell_or_parent))
    else:
        _require(
            user,
            "grids.manage",
            street_id=community.street_id,
            community_id=community.pk,
        )


def _handle_target(case):
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


def _require_handle(user, case):
    _require(user, "grids.handle_case", **_handle_target(case))


def case_may_handle(user, case):
    """Return whether ``user`` may act on ``case`` at its current level."""
    from portal.roles import can

    return can(user, "grids.handle_case", **_handle_target(case))


def case_may_answer(user, case):
    """Return whether ``user`` may confirm or reopen ``case`` (its reporter, or
    a handler recording the reporter's answer given by phone or in person)."""
    return case.reporter_id == user.pk or case_may_handle(user, case)


# -- cells: the tree -------------------------------------------------------------


def _lock_trees():
    advisory_xact_lock(TREE_LOCK, TREE_KEY)


def _check_geometry(boundary, centre):
    errors = {}
    if boundary not in (None, "") and not _is_polygon(boundary):
        errors["boundary"] = _(
            "边界必须是 GeoJSON 的 Polygon 或 MultiPolygon，坐标为经度、纬度。"
        )
    if centre not in (None, "") and not _is_position(centre):
        errors["centre"] = _("中心点必须是 [经度, 纬度]。")
    if errors:
        raise ValidationError(errors)


def _is_position(value):
    return (
        isinstance(value, list | tuple)
        and len(value) in (2, 3)
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        and -180 <= value[0] <= 180
        and -90 <= value[1] <= 90
    )


def _is_ring(ring):
    return (
        isinstance(ring, list)
        and len(ring) >= 4
        and all(_is_position(p) for p in ring)
        and list(ring[0][:2]) == list(ring[-1][:2])
    )


def _is_polygon(value):
    if not isinstance(value, dict):
        return False
    coordinates = value.get("coordinates")
    if value.get("type") == "Polygon":
        return (
            isinstance(coordinates, list)
            and bool(coordinates)
            and all(_is_ring(r) for r in coordinates)
        )
    if value.get("type") == "MultiPolygon":
        return (
            isinstance(coordinates, list)
            and bool(coordinates)
            and all(
                isinstance(poly, list) and poly and all(_is_ring(r) for r in poly)
                for poly in coordinates
            )
        )
    return False


def cell_next_code(*, parent=None, community=None):
    """Return the next free readable code under ``parent`` (or for ``community``).

    Call under the tree lock: the number is free at that moment only.
    """
    if parent is None:
        code = community.code
        if Cell.objects.filter(code=code).exists():
            code = f"{community.code}-G"
        return code
    level = parent.level + 1
    width = CODE_WIDTH[level]
    prefix = f"{parent.code}-"
    numbers = [
        int(tail)
        for tail in (
            c[len(prefix) :]
            for c in Cell.objects.filter(code__startswith=prefix).values_list(
                "code", flat=True
            )
        )
        if tail.isdigit()
    ]
    return f"{prefix}{(max(numbers, default=0) + 1):0{width}d}"


@transaction.atomic
def cell_create(
    *,
    user,
    name,
    parent=None,
    community=None,
    code="",
    compound=None,
    boundary=None,
    centre=None,
    units=(),
    leader=None,
):
    """Create a cell under ``parent`` (a level-1 cell for ``community`` when
    ``parent`` is ``None``) and return it."""
    if parent is None:
        if community is None or community.kind != OrgKind.COMMUNITY:
            raise ValidationError({"community": _("一级网格必须对应一个社区。")})
        _require_manage(user, community=community)
    else:
        _require_manage(user, parent)
    _lock_trees()
    if parent is not None:
        parent = Cell.objects.get(pk=parent.pk)  # fresh lft/rght after the lock
        if parent.level >= CellLevel.HOUSEHOLD:
            raise ValidationError({"parent": _("“户”已是最细的网格，不能再往下分。")})
    _check_geometry(boundary, centre)
    cell = Cell(
        level=parent.level + 1 if parent else CellLevel.COMMUNITY,
        code=code or cell_next_code(parent=parent, community=community),
        name=name,
        parent=parent,
        street_id=parent.street_id if parent else community.street_id,
        community_id=parent.community_id if parent else community.pk,
        compound=compound,
        boundary=boundary or None,
        centre=centre or None,
    )
    if compound is not None and compound.community_id != cell.community_id:
        raise ValidationError({"compound": _("所选小区不在该网格所属社区内。")})
    cell.full_clean()
    cell.save()
    if units:
        _set_units(cell, units)
    if leader is not None:
        leader_check(cell=cell, person=leader)
        cell.leader = leader
        cell.save(update_fields=["leader", "updated_at"])
    return cell


@dataclass
class CellSpec:
    """A cell to create in bulk, with its subtree (see ``cell_trees_bulk_create``)."""

    name: str
    code: str
    community: object = None
    units: list = field(default_factory=list)
    compound: object = None
    boundary: dict | None = None
    centre: list | None = None
    leader: object = None
    children: list = field(default_factory=list)


@transaction.atomic
def cell_trees_bulk_create(*, user, street, specs):
    """Create whole grids, each rooted at a new level-1 cell, in one pass.

    The writer lock is taken once; ``lft``/``rght``/``tree_id`` are computed
    here and the cells inserted level by level with ``bulk_create`` (a
    row-by-row mptt insert renumbers the tree each time). Leaders are checked
    against the S5 rules in one query at the end; any refusal rolls it all back.
    Return the new cells in tree order.
    """
    _require(user, "grids.manage", street_id=street.pk)
    _lock_trees()
    next_tree = (
        Cell.objects.order_by("-tree_id").values_list("tree_id", flat=True).first() or 0
    ) + 1
    flat = []  # (cell, parent index or None, spec)
    placed_units = {}

    def walk(spec, parent_index, level, cursor, tree_id, community):
        if level > CellLevel.HOUSEHOLD:
            raise ValidationError({"parent": _("“户”已是最细的网格，不能再往下分。")})
        cell = Cell(
            level=level,
            code=spec.code,
            name=spec.name,
            street_id=street.pk,
            community_id=community.pk,
            compound=spec.compound,
            boundary=spec.boundary,
            centre=spec.centre,
            leader=spec.leader,
            tree_id=tree_id,
            mptt_level=level - 1,
            lft=cursor,
        )
        for unit in spec.units:
            if unit.community_id != community.pk:
                raise ValidationError(
                    {"units": _("单位“%s”不在该网格所属社区内。") % unit.name}
                )
            if level == CellLevel.UNIT:
                if unit.pk in placed_units:
                    raise ValidationError(
                        {
                            "units": _("单位“%(unit)s”已在三级网格“%(cell)s”中。")
                            % {"unit": unit.name, "cell": placed_units[unit.pk]}
                        }
                    )
                placed_units[unit.pk] = spec.name
        index = len(flat)
        flat.append((cell, parent_index, spec))
        for child in sorted(spec.children, key=lambda c: c.code):
            cursor = walk(child, index, level + 1, cursor + 1, tree_id, community)
        cell.rght = cursor + 1
        return cursor + 1

    for offset, spec in enumerate(sorted(specs, key=lambda s: s.code)):
        if spec.community is None or spec.community.street_id != street.pk:
            raise ValidationError(
                {"community": _("一级网格必须对应本街道的一个社区。")}
            )
        walk(spec, None, CellLevel.COMMUNITY, 1, next_tree + offset, spec.community)
    for depth in range(CellLevel.COMMUNITY, CellLevel.HOUSEHOLD + 1):
        batch = []
        for cell, parent_index, _spec in flat:
            if cell.level != depth:
                continue
            if parent_index is not None:
                cell.parent = flat[parent_index][0]
            batch.append(cell)
        if batch:
            Cell.objects.bulk_create(batch, batch_size=500)
    links = [
        Cell.units.through(cell_id=cell.pk, orgnode_id=unit.pk)
        for cell, _p, spec in flat
        for unit in spec.units
    ]
    Cell.units.through.objects.bulk_create(links, batch_size=1000)
    _check_leaders_in_bulk([cell.pk for cell, _p, spec in flat if spec.leader])
    return [cell for cell, _p, _s in flat]


def _check_leaders_in_bulk(cell_ids):
    from grids.selectors import leader_ok_expression

    wrong = (
        Cell.objects.filter(pk__in=cell_ids)
        .annotate(ok=leader_ok_expression())
        .filter(ok=False)
        .select_related("leader")
        .first()
    )
    if wrong is not None:
        try:
            leader_check(cell=wrong, person=wrong.leader)
        except ValidationError as exc:
            raise ValidationError(
                _("网格“%(cell)s”：%(error)s")
                % {"cell": wrong.name, "error": " ".join(exc.messages)}
            ) from exc
        raise ValidationError(_("网格“%s”的网格长不符合条件。") % wrong.name)


@transaction.atomic
def cell_update(*, user, cell, name=None, boundary=None, centre=None, compound=None):
    """Change a cell's name, boundary, centre or compound (not its place)."""
    cell = Cell.objects.select_for_update().get(pk=cell.pk)
    _require_manage(user, cell)
    _check_geometry(boundary, centre)
    if name is not None:
        cell.name = name
    if boundary is not None:
        cell.boundary = boundary or None
    if centre is not None:
        cell.centre = centre or None
    if compound is not None:
        if compound.community_id != cell.community_id:
            raise ValidationError({"compound": _("所选小区不在该网格所属社区内。")})
        cell.compound = compound
    cell.full_clean()
    cell.save(update_fields=["name", "boundary", "centre", "compound", "updated_at"])
    return cell


@transaction.atomic
def cell_move(*, user, cell, new_parent):
    """Move ``cell`` (and its subtree) under ``new_parent`` in the same community.

    The codes of the moved cells follow their new place.
    """
    _require_manage(user, cell)
    _lock_trees()
    cell = Cell.objects.get(pk=cell.pk)
    new_parent = Cell.objects.get(pk=new_parent.pk)
    if new_parent.community_id != cell.community_id:
        raise ValidationError(
            {"parent": _("网格只能在本社区内调整；跨社区请新建网格。")}
        )
    if new_parent.tree_id == cell.tree_id and cell.lft <= new_parent.lft <= cell.rght:
        raise ValidationError({"parent": _("不能把网格放到它自己的下级之下。")})
    if new_parent.level != cell.level - 1:
        raise ValidationError({"parent": _("新的上级网格必须比该网格高一级。")})
    if new_parent.pk == cell.parent_id:
        return cell
    old_prefix = cell.code
    new_code = cell_next_code(parent=new_parent)
    descendants = list(cell.get_descendants())
    cell.parent = new_parent
    cell.code = new_code
    cell.full_clean()
    cell.save()  # django-mptt moves the subtree here
    for child in descendants:
        child.code = new_code + child.code[len(old_prefix) :]
    # ``code`` is not a tree field; the subtree's lft/rght are already right.
    Cell.objects.bulk_update(descendants, ["code"])
    cell.refresh_from_db()
    return cell


@transaction.atomic
def cell_delete(*, user, cell):
    """Delete a cell nothing depends on; refuse clearly otherwise."""
    _require_manage(user, cell)
    _lock_trees()
    cell = Cell.objects.get(pk=cell.pk)
    if cell.get_descendant_count():
        raise ValidationError(_("网格“%s”下还有下级网格，不能删除。") % cell.name)
    try:
        with transaction.atomic():
            cell.units.clear()
            cell.delete()
    except ProtectedError as exc:
        raise ValidationError(
            _("网格“%s”仍有事件、巡访、分工或账号范围引用，不能删除。") % cell.name
        ) from exc


def _set_units(cell, units):
    units = list(units)
    for unit in units:
        if unit.kind != OrgKind.UNIT:
            raise ValidationError({"units": _("“%s”不是驻街单位。") % unit.name})
        if unit.community_id != cell.community_id:
            raise ValidationError(
                {"units": _("单位“%s”不在该网格所属社区内。") % unit.name}
            )
    if cell.level < CellLevel.UNIT:
        raise ValidationError({"units": _("只有三级及以下网格覆盖具体单位。")})
    if cell.level == CellLevel.UNIT:
        taken = (
            Cell.units.through.objects.filter(
                orgnode_id__in=[u.pk for u in units], cell__level=CellLevel.UNIT
            )
            .exclude(cell_id=cell.pk)
            .select_related("orgnode", "cell")
            .first()
        )
        if taken is not None:
            raise ValidationError(
                {
                    "units": _("单位“%(unit)s”已在三级网格“%(cell)s”中。")
                    % {"unit": taken.orgnode.name, "cell": taken.cell.name}
                }
            )
    else:
        owner = cell.get_ancestors().filter(level=CellLevel.UNIT).first()
        allowed = set(owner.units.values_list("pk", flat=True)) if owner else set()
        for unit in units:
            if unit.pk not in allowed:
                raise ValidationError(
                    {"units": _("单位“%s”不在上级三级网格的覆盖范围内。") % unit.name}
                )
    cell.units.set(units)


@transaction.atomic
def cell_set_units(*, user, cell, units):
    """Set the units a level-3 (or finer) cell covers."""
    cell = Cell.objects.select_for_update().get(pk=cell.pk)
    _require_manage(user, cell)
    _set_units(cell, units)
    leader_lost = (
        cell.leader_id
        and cell.level == CellLevel.UNIT
        and not cell.units.filter(head_id=cell.leader_id).exists()
    )
    if leader_lost:
        raise ValidationError(
            {
                "units": _(
                    "调整后网格长“%s”不再是网格内任何单位的负责人，请先更换网格长。"
                )
                % cell.leader.name
            }
        )
    return cell


# -- leaders (S5) ----------------------------------------------------------------


def _current_seats(person):
    return Seat.objects.filter(person=person, vacated_on__isnull=True)


def leader_check(*, cell, person):
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
def cell_set_leader(*, user, cell, leader):
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


def is_street_office_staff(*, person, street_id):
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
    return bool(person.user_id) and (
        User.objects.filter(
            pk=person.user_id,
            is_active=True,
            role_assignments__role__in=STREET_OFFICE_ROLES,
            role_assignments__org_node_id=street_id,
        ).exists()
    )


def cadre_check(*, cell, person):
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
def cell_assign(*, user, cell, person, role, started_on=None):
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
def cell_unassign(*, user, assignment, ended_on=None):
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


# -- photos ------------------------------------------------------------------------


def _photos_save(files, *, user, case=None, visit=None):
    owner = case or visit
    for checked in files:
        content = upload_content(checked)
        photo = Photo(
            case=case,
            visit=visit,
            street_id=owner.street_id,
            community_id=owner.community_id,
            uploaded_by=user,
        )
        photo.image.save(content.name, content, save=False)
        photo.save()


# -- cases -------------------------------------------------------------------------


@dataclass(frozen=True)
class Escalation:
    """What ``case_escalate`` returns: the case, the history row, and which
    committee's next joint meeting should take the case up (S8, S9)."""

    case: Case
    event: CaseEvent

    @property
    def level(self):
        return self.event.to_level

    @property
    def committee_kind(self):
        """``big_party`` (community's 大党委) or ``big_working`` (street 大工委)."""
        return COMMITTEE_FOR_LEVEL[self.event.to_level]


def _reporter_kind(user, unit):
    scope = scope_for(user)
    if scope.is_street_level:
        return ReporterKind.CADRE
    if scope.has_role(Role.COMMUNITY_SECRETARY, Role.GRID_WORKER):
        return ReporterKind.WORKER
    if unit is not None or scope.has_role(Role.UNIT_HEAD):
        return ReporterKind.UNIT
    return ReporterKind.RESIDENT


def actor_name(user):
    """Return the name kept on history rows (it stays if the account goes)."""
    if user is None:
        return _("系统")
    return str(user)[:100]


def _event(case, kind, *, by, text="", from_level="", to_level="", at=None):
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


def _case_link(case):
    return reverse("grids:case", args=[case.pk])


def _level_users(case, level):
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


def _notify_level(case, level, *, title, body, exclude=None):
    recipients = [u for u in _level_users(case, level) if u != exclude]
    notify(
        recipients=recipients,
        title=title,
        body=body,
        link=_case_link(case),
        kind="grids.case",
    )


def _lock_case(case):
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("cell")
        .get(pk=case.pk)
    )


@transaction.atomic
def case_report(
    *,
    user,
    cell,
    category,
    title,
    description,
    deadline=None,
    location="",
    unit=None,
    reporter_name="",
    reporter_phone="",
    photos=(),
    source_visit=None,
    today=None,
):
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
def case_note(*, user, case, text):
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
def case_escalate(*, user, case, reason, today=None):
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
def case_close(*, user, case, result):
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


def _require_answer(user, case):
    if not case_may_answer(user, case):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("只有反映人或办理人可以确认或重新打开事件。"))


@transaction.atomic
def case_confirm(*, user, case, text=""):
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
def case_reopen(*, user, case, reason, today=None):
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


def cases_escalate_overdue(*, today=None, limit=500):
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


def _person_of(user):
    from orgs.models import Person

    return Person.objects.filter(user=user).first()


# -- visits --------------------------------------------------------------------------


@transaction.atomic
def visit_log(
    *,
    user,
    cell,
    visited_on,
    findings,
    photos=(),
    case=None,
    today=None,
):
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
            category=case.get("category"),
            title=case.get("title") or findings[:60],
            description=case.get("description") or findings,
            source_visit=visit,
            today=today,
        )
    return visit
