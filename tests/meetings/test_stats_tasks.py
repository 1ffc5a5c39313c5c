"""Stats keys, periodic tasks and their schedule entries."""

from datetime import timedelta

from django.utils import timezone

from dashboard.stats import stat_labels, stats_for
from meetings import services, tasks
from meetings.models import ActionItem, Meeting
from meetings.rotation import month_start
from portal.schedules import SCHEDULES, ensure_schedules
from portal.scope import scope_for
from tests.meetings.conftest import in_days

KEYS = {
    "meetings_held_this_month",
    "minutes_missing",
    "action_items_open",
    "action_items_overdue",
    "problems_escalated_open",
}


def test_the_stats_keys_are_there_with_labels(mworld):
    figures = stats_for(mworld.street_admin)
    assert set(figures) >= KEYS
    assert set(stat_labels()) >= KEYS


def test_the_stats_count_what_the_scope_sees(mworld, filed):
    # given A's next meeting (minutes filed, 1 open item) and B's held 3 days ago
    # without minutes, and an escalated problem of A
    this_month = month_start(timezone.localdate())
    held_b = services.meeting_schedule_month(
        month=this_month, committees=[mworld.party_b]
    )
    Meeting.objects.filter(pk=held_b[0].pk).update(
        held_at=timezone.now() - timedelta(days=3), status="held"
    )
    services.problem_escalate(
        user=mworld.secretary_a,
        problem=services.problem_create(
            user=mworld.secretary_a, committee=mworld.party_a, title="p"
        ),
        reason="r",
    )
    ActionItem.objects.filter(pk=filed.item.pk).update(due_on=in_days(-1))
    street = stats_for(mworld.street_staff)
    a = stats_for(mworld.secretary_a)
    b = stats_for(mworld.secretary_b)
    assert street["meetings_held_this_month"] == 1 == b["meetings_held_this_month"]
    assert a["meetings_held_this_month"] == 0
    assert (
        street["minutes_missing"] == 1 == b["minutes_missing"]
        and a["minutes_missing"] == 0
    )
    assert street["action_items_open"] == 1 == a["action_items_open"]
    assert street["action_items_overdue"] == 1 and b["action_items_overdue"] == 0
    assert street["problems_escalated_open"] == 1 == a["problems_escalated_open"]
    assert b["problems_escalated_open"] == 0
    unit = stats_for(mworld.unit_head_a)
    assert unit["action_items_open"] == 1
    assert stats_for(mworld.outsider)["action_items_open"] == 0
    assert scope_for(mworld.outsider).roles == frozenset()


def test_the_schedule_task_schedules_this_and_next_month_once(mworld):
    assert tasks.schedule_ahead() == 6  # 3 committees × 2 months
    assert tasks.schedule_ahead() == 0
    assert Meeting.objects.count() == 6


def test_the_overdue_task_marks_late_items(mworld, filed):
    ActionItem.objects.filter(pk=filed.item.pk).update(due_on=in_days(-1))
    assert tasks.mark_overdue_action_items() == 1
    assert ActionItem.objects.get(pk=filed.item.pk).status == "overdue"


def test_the_sync_task_is_idempotent(mworld, filed):
    tasks.sync_reminders()
    assert tasks.sync_reminders() == 0


def test_the_periodic_tasks_are_in_the_beat_schedule(db):
    from django_celery_beat.models import PeriodicTask

    names = {task for task, _spec in SCHEDULES.values()}
    assert {
        "meetings.schedule_ahead",
        "meetings.sync_reminders",
        "meetings.mark_overdue_action_items",
    } <= names
    ensure_schedules()
    rows = set(PeriodicTask.objects.values_list("task", flat=True))
    assert (
        "meetings.schedule_ahead" in rows
        and "meetings.mark_overdue_action_items" in rows
    )
    from config.celery import app

    app.loader.import_default_modules()
    assert "meetings.sync_reminders" in app.tasks
