"""Scope: another community's meeting is a 404 on every page, API and filing."""

import pytest
from rest_framework.test import APIClient

from meetings.models import MinutesRevision
from tests.conftest import login


def pages(f):
    m, p, i, a = f.meeting.pk, f.problem.pk, f.item.pk, f.attachment.pk
    c = f.meeting.committee_id
    return [
        "/meetings/%s/" % m,
        "/meetings/%s/edit/" % m,
        "/meetings/%s/attendance/" % m,
        "/meetings/%s/minutes/" % m,
        "/meetings/%s/inspections/" % m,
        "/meetings/%s/problems/new/" % m,
        "/meetings/problems/%s/" % p,
        "/meetings/items/%s/" % i,
        "/meetings/attachments/%s/" % a,
        "/meetings/committees/%s/channel/" % c,
        "/meetings/committees/%s/rotation/" % c,
    ]


def test_secretary_of_b_gets_404_on_every_page_of_a_meeting_of_a(mworld, filed):
    client = login(mworld.secretary_b)
    for url in pages(filed):
        assert client.get(url).status_code == 404, url


def test_secretary_of_b_cannot_file_minutes_for_a(mworld, filed):
    client = login(mworld.secretary_b)
    response = client.post("/meetings/%s/minutes/" % filed.meeting.pk, {"text": "篡改"})
    assert response.status_code == 404
    for url, data in [
        ("/meetings/%s/attendance/" % filed.meeting.pk, {}),
        ("/meetings/%s/cancel/" % filed.meeting.pk, {"reason": "x"}),
        (
            "/meetings/%s/problems/new/" % filed.meeting.pk,
            {"title": "x", "source": "resident"},
        ),
        ("/meetings/problems/%s/escalate/" % filed.problem.pk, {"reason": "x"}),
        ("/meetings/problems/%s/answer/" % filed.problem.pk, {"answer": "x"}),
        ("/meetings/problems/%s/items/" % filed.problem.pk, {}),
        ("/meetings/items/%s/" % filed.item.pk, {"status": "done", "evidence": "x"}),
    ]:
        assert client.post(url, data).status_code == 404, url
    assert MinutesRevision.objects.filter(meeting=filed.meeting).count() == 1


def test_secretary_of_b_gets_404_from_the_api_and_sees_no_rows_of_a(mworld, filed):
    api = APIClient()
    api.force_authenticate(mworld.secretary_b)
    assert api.get("/api/v1/meetings/%s/" % filed.meeting.pk).status_code == 404
    assert api.get("/api/v1/problems/%s/" % filed.problem.pk).status_code == 404
    assert api.get("/api/v1/action-items/%s/" % filed.item.pk).status_code == 404
    assert (
        api.post(
            "/api/v1/action-items/%s/progress/" % filed.item.pk,
            {"status": "done", "evidence": "x"},
            format="json",
        ).status_code
        == 404
    )
    ids = [m["id"] for m in api.get("/api/v1/meetings/").json()["results"]]
    assert filed.meeting.pk not in ids
    assert api.get("/api/v1/problems/").json()["count"] == 0
    assert api.get("/api/v1/action-items/").json()["count"] == 0


def test_secretary_of_a_and_street_staff_see_the_meeting(mworld, filed):
    for user in (mworld.secretary_a, mworld.street_staff, mworld.street_admin):
        client = login(user)
        for url in pages(filed):
            assert client.get(url).status_code == 200, (user, url)


def test_a_seated_unit_head_sees_the_meeting_but_cannot_manage_it(mworld, filed):
    client = login(mworld.unit_head_a)
    assert client.get("/meetings/%s/" % filed.meeting.pk).status_code == 200
    assert client.get("/meetings/items/%s/" % filed.item.pk).status_code == 200
    assert client.get("/meetings/%s/edit/" % filed.meeting.pk).status_code == 403
    assert client.get("/meetings/%s/attendance/" % filed.meeting.pk).status_code == 403
    assert (
        client.post(
            "/meetings/problems/%s/answer/" % filed.problem.pk, {"answer": "x"}
        ).status_code
        == 403
    )


@pytest.mark.parametrize("persona", ["volunteer_a", "grid_worker_a", "outsider"])
def test_roles_without_meetings_get_403(mworld, filed, persona):
    user = getattr(mworld, persona)
    client = login(user)
    assert client.get("/meetings/").status_code == 403
    assert client.get("/meetings/%s/" % filed.meeting.pk).status_code == 403
    api = APIClient()
    api.force_authenticate(user)
    assert api.get("/api/v1/meetings/").status_code == 403
    assert api.get("/api/v1/action-items/").status_code == 403


def test_anonymous_users_are_sent_to_login(filed, client):
    response = client.get("/meetings/%s/" % filed.meeting.pk)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_big_working_meeting_is_for_the_street_and_its_members(
    mworld, meetings_next_month
):
    url = "/meetings/%s/" % meetings_next_month.working.pk
    assert login(mworld.street_staff).get(url).status_code == 200
    # community secretaries sit on the 大工委 (S3): they see it, cannot manage it
    assert login(mworld.secretary_b).get(url).status_code == 200
    assert login(mworld.secretary_b).get(url + "edit/").status_code == 403
    # a unit head without a seat there does not see it
    assert login(mworld.unit_head_a).get(url).status_code == 404
