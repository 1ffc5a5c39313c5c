"""Cell leaders by the S5 rule: accepted and refused at each level; gaps."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from grids import selectors, services
from grids.stats import stats
from orgs.models import OrgNode, Seat
from portal.scope import scope_for
from tests.grids.conftest import make_person


def set_leader(world, cell, person):
    return services.cell_set_leader(user=world.street_admin, cell=cell, leader=person)


# -- level 1: the street working committee's leadership -------------------------


def test_level_1_accepts_a_current_leadership_member(grid, world):
    cell = set_leader(world, grid.a, grid.c.lead_member)
    assert cell.leader == grid.c.lead_member


def test_level_1_refuses_a_two_committees_member(grid, world):
    with pytest.raises(ValidationError, match="街道党工委班子成员"):
        set_leader(world, grid.a, grid.c.two_a_member)


def test_level_1_refuses_a_leadership_member_whose_seat_was_vacated(grid, world):
    with pytest.raises(ValidationError, match="不是现任班子成员"):
        set_leader(world, grid.a, grid.c.former_lead)


# -- level 2: the community's two committees or the 大工委 -------------------------


def test_level_2_accepts_a_member_of_the_communitys_two_committees(grid, world):
    assert set_leader(world, grid.a1, grid.c.two_a_member).leader == grid.c.two_a_member


def test_level_2_accepts_a_big_working_committee_member(grid, world):
    assert set_leader(world, grid.b1, grid.c.bw_member).leader == grid.c.bw_member


def test_level_2_refuses_a_two_committees_member_of_another_community(grid, world):
    with pytest.raises(ValidationError, match="两委"):
        set_leader(world, grid.a1, grid.c.two_b_member)


def test_level_2_refuses_a_plain_resident(grid, world):
    with pytest.raises(ValidationError, match="都不是"):
        set_leader(world, grid.a1, grid.c.resident_a)


# -- level 3: the head of one of its units ----------------------------------------


def test_level_3_accepts_the_head_of_a_covered_unit(grid, world):
    assert set_leader(world, grid.u1, grid.c.head_a).leader == grid.c.head_a


def test_level_3_refuses_someone_who_heads_no_covered_unit(grid, world):
    with pytest.raises(ValidationError, match="负责人"):
        set_leader(world, grid.u2, grid.c.head_a)


def test_level_3_without_units_asks_for_units_first(grid, world):
    empty = services.cell_create(user=world.street_admin, name="空", parent=grid.a1)
    with pytest.raises(ValidationError, match="覆盖单位"):
        set_leader(world, empty, grid.c.head_a)


def test_a_person_of_another_street_is_refused(grid, world):
    from orgs.models import OrgKind
    from orgs.services import org_node_create

    other = org_node_create(kind=OrgKind.STREET, name="别的街道", code="X")
    person = make_person(world, "外街道人员")
    person.street = other
    person.save()
    with pytest.raises(ValidationError, match="不是本街道"):
        set_leader(world, grid.a, person)


def test_finer_cells_take_any_person_of_the_street(grid, world):
    building = services.cell_create(user=world.street_admin, name="1栋", parent=grid.u1)
    assert set_leader(world, building, grid.c.resident_a).leader == grid.c.resident_a


def test_only_managers_of_the_cell_may_set_its_leader(grid, world):
    with pytest.raises(PermissionDenied):
        services.cell_set_leader(
            user=grid.worker1, cell=grid.a1, leader=grid.c.two_a_member
        )
    with pytest.raises(PermissionDenied):
        services.cell_set_leader(
            user=world.secretary_b, cell=grid.a1, leader=grid.c.two_a_member
        )
    cell = services.cell_set_leader(
        user=world.secretary_a, cell=grid.a1, leader=grid.c.two_a_member
    )
    assert cell.leader == grid.c.two_a_member


def test_leader_candidates_are_exactly_the_qualified_people(grid):
    assert list(selectors.leader_candidates(grid.a)) == [grid.c.lead_member]
    assert set(selectors.leader_candidates(grid.a1)) == {
        grid.c.two_a_member,
        grid.c.bw_member,
    }
    assert list(selectors.leader_candidates(grid.u1)) == [grid.c.head_a]


# -- gaps ------------------------------------------------------------------------


def test_cells_without_a_leader_are_listed_as_gaps_and_counted(grid, world):
    # given every level 1-3 cell of A led, B's left empty
    set_leader(world, grid.a, grid.c.lead_member)
    set_leader(world, grid.a1, grid.c.two_a_member)
    set_leader(world, grid.a2, grid.c.bw_member)
    set_leader(world, grid.u1, grid.c.head_a)
    OrgNode.objects.filter(pk=world.unit_a2.pk).update(head=grid.c.resident_a)
    set_leader(world, grid.u2, grid.c.resident_a)
    # then B's three cells are the gaps
    gaps = {c.code for c in selectors.cell_gaps(user=world.street_admin)}
    assert gaps == {"T-02", "T-02-01", "T-02-01-001"}
    assert stats(scope_for(world.street_admin))["grid_cells_without_leader"] == 3
    # and the secretary of A sees none in her scope
    assert not selectors.cell_gaps(user=world.secretary_a).exists()
    assert stats(scope_for(world.secretary_a))["grid_cells_without_leader"] == 0


def test_a_leader_whose_seat_is_vacated_becomes_a_gap(grid, world):
    # given a led level-1 cell
    cell = set_leader(world, grid.a, grid.c.lead_member)
    assert selectors.cell_leader_ok(cell) is True
    assert grid.a.pk not in {c.pk for c in selectors.cell_gaps(user=world.street_admin)}
    # when the leader leaves the leadership
    Seat.objects.filter(person=grid.c.lead_member).update(
        vacated_on=datetime.date(2026, 1, 1)
    )
    # then the cell is listed as a gap, and its page says so
    assert grid.a.pk in {c.pk for c in selectors.cell_gaps(user=world.street_admin)}
    assert selectors.cell_leader_ok(cell) is False


def test_clearing_the_leader_leaves_a_gap(grid, world):
    set_leader(world, grid.a, grid.c.lead_member)
    set_leader(world, grid.a, None)
    grid.a.refresh_from_db()
    assert grid.a.leader is None


def test_removing_the_leaders_unit_is_refused(grid, world):
    set_leader(world, grid.u1, grid.c.head_a)
    with pytest.raises(ValidationError, match="请先更换网格长"):
        services.cell_set_units(user=world.street_admin, cell=grid.u1, units=[])
