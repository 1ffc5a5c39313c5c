"""The in-app inbox: each user reads his own notices, opens them, marks them read."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.models import Channel, Notification, Reminder
from portal.notify import notify, notify_each, reminders_schedule_each
from tests.conftest import login


def _notice(user, title="【评议反馈】2025-09 甲单位：良好", link="/evaluations/"):
    return notify(recipients=[user], title=title, body="继续保持。", link=link)[0]


def test_unit_head_sees_his_notice_and_the_unread_count_in_the_header(world):
    # given a feedback notice for the unit head, and one for someone else
    _notice(world.unit_head_a)
    _notice(world.secretary_b, title="乙社区的消息")
    client = login(world.unit_head_a)
    # when he opens any page
    home = client.get("/").content.decode()
    # then the header counts his one unread message
    assert 'data-testid="inbox-link"' in home
    assert "1 条未读" in home
    # and the inbox lists his notice, not the other one
    page = client.get("/accounts/inbox/").content.decode()
    assert "【评议反馈】2025-09 甲单位：良好" in page
    assert "继续保持。" in page
    assert "乙社区的消息" not in page


def test_opening_a_notice_marks_it_read_and_follows_its_link(world):
    notice = _notice(world.unit_head_a, link="/evaluations/results/")
    client = login(world.unit_head_a)
    response = client.get(f"/accounts/inbox/{notice.pk}/")
    assert response.status_code == 302
    assert response["Location"] == "/evaluations/results/"
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert "未读（0）" in client.get("/accounts/inbox/").content.decode()


def test_a_link_to_another_site_is_not_followed(world):
    notice = _notice(world.unit_head_a, link="https://evil.example/")
    response = login(world.unit_head_a).get(f"/accounts/inbox/{notice.pk}/")
    assert response["Location"] == "/accounts/inbox/"


def test_another_users_notice_is_a_404_and_stays_unread(world):
    notice = _notice(world.secretary_b)
    response = login(world.secretary_a).get(f"/accounts/inbox/{notice.pk}/")
    assert response.status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_mark_all_read_touches_only_the_users_own_messages(world):
    _notice(world.unit_head_a)
    _notice(world.unit_head_a, title="第二条")
    other = _notice(world.secretary_a)
    client = login(world.unit_head_a)
    response = client.post("/accounts/inbox/read/", follow=True)
    assert "已将 2 条消息标为已读。" in response.content.decode()
    assert not Notification.objects.filter(
        recipient=world.unit_head_a, read_at__isnull=True
    ).exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_unread_filter_and_empty_state(world):
    client = login(world.volunteer_a)
    page = client.get("/accounts/inbox/?show=unread").content.decode()
    assert "没有未读消息。" in page


def test_inbox_needs_sign_in(client):
    response = client.get("/accounts/inbox/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_inbox_queries_do_not_grow_with_messages(world):
    client = login(world.unit_head_a)
    _notice(world.unit_head_a)
    with CaptureQueriesContext(connection) as few:
        client.get("/accounts/inbox/")
    for i in range(15):
        _notice(world.unit_head_a, title=f"消息{i}")
    with CaptureQueriesContext(connection) as many:
        client.get("/accounts/inbox/")
    assert len(many) == len(few)


def test_a_long_notice_shows_its_start_and_opens_in_full(world):
    body = "各项指标：" + "联席会议出勤率：不适用。" * 20 + "最后一句。"
    notify(recipients=[world.unit_head_a], title="长消息", body=body)
    page = login(world.unit_head_a).get("/accounts/inbox/").content.decode()
    assert "<details" in page
    assert "最后一句。" in page  # the full text, behind the summary


def test_notify_each_writes_every_message_to_its_own_recipient_in_one_query(world):
    # given one message for each of two users, and one more for the first
    messages = [
        {"recipient_id": world.unit_head_a.pk, "title": "甲的反馈", "body": "甲"},
        {"recipient_id": world.secretary_a.pk, "title": "社区的反馈", "link": "/x/"},
        {"recipient_id": world.unit_head_a.pk, "title": "甲的第二条"},
    ]
    # when they are written
    with CaptureQueriesContext(connection) as queries:
        notify_each(messages=messages)
    # then in one INSERT, each in its recipient's inbox only
    assert len(queries) == 1
    assert set(
        Notification.objects.filter(recipient=world.unit_head_a).values_list(
            "title", flat=True
        )
    ) == {"甲的反馈", "甲的第二条"}
    assert Notification.objects.get(recipient=world.secretary_a).link == "/x/"


def test_reminders_scheduled_in_bulk_are_scheduled_once_per_key(world):
    now = timezone.now()

    def sms(key, phone):
        return {
            "key": key,
            "channel": Channel.SMS,
            "target": phone,
            "due_at": now,
            "subject": "评议反馈",
        }

    # given one key scheduled and sent
    first = reminders_schedule_each(reminders=[sms("t:1", "13900000001")])
    Reminder.objects.filter(pk=first["t:1"].pk).update(sent_at=now)
    # when it is scheduled again with another, in two queries
    with CaptureQueriesContext(connection) as queries:
        rows = reminders_schedule_each(
            reminders=[sms("t:1", "13900000009"), sms("t:2", "13900000002")]
        )
    # then the sent row stays as it was and only the new key is added
    assert len(queries) == 2
    assert Reminder.objects.count() == 2
    assert rows["t:1"].sent_at is not None and rows["t:1"].target == "13900000001"
    assert rows["t:2"].sent_at is None
    assert reminders_schedule_each(reminders=[]) == {}
