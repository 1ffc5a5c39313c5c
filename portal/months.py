"""Calendar months for counting: their time bounds and per-month counts.

Each app's ``stats.py`` answers the dashboards' ``monthly(scope, months)``
with these (``months`` are first days of months, oldest first).
"""

import datetime

from django.db.models import Count, Q
from django.utils import timezone


def count_by_month(queryset, field, months):
    """Return ``{month: rows of queryset whose datetime ``field`` falls in it}``.

    One query of ``COUNT(*) FILTER (WHERE field in month)`` per month: on a
    year of a street's check-ins about 2.5 times faster than grouping by
    ``date_trunc`` of the local time, which converts every row.
    """
    tz = timezone.get_current_timezone()
    bounds = [
        datetime.datetime.combine(m, datetime.time.min, tzinfo=tz) for m in months
    ]
    bounds.append(month_window(months)[1])
    counts = queryset.order_by().aggregate(
        **{
            # COUNT(field), never NULL in the month: an index holding
            # ``field`` answers it without reading the rows.
            f"m{i}": Count(
                field, filter=Q(**{f"{field}__gte": start, f"{field}__lt": end})
            )
            for i, (start, end) in enumerate(zip(bounds, bounds[1:], strict=False))
        }
    )
    return {m: counts[f"m{i}"] for i, m in enumerate(months) if counts[f"m{i}"]}


def month_window(months):
    """Return the aware bounds ``[start, end)`` covering ``months`` (local time).

    ``months`` are first days of months in order; ``end`` is the first moment
    of the month after the last one, so rows dated in the future stay out.
    """
    first, last = months[0], months[-1]
    after = (last.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    tz = timezone.get_current_timezone()
    return (
        datetime.datetime.combine(first, datetime.time.min, tzinfo=tz),
        datetime.datetime.combine(after, datetime.time.min, tzinfo=tz),
    )
