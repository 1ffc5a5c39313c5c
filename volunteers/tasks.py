"""Periodic jobs of the volunteers app: thin, named, idempotent."""

from celery import shared_task
from django.utils import timezone

from volunteers import services


@shared_task(name="volunteers.close_in_service_year")
def close_in_service_year(year=None):
    """Write last year's in-service reviews and flags (rerun: same result)."""
    year = year or timezone.localdate().year - 1
    return services.in_service_year_close(year=year)


@shared_task(name="volunteers.send_service_cards")
def send_service_cards(year=None, quarter=None):
    """Tell employer units their last quarter's service record card is ready."""
    if year is None or quarter is None:
        today = timezone.localdate()
        current = (today.month - 1) // 3 + 1
        year, quarter = (
            (today.year, current - 1) if current > 1 else (today.year - 1, 4)
        )
    return services.service_card_notices_send(year=year, quarter=quarter)


@shared_task(
    name="volunteers.anonymise_departed", time_limit=3600, soft_time_limit=3300
)
def anonymise_departed():
    """Anonymise volunteers who left more than the retention period ago."""
    return services.volunteers_anonymise_departed()
