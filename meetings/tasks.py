"""Periodic jobs of the joint meetings: thin, named, idempotent."""

from celery import shared_task

from meetings import services
from meetings.grid_feed import grid_cases_import


@shared_task(
    name="meetings.schedule_ahead",
    ignore_result=True,
    time_limit=600,
    soft_time_limit=540,
)
def schedule_ahead():
    """Schedule this month's and next month's meetings (nothing new if done)."""
    return services.meetings_schedule_ahead()


@shared_task(
    name="meetings.sync_reminders",
    ignore_result=True,
    time_limit=600,
    soft_time_limit=540,
)
def sync_reminders():
    """Re-sync reminder rows of meetings and action items near now."""
    return services.meetings_sync_reminders()


@shared_task(
    name="meetings.mark_overdue_action_items",
    ignore_result=True,
    time_limit=300,
    soft_time_limit=240,
)
def mark_overdue_action_items():
    """Mark action items past their due date as overdue."""
    return services.action_items_mark_overdue()


@shared_task(
    name="meetings.import_grid_cases",
    ignore_result=True,
    time_limit=600,
    soft_time_limit=540,
)
def import_grid_cases():
    """Put grid cases escalated to a community or the street on the agendas."""
    return grid_cases_import()
