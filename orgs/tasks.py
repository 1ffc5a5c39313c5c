"""Celery tasks of the orgs app: thin, named, idempotent."""

from celery import shared_task

from orgs import imports


@shared_task(
    name="orgs.run_import",
    ignore_result=True,
    # No acks_late: a worker holds no unacknowledged message (kombu dies
    # restoring them when Redis drops); resume_imports redoes a lost job.
    time_limit=900,
    soft_time_limit=840,
)
def run_import(job_id):
    """Read and import an uploaded Excel file (claimed once; a no-op if done)."""
    imports.import_job_execute(job_id=job_id)


@shared_task(
    name="orgs.resume_imports", ignore_result=True, time_limit=120, soft_time_limit=100
)
def resume_imports():
    """Queue imports left waiting by a broker outage or a dead worker."""
    return imports.import_jobs_resume()
