"""API: /api/v1/grids/, /api/v1/grid-cases/, /api/v1/visits/ — scoped."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from grids import services
from grids.models import Case


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def codes(response):
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


# -- cells --------------------------------------------------------------------------


def test_cells_carry_the_documented_fields(grid, world):
    services.cell_set_leader(
        user=world.street_admin, cell=grid.a, leader=grid.c.lead_member
    )
    row = api(world.street_admin).get("/api/v1/grids/?level=1").json()["results"][0]
    assert {"id", "level", "code", "name", "parent", "leader"} <= set(row)
    assert (row["code"], row["level"], row["parent"]) == ("T-01", 1, None)
    assert row["leader"] == grid.c.lead_member.pk
    assert row["leader_name"] == "班子成员"


def test_cells_filter_by_level_parent_and_community(grid, world):
    client = api(world.street_admin)
    assert codes(client.get("/api/v1/grids/?level=2")) == [
        "T-01-01",
        "T-01-02",
        "T-02-01",
    ]
    assert codes(client.get(f"/api/v1/grids/?parent={grid.a.pk}")) == [
        "T-01-01",
        "T-01-02",
    ]
    assert codes(client.get(f"/api/v1/grids/?community={world.b.pk}")) == [
        "T-02",
        "T-02-01",
        "T-02-01-001",
    ]


def test_a_grid_worker_sees_his_cells_and_below_in_the_api(grid):
    client = api(grid.worker1)
    assert codes(client.get("/api/v1/grids/")) == ["T-01-01", "T-01-01-001"]
    assert client.get(f"/api/v1/grids/{grid.u1.pk}/").status_code == 200
    assert client.get(f"/api/v1/grids/{grid.a2.pk}/").status_code == 404
    assert client.get(f"/api/v1/grids/{grid.u2.pk}/").status_code == 404


def test_the_cell_detail_carries_units_and_boundary(grid, world):
    row = api(world.secretary_a).get(f"/api/v1/grids/{grid.u1.pk}/").json()
    assert row["units"] == [world.unit_a.pk]
    assert "boundary" in row


def test_secretary_of_b_and_outsiders_see_no_cells_of_a(grid, world):
    assert "T-01" not in codes(api(world.secretary_b).get("/api/v1/grids/"))
    assert codes(api(world.outsider).get("/api/v1/grids/")) == []
    assert api(world.secretary_b).get(f"/api/v1/grids/{grid.a.pk}/").status_code == 404


def test_anonymous_callers_are_refused(db):
    for url in ("/api/v1/grids/", "/api/v1/grid-cases/", "/api/v1/visits/"):
        assert APIClient().get(url).status_code in (401, 403)


def test_geojson_of_a_level(grid, world):
    square = [[112.1, 32.0], [112.2, 32.0], [112.2, 32.1], [112.1, 32.1], [112.1, 32.0]]
    services.cell_update(
        user=world.street_admin,
        cell=grid.u1,
        boundary={"type": "Polygon", "coordinates": [square]},
    )
    data = api(grid.worker1).get("/api/v1/grids/geojson/?level=3").json()
    assert data["type"] == "FeatureCollection"
    assert [f["properties"]["name"] for f in data["features"]] == ["T-01-01-001"]
    assert (
        api(grid.worker2).get("/api/v1/grids/geojson/?level=3").json()["features"] == []
    )


# -- cases --------------------------------------------------------------------------


def test_case_lifecycle_through_the_api(grid, world):
    # a resident reports
    resident = api(world.volunteer_a)
    response = resident.post(
        "/api/v1/grid-cases/",
        {
            "cell": grid.a1.pk,
            "category": "environment",
            "title": "垃圾满溢",
            "description": "两天未清运",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["events"][0]["kind"] == "reported"
    # the worker escalates, the secretary escalates, the street closes
    r = api(grid.worker1).post(
        f"/api/v1/grid-cases/{pk}/escalate/", {"text": "社区协调"}
    )
    assert r.status_code == 200 and r.json()["level"] == "community"
    r = api(world.secretary_a).post(
        f"/api/v1/grid-cases/{pk}/escalate/", {"text": "街道协调"}
    )
    assert r.json()["level"] == "street"
    r = api(world.street_staff).post(
        f"/api/v1/grid-cases/{pk}/close/", {"text": "已清运"}
    )
    assert r.json()["status"] == "closed"
    # the resident reopens, then the street closes again and she confirms
    r = resident.post(f"/api/v1/grid-cases/{pk}/reopen/", {"text": "又满了"})
    assert r.json()["status"] == "open" and r.json()["reopen_count"] == 1
    api(world.street_staff).post(
        f"/api/v1/grid-cases/{pk}/close/", {"text": "加密清运"}
    )
    r = resident.post(f"/api/v1/grid-cases/{pk}/confirm/", {"text": "满意"})
    assert r.json()["status"] == "confirmed"
    assert [e["kind"] for e in r.json()["events"]] == [
        "reported",
        "escalated",
        "escalated",
        "closed",
        "reopened",
        "closed",
        "confirmed",
    ]


def test_api_refusals_are_400_with_chinese_messages_or_403(grid, world, make_case):
    case = make_case(grid.u1)
    r = api(world.street_admin).post(
        f"/api/v1/grid-cases/{case.pk}/close/", {"text": ""}
    )
    assert r.status_code == 400 and "请填写办理结果" in r.content.decode()
    services.case_escalate(user=world.street_admin, case=case, reason="社区")
    r = api(grid.worker1).post(f"/api/v1/grid-cases/{case.pk}/close/", {"text": "x"})
    assert r.status_code == 403


def test_a_case_of_a_is_404_for_the_secretary_of_b_and_another_worker(
    grid, world, make_case
):
    case = make_case(grid.u1)
    assert (
        api(world.secretary_a).get(f"/api/v1/grid-cases/{case.pk}/").status_code == 200
    )
    for user in (world.secretary_b, grid.worker2, world.outsider):
        client = api(user)
        assert client.get(f"/api/v1/grid-cases/{case.pk}/").status_code == 404
        r = client.post(f"/api/v1/grid-cases/{case.pk}/escalate/", {"text": "x"})
        # someone with no role that handles cases is refused whatever the case
        assert r.status_code == (403 if user == world.outsider else 404)


def test_reporting_in_a_cell_out_of_scope_is_refused(grid, world):
    r = api(grid.worker1).post(
        "/api/v1/grid-cases/",
        {"cell": grid.u2.pk, "category": "other", "title": "x", "description": "x"},
        format="json",
    )
    assert r.status_code == 400
    assert not Case.objects.exists()


def test_case_list_filters(grid, world, make_case):
    a = make_case(grid.u1, title="一")
    b = make_case(grid.u2, title="二")
    services.case_escalate(user=world.street_admin, case=b, reason="社区")
    Case.objects.filter(pk=a.pk).update(
        deadline=timezone.localdate().replace(year=2020)
    )
    client = api(world.street_admin)

    def ids(query):
        return [
            r["id"] for r in client.get("/api/v1/grid-cases/" + query).json()["results"]
        ]

    assert ids("?level=community") == [b.pk]
    assert ids("?overdue=true") == [a.pk]
    assert ids("?overdue=false") == [b.pk]
    assert ids(f"?community={world.b.pk}") == []
    assert client.get("/api/v1/grid-cases/?overdue=true").json()["results"][0][
        "overdue"
    ]


def test_photos_upload_through_the_api(grid, world, png):
    r = api(grid.worker1).post(
        "/api/v1/grid-cases/",
        {
            "cell": grid.u1.pk,
            "category": "facilities",
            "title": "井盖",
            "description": "缺失",
            "photos": [png("1.png"), png("2.png")],
        },
        format="multipart",
    )
    assert r.status_code == 201, r.content
    assert len(r.json()["photos"]) == 2
    assert login_get(grid.worker1, r.json()["photos"][0]) == 200


def login_get(user, url):
    from tests.conftest import login

    return login(user).get(url).status_code


# -- visits ---------------------------------------------------------------------------


def test_visits_are_logged_and_listed_in_scope(grid, world, png):
    r = api(grid.worker1).post(
        "/api/v1/visits/",
        {
            "cell": grid.u1.pk,
            "visited_on": timezone.localdate().isoformat(),
            "findings": "正常",
            "photos": [png()],
        },
        format="multipart",
    )
    assert r.status_code == 201, r.content
    assert r.json()["visitor_name"] == "worker1"
    assert r.json()["photo_count"] == 1
    assert len(api(grid.worker1).get("/api/v1/visits/").json()["results"]) == 1
    assert api(grid.worker2).get("/api/v1/visits/").json()["results"] == []
    assert api(world.secretary_b).get("/api/v1/visits/").json()["results"] == []
    assert len(api(world.secretary_a).get("/api/v1/visits/").json()["results"]) == 1


def test_a_visit_to_another_workers_cell_is_refused(grid):
    r = api(grid.worker1).post(
        "/api/v1/visits/",
        {
            "cell": grid.u2.pk,
            "visited_on": timezone.localdate().isoformat(),
            "findings": "x",
        },
        format="json",
    )
    assert r.status_code == 400


# -- query counts -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/api/v1/grids/", "/api/v1/grid-cases/", "/api/v1/visits/"]
)
def test_api_lists_use_the_same_queries_for_2_and_10_rows(grid, world, make_case, url):
    client = api(world.street_admin)

    def add(n):
        for _ in range(n):
            make_case(grid.u1)
            services.visit_log(
                user=grid.worker1,
                cell=grid.u1,
                visited_on=timezone.localdate(),
                findings="正常",
            )
            services.cell_create(user=world.street_admin, name="新片区", parent=grid.b)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    add(2)
    two = queries()
    add(8)
    assert queries() == two
