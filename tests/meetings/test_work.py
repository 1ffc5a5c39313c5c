"""The joint meetings' work in each user's work centre (issue 19, item 1).

On the suite's date, Thursday 2026-06-18 10:00 (tests/clock.py): the 大党委
meet on the third Wednesday, so June's meetings took place yesterday.
"""

from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meetings import services
from meetings import work as meetings_work
from meetings.models import Meeting
from orgs.models import Seat
from tests import clock
from tests.conftest import login
from tests.meetings.conftest import TZ, in_days
from tests.work import find, listed


@pytest.fixture(autouse=True)
def _on_the_suites_date():
    # Written for the suite's date, Thursday 2026-06-18 10:00 (tests/clock.py):
    # `make test-dates` moves the suite, these stay at their stated time.
    with clock.travel(clock.local(2026, 6, 18, 10, 0)):
        yield


JUNE = date(2026, 6, 1)


@pytest.fixture
def june(mworld):
    """June's meetings of every committee (they took place on the 17th)."""
    created = services.meeting_schedule_month(month=JUNE)
    return {m.committee_id: m for m in created}


def test_secretary_schedules_this_months_meeting_from_the_work_centre(mworld):
    # given no meeting this month
    client = login(mworld.secretary_a)
    # then "召开本月联席会议" is listed with the month's meetings page
    url, title = find(client, "meetings.schedule")
    assert "甲社区大党委" in title
    assert url == "/meetings/?month=2026-06"
    assert client.get(url).status_code == 200
    # and B's committee is not his work
    assert not find(client, "meetings.schedule", "乙社区")
    # when he schedules the month through the page's form
    response = client.post("/meetings/schedule/", {"month": "2026-06"})
    assert response.status_code == 302
    # then the item is gone
    assert Meeting.objects.filter(committee=mworld.party_a, month=JUNE).exists()
    assert not find(client, "meetings.schedule")


def test_secretary_records_attendance_once_the_meeting_has_taken_place(mworld, june):
    meeting = june[mworld.party_a.pk]
    assert meeting.held_at.date() <= date(2026, 6, 18)
    client = login(mworld.secretary_a)
    url, _title = find(client, "meetings.attendance")
    assert url == "/meetings/%s/attendance/" % meeting.pk
    assert client.get(url).status_code == 200
    # when he records who came
    seats = Seat.objects.filter(committee=mworld.party_a, vacated_on__isnull=True)
    response = client.post(url, {"seat_%s" % s.pk: "present" for s in seats})
    assert response.status_code == 302
    # then only the minutes are left
    kinds = [kind for kind, _url, _t in listed(client)]
    assert "meetings.attendance" not in kinds
    assert "meetings.minutes" in kinds


def test_secretary_files_the_minutes_from_the_work_centre(mworld, june):
    meeting = june[mworld.party_a.pk]
    client = login(mworld.secretary_a)
    url, _title = find(client, "meetings.minutes")
    assert url == "/meetings/%s/minutes/" % meeting.pk
    assert client.get(url).status_code == 200
    response = client.post(url, {"text": "<p>本月会议纪要</p>"})
    assert response.status_code == 302
    assert not find(client, "meetings.minutes")


def test_a_meeting_still_to_come_asks_for_nothing(mworld):
    # given July's meetings (not yet held)
    services.meeting_schedule_month(month=date(2026, 7, 1))
    client = login(mworld.secretary_a)
    kinds = [kind for kind, _url, _t in listed(client)]
    assert "meetings.attendance" not in kinds
    assert "meetings.minutes" not in kinds


def test_secretary_gives_a_problem_its_action_item(mworld, june):
    problem = services.problem_create(
        user=mworld.secretary_a, committee=mworld.party_a, title="路灯不亮"
    )
    client = login(mworld.secretary_a)
    url, _title = find(client, "meetings.problem_item", "路灯不亮")
    assert url == "/meetings/problems/%s/" % problem.pk
    assert client.get(url).status_code == 200
    # when he adds an action item through the problem's form
    response = client.post(
        "/meetings/problems/%s/items/" % problem.pk,
        {
            "unit": mworld.unit_a.pk,
            "title": "更换路灯",
            "due_on": "2026-08-31",
            "weight": 1,
        },
    )
    assert response.status_code == 302
    assert not find(client, "meetings.problem_item", "路灯不亮")
    # and the other community's secretary never saw it
    assert not find(login(mworld.secretary_b), "meetings.problem_item")


def _item(mworld, title, due_on):
    problem = services.problem_create(
        user=mworld.secretary_a, committee=mworld.party_a, title="问题" + title
    )
    return services.action_item_create(
        user=mworld.secretary_a,
        problem=problem,
        unit=mworld.unit_a,
        title=title,
        due_on=due_on,
    )


def test_items_due_within_a_week_or_overdue_are_listed_overdue_first(mworld, june):
    soon = _item(mworld, "三天后到期", in_days(3))
    with clock.travel(datetime(2026, 6, 5, 10, 0, tzinfo=TZ)):
        late = _item(mworld, "已经逾期", date(2026, 6, 10))
    _item(mworld, "下月到期", in_days(30))
    for user in (mworld.secretary_a, mworld.unit_head_a):
        items = [
            (url, title)
            for kind, url, title in listed(login(user))
            if kind == "meetings.action_item"
        ]
        assert items == [
            ("/meetings/items/%s/" % late.pk, "推进举措：已经逾期"),
            ("/meetings/items/%s/" % soon.pk, "推进举措：三天后到期"),
        ]
    assert not find(login(mworld.secretary_b), "meetings.action_item")


def test_unit_head_finishes_an_item_and_it_leaves_the_list(mworld, june):
    _item(mworld, "更换灯具", in_days(5))
    client = login(mworld.unit_head_a)
    url, _title = find(client, "meetings.action_item", "更换灯具")
    assert client.get(url).status_code == 200
    response = client.post(url, {"status": "done", "evidence": "已更换 6 盏灯"})
    assert response.status_code == 302
    assert not find(client, "meetings.action_item", "更换灯具")
    assert not find(login(mworld.secretary_a), "meetings.action_item", "更换灯具")


def test_street_staff_answer_a_problem_escalated_to_the_big_working(mworld, june):
    problem = services.problem_create(
        user=mworld.secretary_a, committee=mworld.party_a, title="停车难"
    )
    services.problem_escalate(user=mworld.secretary_a, problem=problem, reason="跨社区")
    client = login(mworld.street_staff)
    url, _title = find(client, "meetings.escalated", "停车难")
    assert client.get(url).status_code == 200
    escalated = url.rstrip("/").rsplit("/", 1)[1]
    response = client.post(
        "/meetings/problems/%s/answer/" % escalated, {"answer": "已协调共享车位"}
    )
    assert response.status_code == 302
    assert not find(client, "meetings.escalated", "停车难")
    # a secretary has nothing to answer there
    assert not find(login(mworld.secretary_a), "meetings.escalated")


def test_the_items_need_no_more_queries_for_more_of_them(mworld, june):
    user = mworld.secretary_a

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            items = meetings_work.work_items(user)
        return len(ctx.captured_queries), len(items)

    _item(mworld, "举措", in_days(1))
    few, count = queries()
    for n in range(4):
        _item(mworld, "举措%s" % n, in_days(n))
        services.problem_create(
            user=mworld.secretary_a, committee=mworld.party_a, title="问题%s" % n
        )
    more, more_count = queries()
    assert more_count > count
    assert more == few
