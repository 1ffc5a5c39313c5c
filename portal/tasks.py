"""Periodic jobs of the portal itself."""

from celery import shared_task

from portal.notify import reminders_send_due


@shared_task(
    name="portal.send_due_reminders",
    ignore_result=True,
    time_limit=300,
    soft_time_limit=240,
)
def send_due_reminders():
    """Send every reminder that is due (runs every minute from beat)."""
    return reminders_send_due()
