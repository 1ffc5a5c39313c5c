"""Celery tasks of the evaluations app: thin, named, idempotent."""

from celery import shared_task

from evaluations.services import runs


@shared_task(
    name="evaluations.run_evaluation",
    ignore_result=True,
    time_limit=3600,
    soft_time_limit=3500,
)
def run_evaluation(run_id):
    """Compute an evaluation run (claimed once; a no-op if taken or done)."""
    runs.evaluation_run_execute(run_id=run_id)


@shared_task(
    name="evaluations.run_previous_month",
    ignore_result=True,
    time_limit=300,
    soft_time_limit=240,
)
def run_previous_month():
    """Start last month's evaluation of every street (1st of the month; no publish)."""
    return [run.pk for run in runs.evaluation_run_previous_month()]


@shared_task(
    name="evaluations.watch_runs",
    ignore_result=True,
    time_limit=300,
    soft_time_limit=240,
)
def watch_runs():
    """Send runs the broker missed; requeue a silent run once, then abandon it."""
    return runs.evaluation_runs_watch()
