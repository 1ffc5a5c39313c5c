"""The API: runs, results, credit ratings, appeals, commitments — filters,
scope (another scope's object is a 404) and query counts."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from evaluations import services
from evaluations.models import CommitmentTheme, Evaluation, Grade
from portal.models import Role
from tests.conftest import _user
from tests.evaluations.conftest import (
    AUGUST,
    JULY,
    JUNE,
    MAY,
    OCTOBER,
    SEPTEMBER,
    in_service_members,
    more_units,
    publish_month,
    run_month,
    set_grades,
)


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def count_queries(user, url):
    """Count one request's queries, with a fresh user (no cached scope)."""
    client = api(type(user).objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries), response.json()


def test_evaluations_rows_carry_month_subject_score_and_grade(world, committees):
    in_service_members(world, world.unit_a, 2)
    run_month(world.street, MAY, world.street_admin)
    data = api(world.street_admin).get("/api/v1/evaluations/?month=2024-05").json()
    assert data["count"] == 6
    row = next(r for r in data["results"] if r["unit"] == world.unit_a.pk)
    assert row["month"] == "2024-05"
    assert row["unit_name"] == "甲单位" and row["committee"] is None
    assert isinstance(row["score"], float | int)
    assert row["grade"] in Grade.values and row["grade_label"] == "较差"
    assert row["metrics"]["members_in_service"] == 2
    committee_row = next(r for r in data["results"] if r["committee"])
    assert committee_row["unit"] is None and committee_row["committee_name"]


def test_evaluations_filters(world, committees):
    run_month(world.street, MAY, world.street_admin)
    run_month(world.street, JUNE, world.street_admin)
    client = api(world.street_admin)
    assert client.get("/api/v1/evaluations/").json()["count"] == 12
    assert client.get("/api/v1/evaluations/?month=2024-06").json()["count"] == 6
    by_unit = client.get(f"/api/v1/evaluations/?unit={world.unit_b.pk}").json()
    assert by_unit["count"] == 2
    assert {r["month"] for r in by_unit["results"]} == {"2024-05", "2024-06"}
    by_committee = client.get(
        f"/api/v1/evaluations/?committee={committees.a.pk}&month=2024-05"
    ).json()
    assert [r["committee_name"] for r in by_committee["results"]] == ["甲社区大党委"]
    assert client.get("/api/v1/evaluations/?grade=poor").json()["count"] == 12
    assert client.get("/api/v1/evaluations/?grade=较差").json()["count"] == 12
    assert client.get("/api/v1/evaluations/?grade=excellent").json()["count"] == 0
    assert client.get("/api/v1/evaluations/?month=2024-13").status_code == 400
    assert client.get("/api/v1/evaluations/?grade=best").status_code == 400


def test_evaluations_are_scoped(world, committees, unit_head_b):
    publish_month(world, MAY)
    a_row = Evaluation.objects.get(month=MAY, unit=world.unit_a)
    # a unit head sees only his unit
    head = api(world.unit_head_a)
    rows = head.get("/api/v1/evaluations/").json()["results"]
    assert [r["unit"] for r in rows] == [world.unit_a.pk]
    assert api(unit_head_b).get(f"/api/v1/evaluations/{a_row.pk}/").status_code == 404
    # a secretary sees his community's units and 大党委
    rows = api(world.secretary_a).get("/api/v1/evaluations/").json()["results"]
    assert {r["unit_name"] or r["committee_name"] for r in rows} == {
        "甲单位",
        "甲二单位",
        "甲社区大党委",
    }
    assert (
        api(world.secretary_b).get(f"/api/v1/evaluations/{a_row.pk}/").status_code
        == 404
    )
    # people without an evaluation role see nothing
    for persona in (world.volunteer_a, world.outsider, world.grid_worker_a):
        assert api(persona).get("/api/v1/evaluations/").json()["count"] == 0


