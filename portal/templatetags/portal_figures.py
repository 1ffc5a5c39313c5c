"""Template filters for figures: ``{{ value|figure }}`` on every tile and table."""

from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

register = template.Library()

#: What a tile shows when there is nothing to count (never ``None``).
NO_FIGURE = "—"


@register.filter(is_safe=True)
def figure(value):
    """Return a number grouped by thousands, ``—`` for none, any other text as is.

    ``intcomma`` alone groups the digits of any text (a month ``2026-11``
    became ``2,026-11``) and prints ``None``; only numbers are grouped here.
    """
    if value is None or value == "":
        return NO_FIGURE
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return value
    return intcomma(value)
