"""The volunteers' periodic tasks are in the beat schedule, unambiguously."""

from django_celery_beat.models import PeriodicTask

from portal.schedules import ensure_schedules


def test_periodic_tasks_are_scheduled_and_schedules_with_shared_hours_stay_apart(db):
    # given schedules that share minute and hour but not their days (grids'
    # nightly run and the yearly in-service close)
    ensure_schedules()
    ensure_schedules()  # idempotent
    rows = {
        p.task: p.crontab
        for p in PeriodicTask.objects.select_related("crontab").filter(
            crontab__isnull=False
        )
    }
    yearly = rows["volunteers.close_in_service_year"]
    assert (yearly.day_of_month, yearly.month_of_year) == ("1", "1")
    cards = rows["volunteers.send_service_cards"]
    assert cards.month_of_year == "1,4,7,10"
    nightly = rows["grids.escalate_overdue_cases"]
    assert (nightly.day_of_month, nightly.month_of_year) == ("*", "*")
