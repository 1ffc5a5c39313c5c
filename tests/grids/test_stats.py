"""Stats keys of the grid, scoped like everything else."""

import datetime

from django.utils import timezone
from rest_framework.test import APIClient

from grids import services
from grids.models import Case

KEYS = {
    "grid_cells_level_1",
    "grid_cells_level_2",
    "grid_cells_level_3",
    "grid_cells_without_leader",
    "grid_cases_open",
    "grid_cases_overdue",
}


def stats(user):
    client = APIClient()
    client.force_authenticate(user)
    return client.get("/api/v1/stats/").json()


def test_stats_count_cells_and_cases_in_the_callers_scope(grid, world, make_case):
    # given a case in each community, one overdue, one closed
    late = make_case(grid.u1)
    Case.objects.filter(pk=late.pk).update(
        deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    make_case(grid.ub)
    done = make_case(grid.u2)
    services.case_close(user=world.street_admin, case=done, result="好了")
    # then the street sees both communities
    street = stats(world.street_admin)
    assert set(street) >= KEYS
    assert (
        street["grid_cells_level_1"],
        street["grid_cells_level_2"],
        street["grid_cells_level_3"],
    ) == (2, 3, 3)
    assert street["grid_cells_without_leader"] == 8
    assert (street["grid_cases_open"], street["grid_cases_overdue"]) == (2, 1)
    # the secretary of B only B
    b = stats(world.secretary_b)
    assert (
        b["grid_cells_level_1"],
        b["grid_cells_level_2"],
        b["grid_cells_level_3"],
    ) == (
        1,
        1,
        1,
    )
    assert (b["grid_cases_open"], b["grid_cases_overdue"]) == (1, 0)
    # a grid worker his cells and below
    w = stats(grid.worker1)
    assert (
        w["grid_cells_level_1"],
        w["grid_cells_level_2"],
        w["grid_cells_level_3"],
    ) == (
        0,
        1,
        1,
    )
    assert w["grid_cases_open"] == 1
    # and an outsider nothing
    assert all(stats(world.outsider)[k] == 0 for k in KEYS)


def test_the_home_page_shows_the_grid_cards(grid, world):
    from tests.conftest import login

    html = login(world.street_admin).get("/").content.decode()
    assert 'data-key="grid_cells_level_2"' in html
    assert "缺网格长的网格" in html