def test_runs_api_starts_a_run_for_the_admin_only(
    world, committees, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.street_admin).post(
            "/api/v1/evaluation-runs/", {"month": "2024-05"}, format="json"
        )
    assert response.status_code == 201, response.content
    assert response.json()["month"] == "2024-05"
    run_id = response.json()["id"]
    detail = api(world.street_admin).get(f"/api/v1/evaluation-runs/{run_id}/").json()
    assert detail["status"] == "done" and detail["percent"] == 100
    assert detail["units_done"] == 3 and detail["committees_done"] == 3
    staff = api(world.street_staff)
    assert (
        staff.post("/api/v1/evaluation-runs/", {"month": "2024-06"}).status_code == 403
    )
    assert staff.get("/api/v1/evaluation-runs/").json()["count"] == 1
    bad = api(world.street_admin).post("/api/v1/evaluation-runs/", {"month": "x"})
    assert bad.status_code == 400
    assert api(world.secretary_a).get("/api/v1/evaluation-runs/").json()["count"] == 0
    assert (
        api(world.secretary_a).get(f"/api/v1/evaluation-runs/{run_id}/").status_code
        == 404
    )


def rate_units(world):
    for month, grades in zip(
        (MAY, JUNE, JULY),
        [
            {world.unit_a: Grade.EXCELLENT, world.unit_b: Grade.FAIR},
            {world.unit_a: Grade.EXCELLENT, world.unit_b: Grade.POOR},
            {world.unit_a: Grade.GOOD, world.unit_b: Grade.FAIR},
        ],
        strict=True,
    ):
        run_month(world.street, month, world.street_admin)
        set_grades(month, grades)
        services.month_publish(
            user=world.street_admin, street=world.street, month=month
        )


