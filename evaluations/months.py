"""Months as dates: the first day of the month stands for the month."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portal.params import YEAR_MAX, YEAR_MIN

_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")


def month_start(day):
    """Return the first day of ``day``'s month."""
    return day.replace(day=1)


def add_months(month, count):
    """Return the first day of the month ``count`` months after ``month``."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def next_month(month):
    return add_months(month, 1)


def parse_month(text):
    """Return the first day of the month written ``YYYY-MM``; raise otherwise."""
    match = _MONTH_RE.match((text or "").strip())
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if YEAR_MIN <= year <= YEAR_MAX and 1 <= month <= 12:
            return date(year, month, 1)
    raise ValidationError(_("月份格式应为 YYYY-MM，例如 2024-05。"))


def parse_month_or_none(text):
    try:
        return parse_month(text)
    except ValidationError:
        return None


def month_label(month):
    return month.strftime("%Y-%m") if month else ""


def months_between(first, last):
    """Return the months from ``first`` to ``last`` inclusive."""
    months = []
    month = month_start(first)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months
