"""Periodic jobs of the portal itself, and ``enqueue`` for web code paths."""

import logging

from celery import shared_task
from kombu.exceptions import KombuError, OperationalError

from portal.notify import reminders_send_due

log = logging.getLogger("portal.tasks")

#: What a broker outage raises when publishing (Redis refused, timed out…).
BROKER_ERRORS = (OperationalError, KombuError, ConnectionError, OSError, TimeoutError)


def enqueue(task, *args, **kwargs):
    """Send ``task`` to the workers; never let a broker outage fail the caller.

    Use it from views, API viewsets and services instead of ``task.delay``.
    The work itself must already be recorded in the database (a reminder
    row, a run record…) so that the periodic task or a later retry picks it
    up when the broker is back: this only makes it happen sooner. Returns the
    ``AsyncResult``, or ``None`` when the broker could not be reached (logged).
    Errors raised by the task itself (eager mode in tests) are not swallowed.
    """
    if task.app.conf.task_always_eager:
        # In-process (no broker): the task's own errors must reach the caller.
        return task.apply_async(args=args, kwargs=kwargs)
    try:
        return task.apply_async(args=args, kwargs=kwargs)
    except BROKER_ERRORS as exc:
        log.warning(
            "broker unreachable, %s not queued (the periodic run will catch up): %s",
            getattr(task, "name", task),
            exc,
        )
        return None


@shared_task(
    name="portal.send_due_reminders",
    ignore_result=True,
    time_limit=300,
    soft_time_limit=240,
)
def send_due_reminders():
    """Send every reminder that is due (runs every minute from beat)."""
    return reminders_send_due()


@shared_task(
    name="portal.purge_signin_records",
    ignore_result=True,
    time_limit=600,
    soft_time_limit=540,
)
def purge_signin_records():
    """Delete sign-in records older than ``PORTAL_SIGNIN_LOG_DAYS`` (daily)."""
    from portal.security import signin_records_purge

    return signin_records_purge()
