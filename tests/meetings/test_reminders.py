"""Reminder rows: who gets what when, idempotent keys, moves and cancellations."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from meetings import services
from meetings.models import Meeting
from meetings.reminders import MORNING, meeting_reminders_sync
from portal.models import Channel, Notification, Reminder
from portal.notify import reminders_send_due
from tests.meetings.conftest import in_days, local


def pending(prefix):
    return Reminder.objects.filter(
        key__startswith=prefix, sent_at__isnull=True, cancelled_at__isnull=True
    )


def test_scheduling_creates_the_chair_member_and_minutes_reminders(
    mworld, meetings_next_month
):
    meeting = meetings_next_month.a
    # given this month's chair is the head of unit A (an account)
    meeting.chair = mworld.seat_a1
    meeting.save()
    meeting_reminders_sync(meeting)
    prefix = "meetings:meeting:%s:" % meeting.pk
    rows = {r.key: r for r in pending(prefix)}
    # the chair, 3 days before, in the inbox of their account
    chair = [r for r in rows.values() if ":chair:" in r.key]
    assert [(r.recipient, r.channel) for r in chair] == [
        (mworld.unit_head_a, Channel.INBOX)
    ]
    assert chair[0].due_at == meeting.held_at - timedelta(days=3)
    # every seated member, 1 day before: accounts by inbox, others by SMS
    members = [r for r in rows.values() if ":member:" in r.key]
    assert {r.due_at for r in members} == {meeting.held_at - timedelta(days=1)}
    inbox = {r.recipient for r in members if r.channel == Channel.INBOX}
    assert inbox == {mworld.secretary_a, mworld.unit_head_a}
    sms = {r.target for r in members if r.channel == Channel.SMS}
    assert sms == {mworld.p_a2.phone, mworld.p_a3.phone}
    assert len(members) == 4  # 甲四书记 has no account and no phone: nobody to reach
    # the community secretary, 2 days after, while no minutes are filed
    minutes = [r for r in rows.values() if ":minutes:" in r.key]
    assert [(r.recipient, r.due_at) for r in minutes] == [
        (mworld.secretary_a, meeting.held_at + timedelta(days=2))
    ]
    # the 大工委's minutes reminder goes to street staff
    working = pending("meetings:meeting:%s:minutes" % meetings_next_month.working.pk)
    assert {r.recipient for r in working} == {mworld.street_admin, mworld.street_staff}


def test_scheduling_twice_creates_no_new_meeting_and_no_new_reminder(
    mworld, meetings_next_month
):
    meetings = Meeting.objects.count()
    reminders = Reminder.objects.count()
    month = meetings_next_month.a.month
    assert services.meeting_schedule_month(month=month) == []
    assert services.meeting_schedule_month(month=month.strftime("%Y-%m")) == []
    assert Meeting.objects.count() == meetings
    assert Reminder.objects.count() == reminders
    assert (
        services.meetings_sync_reminders(
            now=meetings_next_month.a.held_at - timedelta(days=5)
        )
        == 0
    )


def test_moving_a_meeting_cancels_the_old_reminders_and_schedules_new_ones(
    mworld, meetings_next_month
):
    meeting = meetings_next_month.a
    meeting.chair = mworld.seat_a1
    meeting.save()
    meeting_reminders_sync(meeting)
    prefix = "meetings:meeting:%s:" % meeting.pk
    old_keys = set(pending(prefix).values_list("key", flat=True))
    new_time = meeting.held_at + timedelta(days=2, hours=-6)
    # when the meeting moves
    services.meeting_update(
        user=mworld.secretary_a,
        meeting=meeting,
        held_at=new_time,
        place_kind="on_site",
        place="长虹路口现场",
    )
    # then the old ones are cancelled and new ones follow the new time
    assert Reminder.objects.filter(
        key__in=old_keys, cancelled_at__isnull=False
    ).count() == len(old_keys)
    fresh = list(pending(prefix))
    assert fresh and not (old_keys & {r.key for r in fresh})
    chair = next(r for r in fresh if ":chair:" in r.key)
    assert chair.due_at == new_time - timedelta(days=3)
    assert "长虹路口现场" in chair.body
    # and moving it back revives the first ones instead of duplicating
    services.meeting_update(
        user=mworld.secretary_a,
        meeting=meeting,
        held_at=meetings_next_month.a.held_at,
        place_kind="on_site",
        place="长虹路口现场",
    )
    assert set(pending(prefix).values_list("key", flat=True)) == old_keys
    assert Reminder.objects.filter(key__in=old_keys).count() == len(old_keys)


def test_a_meeting_cannot_move_out_of_its_month(mworld, meetings_next_month):
    from django.core.exceptions import ValidationError

    meeting = meetings_next_month.a
    with pytest.raises(ValidationError, match="月内"):
        services.meeting_update(
            user=mworld.secretary_a,
            meeting=meeting,
            held_at=meeting.held_at + timedelta(days=40),
            place_kind="room",
            place="会议室",
        )


def test_cancelling_a_meeting_cancels_its_reminders(mworld, meetings_next_month):
    meeting = meetings_next_month.a
    services.meeting_cancel(user=mworld.secretary_a, meeting=meeting, reason="防汛值班")
    assert not pending("meetings:meeting:%s:" % meeting.pk).exists()


def test_filing_minutes_cancels_the_minutes_reminder(mworld, held):
    meeting = held.a
    services.meeting_file_minutes(
        user=mworld.secretary_a, meeting=meeting, text="会议纪要正文"
    )
    assert not pending("meetings:meeting:%s:minutes" % meeting.pk).exists()
    # a held meeting needs no "come tomorrow" reminders either
    assert not pending("meetings:meeting:%s:member" % meeting.pk).exists()


def test_an_action_item_reminds_its_unit_3_days_before_and_when_overdue(
    mworld, meetings_next_month
):
    problem = services.problem_create(
        user=mworld.secretary_a, committee=mworld.party_a, title="路灯"
    )
    item = services.action_item_create(
        user=mworld.secretary_a,
        problem=problem,
        unit=mworld.unit_a,
        title="修灯",
        due_on=in_days(10),
    )
    rows = list(pending("meetings:item:%s:" % item.pk))
    soon = next(r for r in rows if ":soon:" in r.key)
    late = next(r for r in rows if ":overdue:" in r.key)
    assert soon.recipient == mworld.unit_head_a and late.recipient == mworld.unit_head_a
    assert timezone.localtime(soon.due_at).date() == in_days(7)
    assert timezone.localtime(soon.due_at).time() == MORNING
    assert timezone.localtime(late.due_at).date() == in_days(11)
    # a unit without an account is reached by its contact phone
    mworld.unit_a2.contact_phone = "13712345678"
    mworld.unit_a2.save()
    other = services.action_item_create(
        user=mworld.secretary_a,
        problem=problem,
        unit=mworld.unit_a2,
        title="查线路",
        due_on=in_days(10),
    )
    assert {r.target for r in pending("meetings:item:%s:" % other.pk)} == {
        "13712345678"
    }
    # done cancels both; a new due date replaces them
    services.action_item_reschedule(
        user=mworld.secretary_a, item=item, due_on=in_days(20), reason="等配件"
    )
    assert Reminder.objects.get(pk=soon.pk).cancelled_at is not None
    assert pending("meetings:item:%s:" % item.pk).count() == 2
    services.action_item_update(
        user=mworld.unit_head_a, item=item, status="done", evidence="已修好"
    )
    assert not pending("meetings:item:%s:" % item.pk).exists()


def test_due_reminders_are_delivered_once(mworld, meetings_next_month):
    meeting = meetings_next_month.a
    # when the sender runs after the members' reminder is due, twice
    at = meeting.held_at - timedelta(hours=12)
    first = reminders_send_due(now=at)
    second = reminders_send_due(now=at)
    # then the chair and the members got exactly one inbox message each
    assert first >= 3 and second == 0
    titles = Notification.objects.filter(recipient=mworld.unit_head_a).values_list(
        "title", flat=True
    )
    assert sorted(titles).count("明天召开甲社区大党委联席会议") == 1
    assert all(
        r.sent_at
        for r in Reminder.objects.filter(due_at__lte=at, key__contains=":member:")
    )


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_each_reminder_once(mworld):
    assert connection.vendor == "postgresql"
    # given 30 due reminders
    services.meeting_schedule_month(
        month=timezone.localdate().replace(day=1) + timedelta(days=40)
    )
    now = timezone.now()
    for i in range(30):
        Reminder.objects.create(
            key="test:race:%s" % i,
            due_at=now - timedelta(minutes=1),
            recipient=mworld.secretary_a,
            subject="提醒 %s" % i,
        )
    sent = []
    barrier = threading.Barrier(3)

    def run():
        from django.db import connections

        barrier.wait()
        try:
            sent.append(reminders_send_due(now=now))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then every reminder was sent by exactly one of them
    assert sum(sent) == 30
    for i in range(30):
        assert Notification.objects.filter(title="提醒 %s" % i).count() == 1


def test_periodic_sync_reaches_a_secretary_appointed_after_scheduling(
    mworld, meetings_next_month
):
    from portal.models import Role
    from portal.services import role_assign, user_create

    new = user_create(username="secretary_a2", password="correct-horse-battery-9")
    role_assign(user=new, role=Role.COMMUNITY_SECRETARY, org_node=mworld.a)
    meeting = meetings_next_month.a
    services.meetings_sync_reminders(now=meeting.held_at - timedelta(days=2))
    keys = pending("meetings:meeting:%s:minutes" % meeting.pk)
    assert new in {r.recipient for r in keys}


def test_a_local_time_helper_is_in_shanghai():
    assert local(in_days(1)).utcoffset() == timedelta(hours=8)
