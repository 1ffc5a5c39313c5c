"""The API: filters, fields, scope, and writes through the services."""

from rest_framework.test import APIClient

from meetings import services
from meetings.models import ActionItem
from meetings.rotation import add_months
from tests.meetings.conftest import in_days, next_month


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_meetings_carry_committee_month_chair_time_and_place(mworld, filed):
    data = api(mworld.secretary_a).get("/api/v1/meetings/%s/" % filed.meeting.pk).json()
    assert data["committee"] == mworld.party_a.pk
    assert data["month"] == next_month().strftime("%Y-%m")
    assert data["chair"]["seat"] == filed.meeting.chair_id
    assert data["chair"]["name"] == filed.meeting.chair.person.name
    assert data["held_at"] and data["place"]
    assert data["has_minutes"] is True and data["problem_count"] == 1


def test_meetings_filter_by_committee_and_month(mworld, meetings_next_month):
    services.meeting_schedule_month(month=add_months(next_month(), 1))
    client = api(mworld.street_staff)
    month = next_month().strftime("%Y-%m")
    rows = client.get("/api/v1/meetings/?month=%s" % month).json()["results"]
    assert len(rows) == 3 and {r["month"] for r in rows} == {month}
    rows = client.get("/api/v1/meetings/?committee=%s" % mworld.party_a.pk).json()[
        "results"
    ]
    assert len(rows) == 2 and {r["committee"] for r in rows} == {mworld.party_a.pk}
    bad = client.get("/api/v1/meetings/?month=2024-13")
    assert bad.status_code == 400 and "YYYY-MM" in str(bad.json())


def test_action_items_filter_by_unit_status_and_overdue(mworld, filed):
    other = services.action_item_create(
        user=mworld.secretary_a,
        problem=filed.problem,
        unit=mworld.unit_a2,
        title="查线路",
        due_on=in_days(3),
    )
    ActionItem.objects.filter(pk=other.pk).update(due_on=in_days(-1), status="overdue")
    client = api(mworld.street_staff)
    by_unit = client.get("/api/v1/action-items/?unit=%s" % mworld.unit_a.pk).json()
    assert [r["id"] for r in by_unit["results"]] == [filed.item.pk]
    assert by_unit["results"][0]["unit_name"] == "甲单位"
    late = client.get("/api/v1/action-items/?overdue=true").json()["results"]
    assert [(r["id"], r["overdue"]) for r in late] == [(other.pk, True)]
    on_time = client.get("/api/v1/action-items/?overdue=false").json()["results"]
    assert [r["id"] for r in on_time] == [filed.item.pk]
    opened = client.get("/api/v1/action-items/?status=open").json()["results"]
    assert [r["id"] for r in opened] == [filed.item.pk]


def test_a_unit_head_sees_only_his_items_and_reports_progress(mworld, filed):
    services.action_item_create(
        user=mworld.secretary_a,
        problem=filed.problem,
        unit=mworld.unit_a2,
        title="别的单位",
        due_on=in_days(3),
    )
    client = api(mworld.unit_head_a)
    mine = client.get("/api/v1/action-items/?unit=%s" % mworld.unit_a.pk).json()[
        "results"
    ]
    assert [r["id"] for r in mine] == [filed.item.pk]
    done = client.post(
        "/api/v1/action-items/%s/progress/" % filed.item.pk,
        {"status": "done", "evidence": "已更换"},
        format="json",
    )
    assert done.status_code == 200 and done.json()["status"] == "done"
    again = client.post(
        "/api/v1/action-items/%s/progress/" % filed.item.pk,
        {"status": "in_progress", "progress": 10},
        format="json",
    )
    assert again.status_code == 400 and "已完成" in str(again.json())


def test_problems_list_and_escalate_through_the_api(mworld, filed):
    client = api(mworld.secretary_a)
    rows = client.get("/api/v1/problems/?committee=%s" % mworld.party_a.pk).json()[
        "results"
    ]
    assert [r["id"] for r in rows] == [filed.problem.pk]
    response = client.post(
        "/api/v1/problems/%s/escalate/" % filed.problem.pk,
        {"reason": "需要街道"},
        format="json",
    )
    assert response.status_code == 201
    upper = response.json()["escalated_to"]
    escalated = client.get("/api/v1/problems/?escalated=true").json()["results"]
    assert [r["id"] for r in escalated] == [upper]
    assert (
        client.get("/api/v1/problems/%s/" % upper).json()["escalated_from"]
        == filed.problem.pk
    )
    refused = client.post(
        "/api/v1/problems/%s/escalate/" % filed.problem.pk,
        {"reason": "再报"},
        format="json",
    )
    assert refused.status_code == 400


def test_a_unit_head_cannot_escalate(mworld, filed):
    response = api(mworld.unit_head_a).post(
        "/api/v1/problems/%s/escalate/" % filed.problem.pk,
        {"reason": "x"},
        format="json",
    )
    assert response.status_code == 403


def test_the_schema_documents_the_meetings_endpoints(mworld, client):
    client.force_login(mworld.street_admin)
    schema = client.get("/api/schema/").content.decode()
    for path in ("/api/v1/meetings/", "/api/v1/action-items/", "/api/v1/problems/"):
        assert path in schema
