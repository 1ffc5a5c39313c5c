"""Template helpers for the support pages: sortable headers and query strings."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """Return the current query string with ``changes`` applied (None drops)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def sort_th(context, key, label, css_class=""):
    """Render a ``<th>`` whose link sorts by ``key`` (again: descending)."""
    current = context.get("sort", "")
    if current == key:
        next_key, state = f"-{key}", "ascending"
    elif current == f"-{key}":
        next_key, state = key, "descending"
    else:
        next_key, state = key, "none"
    href = query_with(context, sort=next_key, page=None)
    return format_html(
        '<th scope="col" class="{}"><a href="{}" aria-sort="{}">{}</a></th>',
        css_class,
        href,
        state,
        label,
    )


@register.filter
def yuan(value):
    """Format an amount in yuan with thousands separators and two decimals."""
    if value is None or value == "":
        return ""
    try:
        return f"{value:,.2f}"
    except (TypeError, ValueError):
        return value


@register.filter
def yuan0(value):
    """Format a whole amount in yuan with thousands separators: 300,000."""
    try:
        return f"{value:,.0f}"
    except (TypeError, ValueError):
        return value
