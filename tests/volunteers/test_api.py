"""The API: /api/v1/volunteers/, teams, activities, checkins, points, wishes,
service-posts, redemptions — scoped, writes through services, query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.volunteers import factories
from tests.volunteers.conftest import give_points, png_upload
from volunteers import services
from volunteers.models import CheckIn

ENDPOINTS = [
    ("/api/v1/volunteers/", factories.volunteers),
    ("/api/v1/teams/", factories.teams),
    ("/api/v1/activities/", factories.activities),
    ("/api/v1/checkins/", factories.checkins),
    ("/api/v1/points/", factories.entries),
    ("/api/v1/wishes/", factories.wishes),
    ("/api/v1/service-posts/", factories.posts),
    ("/api/v1/redemptions/", factories.redemptions),
]


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("url, add", ENDPOINTS)
def test_lists_use_the_same_queries_for_2_and_10_rows(vw, url, add):
    client = api(vw.secretary_a)
    add(vw, 2)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        first = client.get(url).json()["count"]
    add(vw, 8)
    with CaptureQueriesContext(connection) as many:
        second = client.get(url).json()["count"]
    assert second >= first + 8
    assert len(few) == len(many), (url, len(few), len(many))


@pytest.mark.parametrize("url, add", ENDPOINTS)
def test_lists_show_nothing_of_another_community(vw, url, add):
    add(vw, 2)
    mine = api(vw.secretary_a).get(url).json()["results"]
    assert len(mine) >= 2 and {r["community"] for r in mine} == {vw.a.pk}
    theirs = api(vw.secretary_b).get(url).json()["results"]
    assert vw.a.pk not in {r["community"] for r in theirs}
    assert api(vw.outsider).get(url).json()["count"] == 0


@pytest.mark.parametrize("url", [u for u, _ in ENDPOINTS])
def test_lists_need_authentication(db, url):
    assert APIClient().get(url).status_code in (401, 403)


def test_other_scope_objects_answer_404(vw):
    entry = give_points(vw, vw.vol_a, 10)
    client = api(vw.secretary_b)
    for url in [
        f"/api/v1/volunteers/{vw.vol_a.pk}/",
        f"/api/v1/activities/{vw.activity.pk}/",
        f"/api/v1/points/{entry.pk}/",
    ]:
        assert client.get(url).status_code == 404, url
    response = client.post(f"/api/v1/points/{entry.pk}/reverse/", {"reason": "x"})
    assert response.status_code == 404
    assert services.points_ledger_sum(vw.vol_a) == 10


def test_publish_sign_up_check_in_confirm_through_the_api(vw):
    staff = api(vw.secretary_a)
    response = staff.post(
        "/api/v1/activities/",
        {
            "title": "义诊",
            "activity_type": "medical",
            "place": "卫生站",
            "starts_at": vw.activity.starts_at.isoformat(),
            "ends_at": vw.activity.ends_at.isoformat(),
            "capacity": 5,
            "community": vw.a.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    activity_id = response.json()["id"]
    me = api(vw.volunteer_a)
    assert me.post(f"/api/v1/activities/{activity_id}/signup/").status_code == 201
    again = me.post(f"/api/v1/activities/{activity_id}/signup/")
    assert again.status_code == 400 and "已报名" in str(again.json())
    from volunteers.models import Activity

    token = services.activity_checkin_token(Activity.objects.get(pk=activity_id))
    checkin = me.post("/api/v1/activities/checkin/", {"token": token}, format="json")
    assert checkin.status_code == 201
    checkin_id = checkin.json()["id"]
    assert (
        me.post(
            f"/api/v1/checkins/{checkin_id}/confirm/", {"attendance": "present"}
        ).status_code
        == 403
    )
    confirmed = staff.post(
        f"/api/v1/checkins/{checkin_id}/confirm/",
        {"attendance": "present"},
        format="json",
    )
    assert confirmed.status_code == 200 and confirmed.json()["attendance"] == "present"
    balance = me.get("/api/v1/points/balance/").json()
    assert balance["balance"] == CheckIn.objects.get(pk=checkin_id).points_awarded


def test_publishing_in_another_community_is_403_and_writes_nothing(vw):
    from volunteers.models import Activity

    before = Activity.objects.count()
    response = api(vw.secretary_b).post(
        "/api/v1/activities/",
        {
            "title": "x",
            "activity_type": "medical",
            "place": "y",
            "starts_at": vw.activity.starts_at.isoformat(),
            "ends_at": vw.activity.ends_at.isoformat(),
            "capacity": 5,
            "community": vw.a.pk,
        },
        format="json",
    )
    assert response.status_code == 403
    assert Activity.objects.count() == before


def test_bad_input_is_a_400_never_a_500(vw):
    client = api(vw.secretary_a)
    assert (
        client.post("/api/v1/activities/", {"title": ""}, format="json").status_code
        == 400
    )
    assert (
        client.post("/api/v1/activities/checkin/", {}, format="json").status_code == 400
    )
    response = api(vw.volunteer_a).post(
        "/api/v1/activities/checkin/", {"token": "nope"}, format="json"
    )
    assert response.status_code == 400 and "二维码无效" in str(response.json())
    assert client.get("/api/v1/points/balance/?volunteer=abc").status_code == 400


def test_balance_endpoint_is_scoped(vw):
    give_points(vw, vw.vol_a, 12)
    assert (
        api(vw.secretary_a)
        .get(f"/api/v1/points/balance/?volunteer={vw.vol_a.pk}")
        .json()["balance"]
        == 12
    )
    assert (
        api(vw.secretary_b)
        .get(f"/api/v1/points/balance/?volunteer={vw.vol_a.pk}")
        .status_code
        == 404
    )
    # the unit's party org follows its in-service member's points
    assert (
        api(vw.unit_head_a)
        .get(f"/api/v1/points/balance/?volunteer={vw.vol_a.pk}")
        .status_code
        == 200
    )


def test_redeem_and_cancel_through_the_api(vw):
    give_points(vw, vw.vol_a, 30)
    me = api(vw.volunteer_a)
    response = me.post(
        "/api/v1/redemptions/", {"item": vw.items.cheap.pk}, format="json"
    )
    assert response.status_code == 201
    redemption_id = response.json()["id"]
    too_much = me.post(
        "/api/v1/redemptions/", {"item": vw.items.dear.pk}, format="json"
    )
    assert too_much.status_code == 400 and "余额不足" in str(too_much.json())
    assert (
        me.post(
            f"/api/v1/redemptions/{redemption_id}/cancel/", {"reason": "x"}
        ).status_code
        == 403
    )
    cancelled = api(vw.secretary_a).post(
        f"/api/v1/redemptions/{redemption_id}/cancel/",
        {"reason": "换货"},
        format="json",
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert services.points_balance(vw.vol_a) == 30


def test_wish_claim_fulfil_confirm_through_the_api(vw):
    staff = api(vw.secretary_a)
    created = staff.post(
        "/api/v1/wishes/",
        {
            "community": vw.a.pk,
            "title": "老花镜",
            "category": "health",
            "resident_name": "赵大爷",
            "resident_phone": "13988887777",
        },
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["resident_name"] == "赵**"
    wish_id = created.json()["id"]
    me = api(vw.volunteer_a)
    claimed = me.post(f"/api/v1/wishes/{wish_id}/claim/", {}, format="json")
    assert claimed.status_code == 200 and claimed.json()["resident_name"] == "赵大爷"
    taken = api(vw.unit_head_a).post(
        f"/api/v1/wishes/{wish_id}/claim/", {"as_unit": vw.unit_a.pk}, format="json"
    )
    assert taken.status_code == 400 and "已被认领" in str(taken.json())
    fulfilled = me.post(
        f"/api/v1/wishes/{wish_id}/fulfil/", {"photo": png_upload()}, format="multipart"
    )
    assert fulfilled.status_code == 200 and fulfilled.json()["status"] == "fulfilled"
    confirmed = staff.post(f"/api/v1/wishes/{wish_id}/confirm/")
    assert confirmed.json()["status"] == "confirmed"


def test_service_post_create_is_for_the_community(vw):
    response = api(vw.unit_head_a).post(
        "/api/v1/service-posts/", {"community": vw.a.pk, "title": "x"}, format="json"
    )
    assert response.status_code == 403
    response = api(vw.secretary_a).post(
        "/api/v1/service-posts/",
        {"community": vw.a.pk, "title": "文明岗"},
        format="json",
    )
    assert response.status_code == 201


def test_volunteer_sees_only_himself(vw):
    factories.volunteers(vw, 2)
    rows = api(vw.volunteer_a).get("/api/v1/volunteers/").json()["results"]
    assert [r["id"] for r in rows] == [vw.vol_a.pk]
    assert rows[0]["phone"] == "138****8000"
    assert api(vw.volunteer_a).get("/api/v1/volunteers/me/").json()["id"] == vw.vol_a.pk


def test_register_through_the_api(world):
    response = api(world.outsider).post(
        "/api/v1/volunteers/register/",
        {"community": world.a.pk, "name": "新人", "phone": "13511112222"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["community"] == world.a.pk


def test_openapi_schema_lists_the_volunteer_endpoints(vw):
    schema = api(vw.street_admin).get("/api/schema/").content.decode()
    for path in [u for u, _ in ENDPOINTS]:
        assert path in schema