def test_credit_ratings_and_appeals_api(world, committees, unit_head_b):
    rate_units(world)
    admin = api(world.street_admin)
    rows = admin.get("/api/v1/credit-ratings/").json()["results"]
    assert {(r["unit_name"], r["level"], r["stars"]) for r in rows} == {
        ("甲单位", "A", 5),
        ("乙单位", "D", 2),
    }
    assert admin.get("/api/v1/credit-ratings/?level=D").json()["count"] == 1
    # a unit head files an appeal through the API
    head = api(world.unit_head_a)
    assert [
        r["unit"] for r in head.get("/api/v1/credit-ratings/").json()["results"]
    ] == [world.unit_a.pk]
    response = head.post(
        "/api/v1/appeals/",
        {"unit": world.unit_a.pk, "reason": "希望复核本单位的星级评定结果。"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    appeal_id = response.json()["id"]
    assert response.json()["events"][0]["action"] == "submitted"
    # another unit's head cannot see it nor appeal for unit A
    other = api(unit_head_b)
    a_rating = next(r for r in rows if r["unit"] == world.unit_a.pk)["id"]
    assert other.get(f"/api/v1/credit-ratings/{a_rating}/").status_code == 404
    assert (
        api(world.secretary_b).get(f"/api/v1/credit-ratings/{a_rating}/").status_code
        == 404
    )
    assert (
        api(world.secretary_a).get(f"/api/v1/credit-ratings/{a_rating}/").status_code
        == 200
    )
    assert other.get(f"/api/v1/appeals/{appeal_id}/").status_code == 404
    assert (
        other.post(
            "/api/v1/appeals/", {"unit": world.unit_a.pk, "reason": "越界申诉理由十字"}
        ).status_code
        == 404
    )
    # the admin decides it
    response = admin.post(
        f"/api/v1/appeals/{appeal_id}/decide/",
        {"accept": False, "reason": "依据充分，维持原评级"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "rejected"
    assert head.get(f"/api/v1/appeals/{appeal_id}/").json()["events"][-1]["action"] == (
        "rejected"
    )
    # the unit head may not decide; deciding twice is a 400
    assert (
        head.post(
            f"/api/v1/appeals/{appeal_id}/decide/",
            {"accept": False, "reason": "自己处理"},
        ).status_code
        == 403
    )
    assert (
        admin.post(
            f"/api/v1/appeals/{appeal_id}/decide/",
            {"accept": False, "reason": "再处理一次"},
        ).status_code
        == 400
    )
    history = admin.get(
        f"/api/v1/credit-ratings/?history=1&unit={world.unit_a.pk}"
    ).json()
    assert history["count"] == 1


def test_commitments_api(world):
    services.commitment_create(
        user=world.street_staff,
        street=world.street,
        year=2024,
        theme=CommitmentTheme.DEVELOPMENT,
        title="老旧小区改造 5 个",
    )
    rows = api(world.unit_head_a).get("/api/v1/commitments/?year=2024").json()
    assert rows["results"][0]["title"] == "老旧小区改造 5 个"
    assert rows["results"][0]["average_score"] is None
    response = api(world.street_staff).post(
        "/api/v1/commitments/",
        {"year": 2025, "theme": "governance", "title": "网格员队伍扩充"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert (
        api(world.unit_head_a)
        .post(
            "/api/v1/commitments/",
            {"year": 2025, "theme": "governance", "title": "x"},
            format="json",
        )
        .status_code
        == 403
    )
    assert api(world.outsider).get("/api/v1/commitments/").json()["count"] == 0


LIST_URLS = [
    "/api/v1/evaluations/",
    "/api/v1/evaluation-runs/",
    "/api/v1/credit-ratings/",
    "/api/v1/credit-ratings/?history=1",
    "/api/v1/appeals/",
    "/api/v1/commitments/",
]


def grow(world, units, months, first_commitment):
    """Publish ``months`` and give each out-of-system unit an appeal."""
    for month in months:
        publish_month(world, month)
    for unit in units:
        head = _user(f"head_{unit.pk}", Role.UNIT_HEAD, unit, street=world.street)
        services.appeal_submit(user=head, unit=unit, reason="请复核本单位的评级结果。")
    for i in range(first_commitment, first_commitment + len(units)):
        services.commitment_create(
            user=world.street_admin,
            street=world.street,
            year=2024,
            theme=CommitmentTheme.GOVERNANCE,
            title=f"承诺{i}",
        )


def test_api_lists_take_the_same_queries_for_2_and_10_rows(world, committees):
    admin = world.street_admin
    # given 2 rated units, 2 appeals, 2 commitments (and 3 months of results)
    grow(world, [world.unit_a, world.unit_b], [MAY, JUNE, JULY], 0)
    small = {url: count_queries(admin, url) for url in LIST_URLS}
    # when 8 more units are rated, appeal, and 8 more commitments are made
    extra = more_units(world, 8, prefix="Q")
    grow(world, extra, [AUGUST, SEPTEMBER, OCTOBER], 2)
    large = {url: count_queries(admin, url) for url in LIST_URLS}
    # then each list costs the same number of queries
    for url in LIST_URLS:
        assert small[url][0] == large[url][0], url
    assert large["/api/v1/credit-ratings/"][1]["count"] == 10
    assert large["/api/v1/appeals/"][1]["count"] == 10
    assert large["/api/v1/commitments/"][1]["count"] == 10


def test_an_unpublished_month_is_the_streets_draft(world, committees):
    # given May computed but not published
    run_month(world.street, MAY, world.street_admin)
    row = Evaluation.objects.get(month=MAY, unit=world.unit_a)
    # then street staff see it, the unit and its community do not yet
    assert api(world.street_staff).get("/api/v1/evaluations/").json()["count"] == 6
    for persona in (world.unit_head_a, world.secretary_a):
        client = api(persona)
        assert client.get("/api/v1/evaluations/").json()["count"] == 0
        assert client.get(f"/api/v1/evaluations/{row.pk}/").status_code == 404
    # when it is published they do
    services.month_publish(user=world.street_admin, street=world.street, month=MAY)
    assert (
        api(world.unit_head_a).get(f"/api/v1/evaluations/{row.pk}/").status_code == 200
    )
