"""包网格 (S6): a cell's cadre is street-office staff, never a community resident."""

import pytest
from django.core.exceptions import ValidationError

from grids import services
from grids.models import CellAssignment
from orgs.models import Person
from tests.conftest import login
from tests.grids.conftest import make_person


def assign_cadre(world, cell, person):
    return services.cell_assign(
        user=world.street_admin, cell=cell, person=person, role="cadre"
    )


def test_a_community_resident_is_refused_as_a_cells_cadre(grid, world):
    # given a resident of community A
    resident = grid.c.resident_a
    # when / then the assignment is refused with the reason, and nothing is written
    with pytest.raises(ValidationError) as refused:
        assign_cadre(world, grid.a1, resident)
    assert refused.value.message_dict["person"] == [
        "包网格干部须由街道办事处的干部担任，“甲社区居民”不是街道工作人员"
        "（社区居民或单位人员可分配为网格员或社区工作者）。"
    ]
    assert not CellAssignment.objects.exists()


def test_a_units_head_is_refused_as_a_cells_cadre(grid, world):
    with pytest.raises(ValidationError, match="不是街道工作人员"):
        assign_cadre(world, grid.a1, grid.c.head_a)


def test_a_person_of_the_street_office_is_accepted_as_a_cells_cadre(grid, world):
    # given a street-office cadre: of the street, in no community and no unit
    cadre = make_person(world, "街道干部")
    # when
    assignment = assign_cadre(world, grid.a1, cadre)
    # then
    assert assignment.role == "cadre" and assignment.person == cadre
    assert assignment.community_id == world.a.pk


def test_street_staff_with_a_home_community_is_accepted_as_a_cadre(grid, world):
    # given the street staff member's record names the community she lives in
    person = Person.objects.get(user=world.street_staff)
    Person.objects.filter(pk=person.pk).update(community=world.b)
    person.refresh_from_db()
    # when / then her street role makes her street-office staff
    assignment = assign_cadre(world, grid.a1, person)
    assert assignment.person == person


def test_a_community_resident_may_still_be_a_grid_worker(grid, world):
    assignment = services.cell_assign(
        user=world.street_admin,
        cell=grid.a1,
        person=grid.c.resident_a,
        role="grid_worker",
    )
    assert assignment.role == "grid_worker"


def test_the_cell_page_shows_why_a_resident_cannot_be_its_cadre(grid, world):
    response = login(world.secretary_a).post(
        f"/grids/cells/{grid.a1.pk}/assign/",
        {"person": grid.c.resident_a.pk, "role": "cadre"},
        follow=True,
    )
    assert "包网格干部须由街道办事处的干部担任" in response.content.decode()
    assert not grid.a1.assignments.exists()
