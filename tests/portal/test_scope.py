"""The permission core: who sees which org nodes and who may do what where."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from orgs.models import OrgNode
from portal.models import Role
from portal.roles import can, require
from portal.scope import scope_for
from portal.services import role_assign


def visible_nodes(user):
    return set(
        OrgNode.objects.filter(scope_for(user).org_q()).values_list("code", flat=True)
    )


def test_street_admin_sees_the_whole_street(world):
    assert visible_nodes(world.street_admin) == {
        "T",
        "T-01",
        "T-02",
        "T-01-U001",
        "T-01-U002",
        "T-02-U001",
        "T-01-U001-P1",
    }


def test_secretary_sees_only_their_community(world):
    assert visible_nodes(world.secretary_a) == {
        "T-01",
        "T-01-U001",
        "T-01-U002",
        "T-01-U001-P1",
    }
    assert visible_nodes(world.secretary_b) == {"T-02", "T-02-U001"}


def test_unit_head_sees_their_unit_and_its_party_org_only(world):
    assert visible_nodes(world.unit_head_a) == {"T-01-U001", "T-01-U001-P1"}


def test_volunteer_grid_worker_and_outsider_see_no_org_nodes(world):
    for user in (world.volunteer_a, world.grid_worker_a, world.outsider):
        assert visible_nodes(user) == set()


def test_secretary_may_edit_a_unit_of_their_community_but_not_of_another(world):
    assert can(world.secretary_a, "orgs.edit", world.unit_a)
    assert not can(world.secretary_a, "orgs.edit", world.unit_b)
    with pytest.raises(PermissionDenied):
        require(world.secretary_a, "orgs.edit", world.unit_b)


def test_unit_head_may_edit_own_unit_only(world):
    assert can(world.unit_head_a, "orgs.edit", world.unit_a)
    assert can(world.unit_head_a, "orgs.edit", world.party_org_a)
    assert not can(world.unit_head_a, "orgs.edit", world.unit_a2)


def test_only_street_admin_may_run_the_evaluation(world):
    assert can(world.street_admin, "evaluations.run", world.street)
    for user in (
        world.street_staff,
        world.secretary_a,
        world.unit_head_a,
        world.volunteer_a,
    ):
        assert not can(user, "evaluations.run", world.street)


def test_grid_worker_handles_cases_in_his_cell_only(world):
    assert can(world.grid_worker_a, "grids.handle_case", cell=world.cell_a)
    assert not can(world.grid_worker_a, "grids.handle_case", cell=world.cell_b)


def test_outsider_and_anonymous_may_do_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    for user in (world.outsider, AnonymousUser()):
        assert not can(user, "orgs.view")
        assert not can(user, "volunteers.participate")


def test_role_scope_must_match_the_role(world):
    with pytest.raises(ValidationError):
        role_assign(
            user=world.outsider, role=Role.COMMUNITY_SECRETARY, org_node=world.street
        )
    with pytest.raises(ValidationError):
        role_assign(
            user=world.outsider, role=Role.GRID_WORKER, org_node=world.a, cell=None
        )
    with pytest.raises(ValidationError):
        role_assign(
            user=world.outsider,
            role=Role.GRID_WORKER,
            org_node=world.a,
            cell=world.cell_b,
        )


def test_a_new_role_changes_the_scope_at_once(world):
    assert visible_nodes(world.outsider) == set()
    role_assign(user=world.outsider, role=Role.COMMUNITY_SECRETARY, org_node=world.b)
    assert visible_nodes(world.outsider) == {"T-02", "T-02-U001"}
