"""Pages: who may open what (200 / 403 / 404), phone pages, flows, query counts."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import clock
from tests.conftest import login
from tests.volunteers import factories
from tests.volunteers.conftest import give_points, make_activity
from volunteers import services
from volunteers.models import Activity, Attendance, CheckIn, Volunteer


@pytest.fixture
def pw(vw):
    """``vw`` plus one of each object, for the page table."""
    w = vw
    w.wish = services.wish_create(user=w.secretary_a, community=w.a, title="书包")
    w.post = services.post_create(user=w.secretary_a, community=w.a, title="劝导岗")
    w.team = services.team_create(
        user=w.secretary_a, name="甲队", street=w.street, community=w.a
    )
    w.activity_b = make_activity(w.secretary_b, community=w.b)
    w.wish_b = services.wish_create(user=w.secretary_b, community=w.b, title="乙心愿")
    return w


STAFF_PAGES = [
    "/volunteers/manage/activities/",
    "/volunteers/manage/activities/new/",
    "/volunteers/manage/volunteers/",
    "/volunteers/manage/ledger/",
    "/volunteers/manage/ledger/?by=team",
    "/volunteers/manage/ledger/?by=person",
    "/volunteers/manage/teams/",
    "/volunteers/manage/board/wishes/",
    "/volunteers/manage/board/posts/",
    "/volunteers/manage/events/",
    "/volunteers/manage/rules/",
    "/volunteers/manage/in-service/",
]


@pytest.mark.parametrize("url", STAFF_PAGES)
@pytest.mark.parametrize(
    "persona, expected",
    [
        ("street_admin", 200),
        ("secretary_a", 200),
        ("unit_head_a", 200),
        ("grid_worker_a", 403),
        ("volunteer_a", 403),
        ("outsider", 403),
    ],
)
def test_staff_pages_answer_by_role(pw, url, persona, expected):
    response = login(getattr(pw, persona)).get(url)
    assert response.status_code == expected, (url, persona)


@pytest.mark.parametrize(
    "url",
    [
        "/volunteers/manage/activities/",
        "/volunteers/activities/",
        "/volunteers/",
        "/volunteers/c/abc/",
        "/volunteers/wall/",
    ],
)
def test_anonymous_users_are_sent_to_login(db, url):
    response = Client().get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_other_scope_objects_answer_404(pw):
    w = pw
    client = login(w.secretary_a)
    for url in [
        f"/volunteers/manage/activities/{w.activity_b.pk}/",
        f"/volunteers/activities/{w.activity_b.pk}/qr.png",
        f"/volunteers/manage/volunteers/{w.vol_b.pk}/",
        f"/volunteers/wishes/{w.wish_b.pk}/",
    ]:
        assert client.get(url).status_code == 404, url
    b_client = login(w.secretary_b)
    for url in [
        f"/volunteers/manage/activities/{w.activity.pk}/",
        f"/volunteers/manage/teams/{w.team.pk}/",
        f"/volunteers/posts/{w.post.pk}/",
        f"/volunteers/manage/volunteers/{w.vol_a.pk}/",
    ]:
        assert b_client.get(url).status_code == 404, url


def test_forbidden_actions_answer_403(pw):
    w = pw
    # a volunteer sees the activity page but may not fetch its QR code
    assert (
        login(w.volunteer_a).get(f"/volunteers/activities/{w.activity.pk}/").status_code
        == 200
    )
    assert (
        login(w.volunteer_a)
        .get(f"/volunteers/activities/{w.activity.pk}/qr.png")
        .status_code
        == 403
    )
    # a unit head may not manage the community's activity nor open the wish form
    assert (
        login(w.unit_head_a).get("/volunteers/manage/board/wishes/new/").status_code
        == 403
    )
    assert (
        login(w.unit_head_a).get("/volunteers/manage/volunteers/new/").status_code
        == 403
    )
    assert (
        login(w.secretary_a).get("/volunteers/manage/in-service/confirm/").status_code
        == 403
    )
    assert (
        login(w.grid_worker_a).get("/volunteers/manage/activities/new/").status_code
        == 403
    )


def test_home_is_the_volunteer_landing_page_and_the_staff_hub(pw):
    html = login(pw.volunteer_a).get("/volunteers/").content.decode()
    assert 'data-testid="volunteer-home"' in html and "我的积分" in html
    staff = login(pw.secretary_a).get("/volunteers/").content.decode()
    assert 'data-key="volunteers"' in staff and "活动管理" in staff
    outsider = login(pw.outsider).get("/volunteers/").content.decode()
    assert "注册志愿者" in outsider
    assert login(pw.volunteer_a).get("/")["Location"] == "/volunteers/"


ACTIVITY_LINK = re.compile(r'href="(/volunteers/activities/\d+/)"')


def test_staff_hub_shows_management_links_only_to_roles_that_may_follow_them(pw):
    # given street staff (no in-service confirmation) and a unit head
    # (no love-station management)
    staff = login(pw.street_staff).get("/volunteers/").content.decode()
    head = login(pw.unit_head_a).get("/volunteers/").content.decode()
    # then neither sees the link his role would be refused
    assert "/volunteers/manage/in-service/confirm/" not in staff
    assert "/volunteers/manage/station/" in staff
    assert "/volunteers/manage/station/" not in head
    assert "/volunteers/manage/in-service/confirm/" in head
    assert login(pw.unit_head_a).get("/volunteers/manage/station/").status_code == 403


def test_a_volunteer_who_left_is_shown_no_activity_he_cannot_open(pw):
    # given volunteer A has left (his volunteer role ended, his row stays)
    services.volunteer_leave(user=pw.secretary_a, volunteer=pw.vol_a)
    client = login(pw.volunteer_a)
    # when he opens his volunteer home and the activities near him
    links = set()
    for url in ("/volunteers/", "/volunteers/activities/"):
        response = client.get(url)
        assert response.status_code == 200
        links |= set(ACTIVITY_LINK.findall(response.content.decode()))
    # then every activity he is shown opens
    assert all(client.get(link).status_code == 200 for link in links)
    # while a volunteer still serving is shown the activity
    assert f"/volunteers/activities/{pw.activity.pk}/" in set(
        ACTIVITY_LINK.findall(
            login(pw.volunteer_b).get("/volunteers/").content.decode()
        )
    )


def test_registration_from_a_phone_page(world):
    client = login(world.outsider)
    page = client.get("/volunteers/register/").content.decode()
    assert 'name="viewport"' in page and "volunteers.css" in page
    assert '<label for="id_phone">' in page
    response = client.post(
        "/volunteers/register/",
        {
            "name": "新志愿者",
            "phone": "13612345678",
            "community": world.b.pk,
            "kind": "resident",
        },
    )
    assert response.status_code == 302
    volunteer = Volunteer.objects.get(person__user=world.outsider)
    assert volunteer.community == world.b
    assert world.outsider.role_assignments.filter(role="volunteer").exists()
    bad = client.post("/volunteers/register/", {"name": "", "phone": "1"})
    assert bad.status_code == 302  # already registered: back home


def test_registration_shows_clear_errors(world):
    response = login(world.outsider).post(
        "/volunteers/register/",
        {
            "name": "甲",
            "phone": "13612345678",
            "community": world.a.pk,
            "kind": "in_service",
        },
    )
    assert response.status_code == 200
    assert "工作单位" in response.content.decode()
    assert not Volunteer.objects.filter(person__user=world.outsider).exists()


def test_one_step_publish_gives_qr_code_and_share_link(pw):
    client = login(pw.secretary_a)
    response = client.post(
        "/volunteers/manage/activities/new/",
        {
            "publisher": pw.a.pk,
            "title": "敬老院陪伴",
            "category": "activity",
            "activity_type": "elderly",
            "service_mode": "voluntary",
            "place": "敬老院",
            "starts_at": "2030-05-01T09:00",
            "ends_at": "2030-05-01T11:00",
            "capacity": 20,
        },
        follow=True,
    )
    html = response.content.decode()
    activity = Activity.objects.get(title="敬老院陪伴")
    assert activity.points_per_hour == 10 and activity.community == pw.a
    assert f"/volunteers/activities/{activity.pk}/qr.png" in html
    assert f"http://testserver/volunteers/activities/{activity.pk}/" in html
    png = client.get(f"/volunteers/activities/{activity.pk}/qr.png")
    assert (
        png["Content-Type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    )


def test_publish_form_refuses_a_bad_time_range_without_500(pw):
    response = login(pw.secretary_a).post(
        "/volunteers/manage/activities/new/",
        {
            "publisher": pw.a.pk,
            "title": "x",
            "category": "activity",
            "activity_type": "elderly",
            "service_mode": "voluntary",
            "place": "y",
            "starts_at": "2030-05-01T09:00",
            "ends_at": "2030-05-01T08:00",
            "capacity": 20,
        },
    )
    assert (
        response.status_code == 200
        and "结束时间须晚于开始时间" in response.content.decode()
    )


def test_scan_page_checks_in_and_out(pw):
    token = services.activity_checkin_token(pw.activity)
    client = login(pw.volunteer_a)
    page = client.get(f"/volunteers/c/{token}/").content.decode()
    assert 'data-testid="checkin-button"' in page
    client.post(f"/volunteers/c/{token}/", {"action": "in"})
    assert CheckIn.objects.filter(activity=pw.activity, volunteer=pw.vol_a).exists()
    again = client.post(f"/volunteers/c/{token}/", {"action": "in"}, follow=True)
    assert "只能签到一次" in again.content.decode()
    # a check-out right after the check-in is refused with the reason
    early = client.post(f"/volunteers/c/{token}/", {"action": "out"}, follow=True)
    assert "服务时长不足" in early.content.decode()
    assert CheckIn.objects.get(volunteer=pw.vol_a).checked_out_at is None
    with clock.travel(timezone.now() + timedelta(minutes=11)):
        client.post(f"/volunteers/c/{token}/", {"action": "out"})
    assert CheckIn.objects.get(volunteer=pw.vol_a).checked_out_at is not None
    bad = client.get("/volunteers/c/not-a-token/")
    assert bad.status_code == 400 and "二维码无效" in bad.content.decode()


def test_attendance_page_confirms_and_awards(pw):
    checkin = services.checkin_scan(
        user=pw.volunteer_a, token=services.activity_checkin_token(pw.activity)
    )
    client = login(pw.secretary_a)
    page = client.get(
        f"/volunteers/manage/activities/{pw.activity.pk}/"
    ).content.decode()
    assert f'name="att-{checkin.pk}"' in page
    client.post(
        f"/volunteers/manage/activities/{pw.activity.pk}/attendance/",
        {f"att-{checkin.pk}": "present"},
    )
    checkin.refresh_from_db()
    assert (
        checkin.attendance == Attendance.PRESENT
        and checkin.confirmed_by == pw.secretary_a
    )


def test_sign_up_from_the_activity_page(pw):
    client = login(pw.volunteer_b)
    client.post(f"/volunteers/activities/{pw.activity.pk}/signup/")
    pw.activity.refresh_from_db()
    assert pw.activity.signed_up_count == 1
    html = client.get(f"/volunteers/activities/{pw.activity.pk}/").content.decode()
    assert "已报名" in html and 'data-testid="share-link"' in html


def test_love_station_page_redeems(pw):
    give_points(pw, pw.vol_a, 30)
    client = login(pw.volunteer_a)
    assert "毛巾" in client.get("/volunteers/station/").content.decode()
    response = client.post(
        f"/volunteers/station/items/{pw.items.cheap.pk}/redeem/", follow=True
    )
    assert "兑换成功" in response.content.decode()
    assert services.points_balance(pw.vol_a) == 20
    # an item of another community's station is not found
    station_b = services.station_get_or_create(user=pw.secretary_b, community=pw.b)
    item_b = services.station_item_create(
        user=pw.secretary_b, station=station_b, name="乙物品", price=1, stock=1
    )
    assert (
        client.post(f"/volunteers/station/items/{item_b.pk}/redeem/").status_code == 404
    )


def test_my_points_and_checkins_pages(pw):
    factories.checkins(pw, 2)
    client = login(pw.volunteer_a)
    assert "服务积分" in client.get("/volunteers/me/points/").content.decode()
    assert "出勤" in client.get("/volunteers/me/checkins/").content.decode()


def test_staff_correct_and_reverse_from_the_ledger_page(pw):
    entry = give_points(pw, pw.vol_a, 40)
    client = login(pw.secretary_a)
    client.post(f"/volunteers/manage/entries/{entry.pk}/reverse/", {"reason": "录错了"})
    client.post(
        f"/volunteers/manage/volunteers/{pw.vol_a.pk}/correct/",
        {"points": 7, "reason": "补录"},
    )
    assert services.points_balance(pw.vol_a) == 7
    html = client.get(f"/volunteers/manage/volunteers/{pw.vol_a.pk}/").content.decode()
    assert "录错了" in html and "已冲正" in html
    assert (
        login(pw.secretary_b)
        .post(f"/volunteers/manage/entries/{entry.pk}/reverse/", {"reason": "x"})
        .status_code
        == 404
    )


def test_rules_page_edit_by_street_staff_only(pw):
    client = login(pw.street_staff)
    client.post(
        "/volunteers/manage/rules/",
        {
            "activity_type": "medical",
            "points_per_hour": 15,
            "late_percent": 60,
            "max_hours": 6,
            "min_points": 1,
        },
    )
    assert services.points_rule_for("medical").points_per_hour == 15
    response = login(pw.secretary_a).post(
        "/volunteers/manage/rules/", {"activity_type": "medical", "points_per_hour": 1}
    )
    assert response.status_code == 403


def test_the_rules_page_shows_the_defaults_and_writes_nothing(pw):
    from volunteers.models import PointsRule

    PointsRule.objects.all().delete()
    html = login(pw.street_staff).get("/volunteers/manage/rules/").content.decode()
    # every type is listed with its default, and a GET has saved no rule
    default = services.points_rule_default("medical").points_per_hour
    shown = re.search(r'id="pph-medical"[^>]*value="(\d+)"', html)
    assert shown and int(shown.group(1)) == default
    assert not PointsRule.objects.exists()


def test_group_event_recorded_by_a_unit_head(pw):
    client = login(pw.unit_head_a)
    response = client.post(
        "/volunteers/manage/events/new/",
        {
            "unit": pw.unit_a.pk,
            "service_type": "legal",
            "title": "送法律进社区",
            "held_on": "2026-03-01",
            "residents_served": 120,
            "volunteers_count": 6,
        },
    )
    assert response.status_code == 302
    html = client.get("/volunteers/manage/events/").content.decode()
    assert "送法律进社区" in html
    # unit B is not in his choice list: the form refuses it
    bad = client.post(
        "/volunteers/manage/events/new/",
        {
            "unit": pw.unit_b.pk,
            "service_type": "legal",
            "title": "x",
            "held_on": "2026-03-01",
            "residents_served": 1,
            "volunteers_count": 1,
        },
    )
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()


def test_station_management_page(pw):
    client = login(pw.secretary_a)
    html = client.get("/volunteers/manage/station/").content.decode()
    assert "保温杯" in html
    client.post(
        "/volunteers/manage/station/",
        {"action": "restock", "item": pw.items.last.pk, "quantity": 4},
    )
    pw.items.last.refresh_from_db()
    assert pw.items.last.stock == 5


def test_team_pages(pw):
    client = login(pw.secretary_a)
    page = client.get(f"/volunteers/manage/teams/{pw.team.pk}/").content.decode()
    assert f'<option value="{pw.vol_a.pk}">' in page
    client.post(f"/volunteers/manage/teams/{pw.team.pk}/", {"volunteer": pw.vol_a.pk})
    client.post(
        f"/volunteers/manage/teams/{pw.team.pk}/",
        {"action": "leader", "volunteer": pw.vol_a.pk},
    )
    html = client.get(f"/volunteers/manage/teams/{pw.team.pk}/").content.decode()
    assert "volunteer_a" in html
    pw.team.refresh_from_db()
    assert pw.team.leader == pw.vol_a
    response = client.post(
        "/volunteers/manage/teams/new/", {"name": "新团队", "community": pw.a.pk}
    )
    assert response.status_code == 302


# -- query counts: the same number of queries for 2 rows and for 10 ----------------


LISTS = [
    ("secretary_a", "/volunteers/manage/activities/", factories.activities),
    ("secretary_a", "/volunteers/manage/volunteers/", factories.volunteers),
    ("secretary_a", "/volunteers/manage/ledger/?by=person", factories.volunteers),
    ("secretary_a", "/volunteers/manage/ledger/?by=team", factories.teams),
    ("secretary_a", "/volunteers/manage/ledger/", factories.volunteers),
    ("secretary_a", "/volunteers/manage/teams/", factories.teams),
    ("secretary_a", "/volunteers/manage/board/wishes/", factories.wishes),
    ("secretary_a", "/volunteers/manage/board/posts/", factories.posts),
    ("secretary_a", "/volunteers/manage/station/", factories.redemptions),
    ("unit_head_a", "/volunteers/manage/events/", factories.group_events),
    ("unit_head_a", "/volunteers/manage/in-service/", factories.in_service_members),
    (
        "unit_head_a",
        "/volunteers/manage/in-service/?unit={unit_a}",
        factories.in_service_members,
    ),
    ("unit_head_a", "/volunteers/manage/in-service/confirm/", factories.checkins),
    ("volunteer_a", "/volunteers/activities/", factories.activities),
    ("volunteer_a", "/volunteers/me/checkins/", factories.checkins),
    ("volunteer_a", "/volunteers/me/points/", factories.entries),
    ("volunteer_a", "/volunteers/wall/?tab=wishes&status=mine", factories.wishes),
    ("volunteer_a", "/volunteers/", factories.activities),
    (None, "/volunteers/public/{a}/wishes/", factories.open_wishes),
    (
        "secretary_a",
        "/volunteers/manage/activities/{activity}/",
        factories.checkins_on_activity,
    ),
    ("street_admin", "/volunteers/manage/rules/", factories.activities),
]


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx)


@pytest.mark.parametrize("persona, url, add", LISTS)
def test_list_pages_use_the_same_queries_for_2_and_10_rows(pw, persona, url, add):
    url = url.format(a=pw.a.pk, unit_a=pw.unit_a.pk, activity=pw.activity.pk)
    client = login(getattr(pw, persona)) if persona else Client()
    add(pw, 2)
    _queries(client, url)  # warm caches (content types, rules)
    few = _queries(client, url)
    add(pw, 8)
    many = _queries(client, url)
    assert few == many, (url, few, many)


def test_writes_on_another_scopes_objects_answer_404_and_change_nothing(pw):
    # given objects of community A, and community B's secretary
    w = pw
    entry = give_points(w, w.vol_a, 20)
    checkin = services.checkin_scan(
        user=w.volunteer_a, token=services.activity_checkin_token(w.activity)
    )
    client = login(w.secretary_b)
    posts = [
        (
            f"/volunteers/manage/activities/{w.activity.pk}/attendance/",
            {f"att-{checkin.pk}": "present"},
        ),
        (f"/volunteers/manage/activities/{w.activity.pk}/cancel/", {}),
        (f"/volunteers/manage/activities/{w.activity.pk}/qr-renew/", {}),
        (
            f"/volunteers/manage/volunteers/{w.vol_a.pk}/correct/",
            {"points": 5, "reason": "x"},
        ),
        (f"/volunteers/manage/entries/{entry.pk}/reverse/", {"reason": "x"}),
        (f"/volunteers/wishes/{w.wish.pk}/claim/", {}),
        (f"/volunteers/wishes/{w.wish.pk}/confirm/", {}),
        (f"/volunteers/wishes/{w.wish.pk}/cancel/", {}),
        (f"/volunteers/posts/{w.post.pk}/cancel/", {}),
        (f"/volunteers/manage/teams/{w.team.pk}/", {"volunteer": w.vol_b.pk}),
    ]
    # when he posts to each, then each is not found
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    # and nothing changed
    checkin.refresh_from_db()
    w.activity.refresh_from_db()
    w.wish.refresh_from_db()
    assert checkin.attendance == Attendance.PENDING
    assert w.activity.status == "published" and w.activity.qr_version == 1
    assert w.wish.status == "open"
    assert services.points_ledger_sum(w.vol_a) == 20


def test_forbidden_writes_inside_the_scope_answer_403(pw):
    # a volunteer of A may see A's activity and wish but not manage them
    w = pw
    client = login(w.volunteer_a)
    assert (
        client.post(
            f"/volunteers/manage/activities/{w.activity.pk}/cancel/"
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/volunteers/manage/activities/{w.activity.pk}/qr-renew/"
        ).status_code
        == 403
    )
    assert client.post(f"/volunteers/wishes/{w.wish.pk}/confirm/").status_code == 403
    assert client.post(f"/volunteers/wishes/{w.wish.pk}/cancel/").status_code == 403
    # the unit head sees the community's wish but only claims, never confirms
    assert (
        login(w.unit_head_a).post(f"/volunteers/wishes/{w.wish.pk}/cancel/").status_code
        == 403
    )
    w.wish.refresh_from_db()
    assert w.wish.status == "open"
