"""Writes to the grid tree: cells, their codes, geometry and units.

Tree writes (create, move, delete of a ``Cell``) take the writer lock first
and re-read the nodes they touch, because django-mptt computes ``lft``/``rght``
from in-memory values that a concurrent writer may have moved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from grids.models import Cell, CellLevel
from grids.selectors import leader_ok_expression
from grids.services._common import _require, _require_manage
from grids.services.assignments import leader_check
from orgs.models import OrgKind, OrgNode, Person, ResidentialCompound
from portal.db import advisory_xact_lock
from portal.models import User

TREE_LOCK = "grids.Cell"
#: One key for every grid tree. Level-1 cells are roots ordered by code, so
#: inserting one renumbers the ``tree_id`` of the roots after it: a per-tree
#: lock would let a concurrent child insert use a stale ``tree_id``. Grid tree
#: writes are rare (an office edits its grid a few times a year), so one lock
#: costs nothing.
TREE_KEY = 0

#: Digits of each level's own number in a cell code (ZW-03-05-012-01-02-003).
CODE_WIDTH = {2: 2, 3: 3, 4: 2, 5: 2, 6: 3}


# -- cells: the tree -------------------------------------------------------------


def _lock_trees() -> None:
    advisory_xact_lock(TREE_LOCK, TREE_KEY)


def _check_geometry(boundary: Any, centre: Any) -> None:
    errors = {}
    if boundary not in (None, "") and not _is_polygon(boundary):
        errors["boundary"] = _(
            "边界必须是 GeoJSON 的 Polygon 或 MultiPolygon，坐标为经度、纬度。"
        )
    if centre not in (None, "") and not _is_position(centre):
        errors["centre"] = _("中心点必须是 [经度, 纬度]。")
    if errors:
        raise ValidationError(errors)


def _is_position(value: Any) -> bool:
    return (
        isinstance(value, list | tuple)
        and len(value) in (2, 3)
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        and -180 <= value[0] <= 180
        and -90 <= value[1] <= 90
    )


def _is_ring(ring: Any) -> bool:
    return (
        isinstance(ring, list)
        and len(ring) >= 4
        and all(_is_position(p) for p in ring)
        and list(ring[0][:2]) == list(ring[-1][:2])
    )


def _is_polygon(value: Any) -> bool:
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


def cell_next_code(
    *, parent: Cell | None = None, community: OrgNode | None = None
) -> str:
    """Return the next free readable code under ``parent`` (or for ``community``).

    Call under the tree lock: the number is free at that moment only.
    """
    if parent is None:
        if community is None:
            raise TypeError("a parent or a community is needed")
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
    user: User | None,
    name: str,
    parent: Cell | None = None,
    community: OrgNode | None = None,
    code: str = "",
    compound: ResidentialCompound | None = None,
    boundary: dict[str, Any] | None = None,
    centre: list[float] | None = None,
    units: Iterable[OrgNode] = (),
    leader: Person | None = None,
) -> Cell:
    """Create a cell under ``parent`` (a level-1 cell for ``community`` when
    ``parent`` is ``None``) and return it."""
    if parent is None:
        if community is None or community.kind != OrgKind.COMMUNITY:
            raise ValidationError({"community": _("一级网格必须对应一个社区。")})
        _require_manage(user, community=community)
        street_id, community_id = community.street_id, community.pk
    else:
        _require_manage(user, parent)
    _lock_trees()
    if parent is not None:
        parent = Cell.objects.get(pk=parent.pk)  # fresh lft/rght after the lock
        street_id, community_id = parent.street_id, parent.community_id
        if parent.level >= CellLevel.HOUSEHOLD:
            raise ValidationError({"parent": _("“户”已是最细的网格，不能再往下分。")})
    _check_geometry(boundary, centre)
    cell = Cell(
        level=parent.level + 1 if parent else CellLevel.COMMUNITY,
        code=code or cell_next_code(parent=parent, community=community),
        name=name,
        parent=parent,
        street_id=street_id,
        community_id=community_id,
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
    community: OrgNode | None = None
    units: list[OrgNode] = field(default_factory=list)
    compound: ResidentialCompound | None = None
    boundary: dict[str, Any] | None = None
    centre: list[float] | None = None
    leader: Person | None = None
    children: list[CellSpec] = field(default_factory=list)


@transaction.atomic
def cell_trees_bulk_create(
    *, user: User | None, street: OrgNode, specs: Iterable[CellSpec]
) -> list[Cell]:
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
    flat: list[tuple[Cell, int | None, CellSpec]] = []  # (cell, parent index, spec)
    placed_units: dict[int, str] = {}

    def walk(
        spec: CellSpec,
        parent_index: int | None,
        level: int,
        cursor: int,
        tree_id: int,
        community: OrgNode,
    ) -> int:
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


def _check_leaders_in_bulk(cell_ids: list[int]) -> None:
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
def cell_update(
    *,
    user: User | None,
    cell: Cell,
    name: str | None = None,
    boundary: dict[str, Any] | None = None,
    centre: list[float] | None = None,
    compound: ResidentialCompound | None = None,
) -> Cell:
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
def cell_move(*, user: User | None, cell: Cell, new_parent: Cell) -> Cell:
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
def cell_delete(*, user: User | None, cell: Cell) -> None:
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


def _set_units(cell: Cell, units: Iterable[OrgNode]) -> None:
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
def cell_set_units(*, user: User | None, cell: Cell, units: Iterable[OrgNode]) -> Cell:
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
