"""The pages: calendar and list, meeting page, forms, board, to-do list, channel."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meetings import services
from meetings.models import (
    ActionItem,
    Attendance,
    ChannelPost,
    Meeting,
    Problem,
)
from meetings.rotation import add_months
from portal.models import Reminder
from tests.conftest import login
from tests.meetings.conftest import after, in_days, next_month


def test_the_nav_target_lists_this_communitys_meetings(mworld, filed):
    response = login(mworld.secretary_a).get(
        "/meetings/?month=%s" % next_month().strftime("%Y-%m")
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="calendar"' in html
    assert "甲社区大党委" in html and "乙社区大党委" not in html
    assert "联席会议" in html  # the nav item


def test_the_list_filters_by_community_and_says_so_when_empty(mworld, filed):
    client = login(mworld.street_staff)
    html = client.get("/meetings/?community=%s" % mworld.b.pk).content.decode()
    assert "乙社区大党委" in html and "甲社区大党委</a>" not in html
    empty = client.get(
        "/meetings/?month=1999-01&community=%s" % mworld.b.pk
    ).content.decode()
    assert "这个月还没有排定会议" in empty and "没有符合条件的会议" in empty


def test_a_bad_month_in_the_url_is_not_an_error(mworld, filed):
    response = login(mworld.secretary_a).get("/meetings/?month=2024-99")
    assert response.status_code == 200


def test_the_meeting_page_shows_agenda_attendance_minutes_and_items(mworld, filed):
    with after(filed.meeting):
        services.meeting_record_attendance(
            user=mworld.secretary_a,
            meeting=filed.meeting,
            statuses={mworld.seat_a1.pk: "present", mworld.seat_a2.pk: "excused"},
            guests=[("resident", "居民张三"), ("guest", "城管局李四")],
        )
    html = (
        login(mworld.secretary_a)
        .get("/meetings/%s/" % filed.meeting.pk)
        .content.decode()
    )
    for text in (
        "路灯不亮",
        "更换路灯",
        "甲单位",
        "居民张三",
        "城管局李四",
        "请假",
        "纪要",
    ):
        assert text in html, text
    assert (
        'data-testid="file-minutes"' in html
        and 'data-testid="record-attendance"' in html
    )


def test_recording_attendance_from_the_form(mworld, filed):
    with after(filed.meeting):
        _record_attendance_from_the_form(mworld, filed)


def _record_attendance_from_the_form(mworld, filed):
    client = login(mworld.secretary_a)
    form = client.get("/meetings/%s/attendance/" % filed.meeting.pk).content.decode()
    assert "seat_%s" % mworld.seat_a1.pk in form
    data = {
        "seat_%s" % s.pk: "present"
        for s in (
            mworld.seat_sec_a,
            mworld.seat_a1,
            mworld.seat_a2,
            mworld.seat_a3,
            mworld.seat_a4,
        )
    }
    data["seat_%s" % mworld.seat_a3.pk] = "absent"
    data["residents"] = "王五\n赵六\n"
    response = client.post("/meetings/%s/attendance/" % filed.meeting.pk, data)
    assert response.status_code == 302
    rows = Attendance.objects.filter(meeting=filed.meeting)
    assert rows.filter(kind="member").count() == 5
    assert rows.get(seat=mworld.seat_a3).status == "absent"
    # the unit is recorded through the party org, for counting per unit
    assert rows.get(seat=mworld.seat_a1).unit == mworld.unit_a
    assert set(rows.filter(kind="resident").values_list("name", flat=True)) == {
        "王五",
        "赵六",
    }
    # a second save replaces, it does not duplicate
    client.post("/meetings/%s/attendance/" % filed.meeting.pk, data)
    assert rows.count() == 7


def test_adding_a_problem_with_its_first_item_from_the_phone_form(mworld, filed):
    client = login(mworld.secretary_a)
    response = client.post(
        "/meetings/%s/problems/new/" % filed.meeting.pk,
        {
            "title": "楼道堆物",
            "source": "resident",
            "reporter_name": "居民王五",
            "item_unit": mworld.unit_a.pk,
            "item_title": "组织清理",
            "item_due_on": in_days(7).isoformat(),
        },
    )
    assert response.status_code == 302
    problem = Problem.objects.get(title="楼道堆物")
    assert problem.meeting == filed.meeting and problem.status == "in_progress"
    assert problem.action_items.get().unit == mworld.unit_a
    # and the unit's head sees it in his to-do list
    todo = login(mworld.unit_head_a).get("/meetings/items/mine/").content.decode()
    assert "组织清理" in todo


def test_a_half_filled_item_in_the_problem_form_writes_nothing(mworld, filed):
    response = login(mworld.secretary_a).post(
        "/meetings/%s/problems/new/" % filed.meeting.pk,
        {"title": "楼道堆物", "source": "resident", "item_title": "组织清理"},
    )
    assert response.status_code == 200
    assert "请填写责任单位" in response.content.decode()
    assert not Problem.objects.filter(title="楼道堆物").exists()


def test_an_item_for_a_unit_of_another_community_is_refused_in_the_form(mworld, filed):
    response = login(mworld.secretary_a).post(
        "/meetings/problems/%s/items/" % filed.problem.pk,
        {
            "unit": mworld.unit_b.pk,
            "title": "x",
            "due_on": in_days(3).isoformat(),
            "weight": 1,
        },
    )
    assert response.status_code == 400
    assert (
        "选择一个有效的选项" in response.content.decode()
        or "本社区" in response.content.decode()
    )
    assert ActionItem.objects.count() == 1


def test_escalating_from_the_problem_page(mworld, filed):
    client = login(mworld.secretary_a)
    bad = client.post(
        "/meetings/problems/%s/escalate/" % filed.problem.pk, {"reason": ""}
    )
    assert bad.status_code == 400
    ok = client.post(
        "/meetings/problems/%s/escalate/" % filed.problem.pk, {"reason": "需要街道协调"}
    )
    assert ok.status_code == 302
    page = client.get("/meetings/problems/%s/" % filed.problem.pk).content.decode()
    assert "已上报大工委" in page and "测试街道大工委" in page


def test_the_unit_head_reports_progress_from_his_list(mworld, filed):
    client = login(mworld.unit_head_a)
    url = "/meetings/items/%s/" % filed.item.pk
    assert (
        client.post(url, {"status": "in_progress", "progress": "60"}).status_code == 302
    )
    filed.item.refresh_from_db()
    assert filed.item.progress == 60 and filed.item.status == "in_progress"
    bad = client.post(url, {"status": "done", "evidence": ""})
    assert bad.status_code == 400 and "完成佐证" in bad.content.decode()


def test_the_todo_list_explains_itself_to_someone_without_a_unit(mworld):
    html = login(mworld.secretary_a).get("/meetings/items/mine/").content.decode()
    assert "待办清单属于驻区单位党组织负责人" in html


def test_the_board_filters_by_status_overdue_and_unit(mworld, filed):
    ActionItem.objects.filter(pk=filed.item.pk).update(
        due_on=in_days(-2), status="overdue"
    )
    client = login(mworld.street_staff)
    html = client.get("/meetings/items/?overdue=1").content.decode()
    assert "更换路灯" in html
    assert "更换路灯" not in client.get("/meetings/items/?overdue=0").content.decode()
    assert "更换路灯" not in client.get("/meetings/items/?status=done").content.decode()
    unit_page = client.get(
        "/meetings/items/?unit=%s" % mworld.unit_a.pk
    ).content.decode()
    assert "更换路灯" in unit_page and "甲单位" in unit_page


def test_the_channel_takes_posts_and_replies_and_mirrors_to_the_group(mworld, filed):
    client = login(mworld.unit_head_a)  # a member unit of A's 大党委
    url = "/meetings/committees/%s/channel/" % mworld.party_a.pk
    response = client.post(
        url, {"title": "创文自查", "body": "请各单位周五前自查", "mirror": "on"}
    )
    assert response.status_code == 302
    post = ChannelPost.objects.get()
    # the mirror is a reminder row on the webhook channel to the committee's robot
    mirror = Reminder.objects.get(key="meetings:post:%s:webhook" % post.pk)
    assert mirror.channel == "webhook" and mirror.target == mworld.party_a.webhook_url
    assert "创文自查" in mirror.subject
    # a reply from the secretary notifies the author
    login(mworld.secretary_a).post(url, {"parent": post.pk, "body": "收到"})
    assert post.replies.get().body == "收到"
    from portal.models import Notification

    assert Notification.objects.filter(
        recipient=mworld.unit_head_a, kind="meetings.channel"
    ).exists()
    html = client.get(url).content.decode()
    assert "请各单位周五前自查" in html and "收到" in html and "已同步到群" in html


def test_a_post_body_is_shown_as_text_not_html(mworld, filed):
    login(mworld.secretary_a).post(
        "/meetings/committees/%s/channel/" % mworld.party_a.pk,
        {"title": "t", "body": "<script>alert(1)</script>"},
    )
    html = (
        login(mworld.secretary_a)
        .get("/meetings/committees/%s/channel/" % mworld.party_a.pk)
        .content.decode()
    )
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


def test_mirroring_needs_a_webhook_address(mworld, meetings_next_month):
    response = login(mworld.secretary_b).post(
        "/meetings/committees/%s/channel/" % mworld.party_b.pk,
        {"title": "t", "body": "b", "mirror": "on"},
    )
    assert response.status_code == 400
    assert "没有设置群机器人地址" in response.content.decode()
    assert not ChannelPost.objects.exists()


def test_the_rotation_page_shows_the_year_and_records_a_swap(
    mworld, meetings_next_month
):
    month = next_month()
    url = "/meetings/committees/%s/rotation/?year=%s" % (mworld.party_a.pk, month.year)
    client = login(mworld.secretary_a)
    html = client.get(url).content.decode()
    assert 'data-testid="rotation"' in html and "甲二书记" in html
    response = client.post(
        url,
        {
            "month_a": month.strftime("%Y-%m"),
            "month_b": add_months(month, 1).strftime("%Y-%m"),
            "reason": "外出学习",
        },
    )
    assert response.status_code == 302
    assert "外出学习" in client.get(url).content.decode()
    assert (
        client.post(url, {"month_a": "bad", "month_b": "", "reason": ""}).status_code
        == 400
    )


def test_scheduling_a_month_from_the_list_page(mworld):
    client = login(mworld.street_staff)
    month = add_months(next_month(), 2).strftime("%Y-%m")
    response = client.post("/meetings/schedule/", {"month": month})
    assert response.status_code == 302
    assert (
        Meeting.objects.filter(
            month__year=int(month[:4]), month__month=int(month[5:])
        ).count()
        == 3
    )
    # a unit head may not
    assert (
        login(mworld.unit_head_a)
        .post("/meetings/schedule/", {"month": month})
        .status_code
        == 403
    )


def test_a_secretary_schedules_only_her_committee(mworld):
    client = login(mworld.secretary_a)
    client.post("/meetings/schedule/", {"month": next_month().strftime("%Y-%m")})
    assert list(Meeting.objects.values_list("committee_id", flat=True)) == [
        mworld.party_a.pk
    ]


# -- query counts: lists cost the same with 2 rows and with 10 -----------------------


def _more_meetings(mworld, months):
    start = next_month()
    for i in range(1, months):
        services.meeting_schedule_month(month=add_months(start, i))


def _more_items(mworld, problem, n):
    for i in range(n):
        services.action_item_create(
            user=mworld.secretary_a,
            problem=problem,
            unit=mworld.unit_a,
            title="举措%s" % i,
            due_on=in_days(5 + i),
        )


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    ["/meetings/", "/meetings/?view=list", "/api/v1/meetings/"],
)
def test_meeting_lists_cost_the_same_with_2_and_10_rows(
    mworld, meetings_next_month, url
):
    client = login(mworld.street_staff)
    _more_meetings(mworld, 1)
    few = _count(client, url)
    _more_meetings(mworld, 4)
    assert Meeting.objects.count() >= 10
    assert _count(client, url) == few


@pytest.mark.parametrize(
    "url",
    [
        "/meetings/items/",
        "/meetings/items/mine/",
        "/api/v1/action-items/",
        "/api/v1/problems/",
    ],
)
def test_item_lists_cost_the_same_with_2_and_10_rows(mworld, filed, url):
    user = mworld.unit_head_a if "mine" in url else mworld.street_staff
    client = login(user)
    _more_items(mworld, filed.problem, 1)
    few = _count(client, url)
    _more_items(mworld, filed.problem, 8)
    for i in range(8):
        services.problem_create(
            user=mworld.secretary_a, committee=mworld.party_a, title="问题%s" % i
        )
    assert _count(client, url) == few


def test_the_meeting_page_costs_the_same_with_2_and_10_problems(mworld, filed):
    client = login(mworld.secretary_a)
    url = "/meetings/%s/" % filed.meeting.pk
    services.problem_create(
        user=mworld.secretary_a,
        committee=mworld.party_a,
        title="p",
        meeting=filed.meeting,
    )
    few = _count(client, url)
    for i in range(8):
        p = services.problem_create(
            user=mworld.secretary_a,
            committee=mworld.party_a,
            title="p%s" % i,
            meeting=filed.meeting,
        )
        if i % 2:
            services.problem_escalate(user=mworld.secretary_a, problem=p, reason="r")
    assert _count(client, url) == few


def test_the_channel_costs_the_same_with_2_and_10_posts(mworld, filed):
    client = login(mworld.secretary_a)
    url = "/meetings/committees/%s/channel/" % mworld.party_a.pk

    def post(n):
        for i in range(n):
            p = services.channel_post_create(
                user=mworld.secretary_a,
                committee=mworld.party_a,
                title="t%s" % i,
                body="b",
            )
            services.channel_post_create(
                user=mworld.unit_head_a, committee=mworld.party_a, body="r", parent=p
            )

    post(2)
    few = _count(client, url)
    post(8)
    assert _count(client, url) == few
