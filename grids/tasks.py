"""Periodic jobs of the grid."""

from celery import shared_task

from grids.services import cases_escalate_overdue


@shared_task(
    name="grids.escalate_overdue_cases",
    ignore_result=True,
    time_limit=600,
    soft_time_limit=540,
)
def escalate_overdue_cases():
    """Escalate open cases past their deadline one level up (runs nightly)."""
    return cases_escalate_overdue()
