"""Cells: creation through the service, readable codes, moves, refusals."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from grids import services
from grids.models import Cell, CellLevel
from grids.services import CellSpec, cell_trees_bulk_create
from tests.grids.conftest import assert_tree_valid


def test_cells_get_their_level_and_readable_codes_from_the_parent(grid):
    # given the grid fixture, built through the service
    # then levels follow depth and codes read street-community-area-unit
    assert (grid.a.level, grid.a1.level, grid.u1.level) == (1, 2, 3)
    assert grid.a.code == "T-01"
    assert (grid.a1.code, grid.a2.code) == ("T-01-01", "T-01-02")
    assert grid.u1.code == "T-01-01-001"
    assert grid.u1.community_id == grid.a.community_id
    assert grid.u1.street_id == grid.a.street_id
    assert_tree_valid()


def test_a_level_1_cell_is_created_for_a_community(world):
    # given a community without a grid
    from orgs.models import OrgKind
    from orgs.services import org_node_create

    c = org_node_create(
        kind=OrgKind.COMMUNITY, name="丙社区", code="T-03", parent=world.street
    )
    # when the street admin creates its level-1 cell
    cell = services.cell_create(user=world.street_admin, name="丙网格", community=c)
    # then it is a root of level 1 with the community's code
    assert (cell.level, cell.parent_id, cell.code) == (1, None, "T-03")
    assert_tree_valid()


def test_second_level_1_cell_for_the_same_community_is_refused(world):
    with pytest.raises(ValidationError):
        services.cell_create(user=world.street_admin, name="重复", community=world.a)


def test_household_is_the_finest_cell(grid, world):
    # given cells down to level 6
    parent = grid.u1
    for name in ("楼栋", "单元", "户"):
        parent = services.cell_create(user=world.street_admin, name=name, parent=parent)
    assert parent.level == CellLevel.HOUSEHOLD
    assert parent.code == "T-01-01-001-01-01-001"
    # when a cell is added below a household
    # then it is refused in Chinese
    with pytest.raises(ValidationError, match="最细"):
        services.cell_create(user=world.street_admin, name="更细", parent=parent)


def test_grid_worker_and_secretary_of_b_may_not_change_a_grid(grid, world):
    with pytest.raises(PermissionDenied):
        services.cell_create(user=grid.worker1, name="新片区", parent=grid.a)
    with pytest.raises(PermissionDenied):
        services.cell_create(user=world.secretary_b, name="新片区", parent=grid.a)
    # the secretary of A may
    cell = services.cell_create(user=world.secretary_a, name="新片区", parent=grid.a)
    assert cell.code == "T-01-03"


def test_a_unit_sits_in_one_level_3_cell_only(grid, world):
    with pytest.raises(ValidationError, match="已在三级网格"):
        services.cell_create(
            user=world.street_admin,
            name="再放一次",
            parent=grid.a2,
            units=[world.unit_a],
        )


def test_a_unit_of_another_community_is_refused(grid, world):
    with pytest.raises(ValidationError, match="不在该网格所属社区"):
        services.cell_set_units(
            user=world.street_admin, cell=grid.u2, units=[world.unit_b]
        )


def test_a_bad_boundary_is_refused(grid, world):
    with pytest.raises(ValidationError, match="GeoJSON"):
        services.cell_update(
            user=world.street_admin,
            cell=grid.a1,
            boundary={"type": "Polygon", "coordinates": [[[1, 2], [3, 4]]]},
        )
    square = [[112.1, 32.0], [112.2, 32.0], [112.2, 32.1], [112.1, 32.1], [112.1, 32.0]]
    cell = services.cell_update(
        user=world.street_admin,
        cell=grid.a1,
        boundary={"type": "Polygon", "coordinates": [square]},
        centre=[112.15, 32.05],
    )
    assert cell.boundary["type"] == "Polygon"


def test_move_keeps_the_tree_sound_and_renames_codes(grid, world):
    # given a unit cell with a household below it
    building = services.cell_create(user=world.street_admin, name="1栋", parent=grid.u1)
    # when the unit cell moves to the other area
    moved = services.cell_move(
        user=world.street_admin, cell=grid.u1, new_parent=grid.a2
    )
    # then it and its subtree carry codes of their new place
    building.refresh_from_db()
    assert moved.parent_id == grid.a2.pk
    assert moved.code == "T-01-02-002"
    assert building.code == "T-01-02-002-01"
    assert_tree_valid()


def test_move_across_communities_or_levels_is_refused(grid, world):
    with pytest.raises(ValidationError, match="本社区内"):
        services.cell_move(user=world.street_admin, cell=grid.u1, new_parent=grid.b1)
    with pytest.raises(ValidationError, match="高一级"):
        services.cell_move(user=world.street_admin, cell=grid.u1, new_parent=grid.a)
    with pytest.raises(ValidationError, match="自己的下级"):
        services.cell_move(user=world.street_admin, cell=grid.a1, new_parent=grid.u1)


def test_delete_refuses_a_cell_with_children_or_cases(grid, world, make_case):
    with pytest.raises(ValidationError, match="下级网格"):
        services.cell_delete(user=world.street_admin, cell=grid.a1)
    make_case(grid.u2)
    with pytest.raises(ValidationError, match="不能删除"):
        services.cell_delete(user=world.street_admin, cell=grid.u2)
    leaf = services.cell_create(user=world.street_admin, name="空网格", parent=grid.b1)
    services.cell_delete(user=world.street_admin, cell=leaf)
    assert not Cell.objects.filter(pk=leaf.pk).exists()
    assert_tree_valid()


def test_bulk_creation_builds_sound_trees(world, committees):
    # given a new community and a spec of three levels
    from orgs.models import OrgKind
    from orgs.services import org_node_create

    c = org_node_create(
        kind=OrgKind.COMMUNITY, name="丙社区", code="T-03", parent=world.street
    )
    spec = CellSpec(
        name="丙网格",
        code="T-03",
        community=c,
        leader=committees.lead_member,
        children=[
            CellSpec(
                name=f"丙{i}片区",
                code=f"T-03-{i:02d}",
                community=c,
                children=[
                    CellSpec(
                        name=f"丙{i}-{j}", code=f"T-03-{i:02d}-{j:03d}", community=c
                    )
                    for j in (2, 1)
                ],
            )
            for i in (1, 2)
        ],
    )
    # when built in one pass
    cells = cell_trees_bulk_create(user=None, street=world.street, specs=[spec])
    # then the nested sets match a rebuild from the parent links
    assert len(cells) == 7
    assert [c.level for c in cells] == [1, 2, 3, 3, 2, 3, 3]
    assert_tree_valid()
    # and a later insert through the service lands in the right place
    services.cell_create(user=world.street_admin, name="丙3片区", parent=cells[0])
    assert_tree_valid()


def test_bulk_creation_refuses_an_unqualified_leader_and_writes_nothing(
    world, committees
):
    from orgs.models import OrgKind
    from orgs.services import org_node_create

    c = org_node_create(
        kind=OrgKind.COMMUNITY, name="丙社区", code="T-03", parent=world.street
    )
    spec = CellSpec(
        name="丙网格", code="T-03", community=c, leader=committees.resident_a
    )
    before = Cell.objects.count()
    with pytest.raises(ValidationError, match="班子成员"):
        cell_trees_bulk_create(user=None, street=world.street, specs=[spec])
    assert Cell.objects.count() == before
