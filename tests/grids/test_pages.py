"""Pages of the grid: tree, map, cell, case board and detail, visits; scope."""

import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from grids import services
from grids.models import Case, CaseLevel, CaseStatus
from tests.conftest import login


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx)


# -- the tree and the map ---------------------------------------------------------


def test_tree_shows_the_grid_with_open_cases_and_gaps(grid, world, make_case):
    make_case(grid.u1)
    response = login(world.street_admin).get("/grids/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "T-01-01-001 甲单位网格" in html and "T-02 乙网格" in html
    assert "缺网格长" in html
    # the open case shows on the cell and on every cell above it
    assert html.count("1 件事件") == 3


def test_a_grid_worker_sees_his_cells_and_below_only(grid):
    html = login(grid.worker1).get("/grids/").content.decode()
    assert "甲一片区" in html and "甲单位网格" in html
    assert "甲二片区" not in html and "乙网格" not in html and "甲网格<" not in html


def test_volunteers_and_outsiders_may_not_open_the_grid(grid, world):
    for user in (world.volunteer_a, world.outsider):
        assert login(user).get("/grids/").status_code == 403
        assert login(user).get("/grids/map/").status_code == 403


def test_the_map_draws_the_cells_own_boundaries_offline(grid, world, make_case):
    square = [[112.1, 32.0], [112.2, 32.0], [112.2, 32.1], [112.1, 32.1], [112.1, 32.0]]
    for cell in (grid.a1, grid.b1):
        services.cell_update(
            user=world.street_admin,
            cell=cell,
            boundary={"type": "Polygon", "coordinates": [square]},
        )
    make_case(grid.u1)
    html = login(world.secretary_a).get("/grids/map/?level=2").content.decode()
    # the vendored ECharts, the portal's script, no external URL
    assert "/static/vendor/echarts/echarts.min.js" in html
    assert "/static/grids/map.js" in html
    assert not re.search(r"(src|href)=\"https?://", html)
    data = json.loads(
        re.search(
            r'id="grid-geojson" type="application/json">(.*?)</script>', html
        ).group(1)
    )
    # the secretary of A gets A's areas with a boundary, coloured by open cases
    assert data["type"] == "FeatureCollection"
    assert [f["properties"]["name"] for f in data["features"]] == ["T-01-01"]
    assert data["features"][0]["properties"]["open"] == 1
    assert data["features"][0]["geometry"]["type"] == "Polygon"


def test_the_map_says_so_when_no_boundaries_exist(grid, world):
    html = login(world.street_admin).get("/grids/map/?level=3").content.decode()
    assert "还没有边界数据" in html
    assert "echarts.min.js" not in html


# -- the cell page ------------------------------------------------------------------


def test_cell_page_shows_leader_people_units_cases_and_visits(grid, world, make_case):
    services.cell_set_leader(
        user=world.street_admin, cell=grid.u1, leader=grid.c.head_a
    )
    person = grid.c.resident_a
    services.cell_assign(
        user=world.street_admin, cell=grid.u1, person=person, role="grid_worker"
    )
    make_case(grid.u1, title="井盖缺失")
    services.visit_log(
        user=grid.worker1,
        cell=grid.u1,
        visited_on=timezone.localdate(),
        findings="楼道整洁",
    )
    html = login(world.secretary_a).get(f"/grids/cells/{grid.u1.pk}/").content.decode()
    assert "甲单位负责人" in html and "符合条件" in html
    assert "甲社区居民" in html and "网格员" in html
    assert "甲单位" in html
    assert "井盖缺失" in html and "楼道整洁" in html


def test_grid_worker_gets_404_on_another_workers_cell(grid):
    client = login(grid.worker1)
    assert client.get(f"/grids/cells/{grid.a1.pk}/").status_code == 200
    assert client.get(f"/grids/cells/{grid.u1.pk}/").status_code == 200
    assert client.get(f"/grids/cells/{grid.a2.pk}/").status_code == 404
    assert client.get(f"/grids/cells/{grid.u2.pk}/").status_code == 404
    assert client.get(f"/grids/cells/{grid.a.pk}/").status_code == 404


def test_secretary_of_b_gets_404_on_a_cell_of_a(grid, world):
    assert (
        login(world.secretary_b).get(f"/grids/cells/{grid.u1.pk}/").status_code == 404
    )


def test_setting_a_leader_from_the_page_shows_the_refusal(grid, world):
    client = login(world.secretary_a)
    response = client.post(
        f"/grids/cells/{grid.a.pk}/leader/",
        {"leader": grid.c.two_a_member.pk},
        follow=True,
    )
    assert "班子成员" in response.content.decode()
    grid.a.refresh_from_db()
    assert grid.a.leader is None
    client.post(f"/grids/cells/{grid.a.pk}/leader/", {"leader": grid.c.lead_member.pk})
    grid.a.refresh_from_db()
    assert grid.a.leader == grid.c.lead_member


def test_a_grid_worker_may_not_set_a_leader_from_the_page(grid):
    response = login(grid.worker1).post(
        f"/grids/cells/{grid.a1.pk}/leader/", {"leader": grid.c.two_a_member.pk}
    )
    assert response.status_code == 403


def test_assign_and_unassign_people_from_the_page(grid, world):
    client = login(world.secretary_a)
    client.post(
        f"/grids/cells/{grid.a1.pk}/assign/",
        {"person": grid.c.lead_member.pk, "role": "cadre"},
    )
    assignment = grid.a1.assignments.get()
    assert assignment.role == "cadre" and assignment.ended_on is None
    client.post(f"/grids/cells/{grid.a1.pk}/assignments/{assignment.pk}/end/")
    assignment.refresh_from_db()
    assert assignment.ended_on == timezone.localdate()


def test_a_persons_cells_and_a_cells_people_are_one_query_each(grid, world):
    from grids.selectors import cells_of_person, people_of_cell

    person = grid.c.resident_a
    for cell in (grid.a1, grid.u1, grid.u2):
        services.cell_assign(
            user=world.street_admin, cell=cell, person=person, role="community_worker"
        )
    with CaptureQueriesContext(connection) as ctx:
        cells = [c.code for c in cells_of_person(person)]
        people = [(a.person.name, a.role) for a in people_of_cell(grid.u1)]
    assert len(ctx) == 2
    assert cells == ["T-01-01", "T-01-01-001", "T-01-02-001"]
    assert people == [("甲社区居民", "community_worker")]
    html = login(world.secretary_a).get(f"/grids/people/{person.pk}/").content.decode()
    assert "T-01-02-001" in html
    assert (
        login(world.secretary_b).get(f"/grids/people/{person.pk}/").status_code == 404
    )


# -- the case board -----------------------------------------------------------------


def test_case_board_filters_by_level_status_and_overdue(grid, world, make_case):
    open_cell = make_case(grid.u1, title="网格层级事件")
    at_community = make_case(grid.u1, title="社区层级事件")
    services.case_escalate(user=world.street_admin, case=at_community, reason="协调")
    late = make_case(grid.u2, title="超期事件")
    Case.objects.filter(pk=late.pk).update(
        deadline=timezone.localdate() - datetime.timedelta(days=2)
    )
    closed = make_case(grid.u2, title="已办结事件")
    services.case_close(user=world.street_admin, case=closed, result="好了")
    client = login(world.secretary_a)

    def titles(query):
        html = client.get("/grids/cases/" + query).content.decode()
        return {
            t
            for t in ("网格层级事件", "社区层级事件", "超期事件", "已办结事件")
            if t in html
        }

    assert titles("") == {"网格层级事件", "社区层级事件", "超期事件", "已办结事件"}
    assert titles("?level=community") == {"社区层级事件"}
    assert titles("?status=closed") == {"已办结事件"}
    assert titles("?overdue=on") == {"超期事件"}
    assert open_cell.status == CaseStatus.OPEN


def test_case_board_sorts_and_pages(grid, world, make_case):
    for i in range(30):
        make_case(
            grid.u1,
            title=f"事件{i:02d}",
            deadline=timezone.localdate() + datetime.timedelta(days=i),
        )
    client = login(world.street_admin)
    first = client.get("/grids/cases/?o=deadline").content.decode()
    assert "事件00" in first and "事件29" not in first
    assert "第 1 / 2 页" in first
    last = client.get("/grids/cases/?o=-deadline").content.decode()
    assert "事件29" in last and "事件00" not in last
    second = client.get("/grids/cases/?o=deadline&page=2").content.decode()
    assert "事件29" in second


def test_case_board_tells_an_empty_scope_what_to_do(grid, world):
    html = login(world.secretary_b).get("/grids/cases/").content.decode()
    assert "还没有网格事件" in html


def test_case_board_is_scoped(grid, world, make_case):
    make_case(grid.u1, title="甲的事件")
    make_case(grid.ub, title="乙的事件")
    html = login(world.secretary_b).get("/grids/cases/").content.decode()
    assert "乙的事件" in html and "甲的事件" not in html
    html = login(grid.worker2).get("/grids/cases/").content.decode()
    assert "甲的事件" not in html


@pytest.mark.parametrize("url", ["/grids/cases/", "/grids/", "/grids/visits/"])
def test_list_pages_use_the_same_queries_for_2_and_10_rows(grid, world, make_case, url):
    def add(n):
        for _ in range(n):
            case = make_case(grid.u1)
            services.case_escalate(user=world.street_admin, case=case, reason="协调")
            services.visit_log(
                user=grid.worker1,
                cell=grid.u1,
                visited_on=timezone.localdate(),
                findings="正常",
            )
            services.cell_create(user=world.street_admin, name="新片区", parent=grid.b)

    client = login(world.street_admin)
    add(2)
    two = count_queries(client, url)
    add(8)
    assert count_queries(client, url) == two


# -- the case detail and its actions --------------------------------------------------


def test_secretary_of_b_gets_404_on_a_case_of_a(grid, world, make_case):
    case = make_case(grid.u1)
    assert login(world.secretary_a).get(f"/grids/cases/{case.pk}/").status_code == 200
    assert login(world.secretary_b).get(f"/grids/cases/{case.pk}/").status_code == 404
    response = login(world.secretary_b).post(
        f"/grids/cases/{case.pk}/close/", {"text": "乙来办结"}
    )
    assert response.status_code == 404


def test_case_actions_from_the_page_escalate_close_and_confirm(grid, world, make_case):
    case = make_case(grid.u1, user=world.volunteer_a)
    worker = login(grid.worker1)
    html = worker.get(f"/grids/cases/{case.pk}/").content.decode()
    assert "上报社区（大党委）" in html
    worker.post(f"/grids/cases/{case.pk}/escalate/", {"text": "需要社区协调"})
    case.refresh_from_db()
    assert case.level == CaseLevel.COMMUNITY
    # the worker now sees the case but may not act on it
    html = worker.get(f"/grids/cases/{case.pk}/").content.decode()
    assert "上报街道" not in html and "办结并反馈" not in html
    assert (
        worker.post(f"/grids/cases/{case.pk}/close/", {"text": "x"}).status_code == 403
    )
    # the secretary closes it with a result
    secretary = login(world.secretary_a)
    secretary.post(f"/grids/cases/{case.pk}/close/", {"text": "已协调物业处理"})
    # the resident sees the result and confirms
    resident = login(world.volunteer_a)
    html = resident.get(f"/grids/cases/{case.pk}/").content.decode()
    assert "已协调物业处理" in html and "确认已解决" in html
    resident.post(f"/grids/cases/{case.pk}/confirm/", {"text": ""})
    case.refresh_from_db()
    assert case.status == CaseStatus.CONFIRMED
    html = resident.get(f"/grids/cases/{case.pk}/").content.decode()
    assert html.count("<li>") >= 4  # reported, escalated, closed, confirmed
    assert "需要社区协调" in html


def test_a_refused_action_shows_its_chinese_message(grid, world, make_case):
    case = make_case(grid.u1)
    response = login(world.street_admin).post(
        f"/grids/cases/{case.pk}/close/", {"text": ""}, follow=True
    )
    assert "请填写办理结果" in response.content.decode()


def test_an_unknown_action_is_404(grid, world, make_case):
    case = make_case(grid.u1)
    response = login(world.street_admin).post(f"/grids/cases/{case.pk}/delete/")
    assert response.status_code == 404


def test_a_resident_reports_a_case_from_the_form(grid, world, png):
    client = login(world.volunteer_a)
    form = client.get("/grids/cases/new/").content.decode()
    # a resident may choose the cells of her community down to level 2
    assert "甲一片区" in form and "乙一片区" not in form and "甲单位网格" not in form
    response = client.post(
        "/grids/cases/new/",
        {
            "cell": grid.a1.pk,
            "category": "facilities",
            "title": "路灯不亮",
            "description": "小区门口路灯连续三晚不亮。",
            "photos": [png("a.png"), png("b.png")],
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/grids/cases/{case.pk}/"
    assert case.reporter == world.volunteer_a
    assert case.photos.count() == 2


def test_the_report_form_shows_upload_refusals_and_keeps_nothing(grid, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = login(world.secretary_a).post(
        "/grids/cases/new/",
        {
            "cell": grid.u1.pk,
            "category": "facilities",
            "title": "路灯不亮",
            "description": "不亮",
            "photos": [SimpleUploadedFile("x.jpg", b"MZ" + b"\0" * 100)],
        },
    )
    assert response.status_code == 200
    assert "不是有效的图片" in response.content.decode()
    assert not Case.objects.exists()


# -- visits from a phone ----------------------------------------------------------------


def test_visit_form_works_for_a_phone_and_can_report_a_case(grid, png):
    client = login(grid.worker1)
    form = client.get(f"/grids/visits/new/?cell={grid.u1.pk}").content.decode()
    assert 'name="viewport"' in form
    assert 'type="file"' in form and 'accept="image/*"' in form
    for field in ("id_cell", "id_visited_on", "id_findings", "id_photos"):
        assert f'for="{field}"' in form
    response = client.post(
        f"/grids/visits/new/?cell={grid.u1.pk}",
        {
            "cell": grid.u1.pk,
            "visited_on": timezone.localdate().isoformat(),
            "findings": "消防通道被占用",
            "photos": [png()],
            "report": "on",
            "category": "safety",
            "title": "消防通道被占",
        },
    )
    assert response.status_code == 302
    visit = grid.u1.visits.get()
    assert visit.photos.count() == 1
    assert visit.visitor.name == "worker1"
    case = visit.cases.get()
    assert case.title == "消防通道被占" and case.category == "safety"


def test_a_visit_in_the_future_is_refused(grid):
    response = login(grid.worker1).post(
        "/grids/visits/new/",
        {
            "cell": grid.u1.pk,
            "visited_on": (
                timezone.localdate() + datetime.timedelta(days=1)
            ).isoformat(),
            "findings": "x",
        },
    )
    assert "不能晚于今天" in response.content.decode()


def test_a_grid_worker_cannot_log_a_visit_to_another_workers_cell(grid):
    response = login(grid.worker1).post(
        "/grids/visits/new/",
        {
            "cell": grid.u2.pk,
            "visited_on": timezone.localdate().isoformat(),
            "findings": "x",
        },
    )
    assert response.status_code == 200  # the cell is not even a choice
    assert not grid.u2.visits.exists()


def test_visit_pages_are_scoped(grid, world):
    visit = services.visit_log(
        user=grid.worker1,
        cell=grid.u1,
        visited_on=timezone.localdate(),
        findings="正常",
    )
    assert login(grid.worker1).get(f"/grids/visits/{visit.pk}/").status_code == 200
    assert login(grid.worker2).get(f"/grids/visits/{visit.pk}/").status_code == 404
    assert login(world.secretary_b).get(f"/grids/visits/{visit.pk}/").status_code == 404
    assert "正常" not in login(grid.worker2).get("/grids/visits/").content.decode()
