"""The grids' work in each user's work centre (issue 19, item 1).

On the suite's date, 2026-06-18 10:00 (tests/clock.py); the overdue case is
reported on 2026-05-04, so its deadline has passed.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from tests import clock
from tests.conftest import login
from tests.work import find, listed


@pytest.fixture(autouse=True)
def _on_the_suites_date():
    # Written for the suite's date, Thursday 2026-06-18 10:00 (tests/clock.py):
    # `make test-dates` moves the suite, these stay at their stated time.
    with clock.travel(clock.local(2026, 6, 18, 10, 0)):
        yield


TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def overdue(world, grid, make_case):
    with clock.travel(datetime(2026, 5, 4, 10, 0, tzinfo=TZ)):
        return make_case(grid.a1, title="井盖缺失")


def test_street_staff_give_a_cell_its_leader(world, grid):
    client = login(world.street_staff)
    url, title = find(client, "grids.leader", grid.a.name)
    assert url == "/grids/cells/%s/" % grid.a.pk
    assert client.get(url).status_code == 200
    response = client.post(
        "/grids/cells/%s/leader/" % grid.a.pk, {"leader": grid.c.lead_member.pk}
    )
    assert response.status_code == 302
    assert not find(client, "grids.leader", grid.a.name)


def test_street_staff_see_an_overdue_case_until_it_is_closed(world, grid, overdue):
    assert overdue.deadline < date(2026, 6, 18)
    client = login(world.street_admin)
    url, _title = find(client, "grids.overdue_case", "井盖缺失")
    assert url == "/grids/cases/%s/" % overdue.pk
    assert client.get(url).status_code == 200
    response = client.post(
        "/grids/cases/%s/close/" % overdue.pk, {"text": "已补装井盖"}
    )
    assert response.status_code == 302
    assert not find(client, "grids.overdue_case", "井盖缺失")


def test_grid_worker_handles_the_cases_of_his_cells_only(world, grid, make_case):
    mine = make_case(grid.a1, title="路面破损")
    make_case(grid.a2, title="邻格的事件")
    make_case(grid.b1, title="乙社区的事件")
    client = login(grid.worker1)
    titles = [t for k, _u, t in listed(client) if k == "grids.case"]
    assert titles == ["办理网格事件：路面破损"]
    url, _title = find(client, "grids.case", "路面破损")
    assert client.get(url).status_code == 200
    response = client.post("/grids/cases/%s/close/" % mine.pk, {"text": "已修复"})
    assert response.status_code == 302
    assert not find(client, "grids.case", "路面破损")


def test_the_reporter_confirms_the_result(world, grid, make_case):
    case = make_case(grid.a1, user=grid.worker1, title="路灯闪烁")
    client = login(grid.worker1)
    client.post("/grids/cases/%s/close/" % case.pk, {"text": "已更换"})
    url, _title = find(client, "grids.confirm_case", "路灯闪烁")
    assert client.get(url).status_code == 200
    response = client.post("/grids/cases/%s/confirm/" % case.pk, {"text": "好了"})
    assert response.status_code == 302
    assert not find(client, "grids.confirm_case", "路灯闪烁")
