"""Template helpers of the organisation pages: masked phones, sortable headers."""

from django import template
from django.utils.html import format_html

from orgs.models import mask_phone

register = template.Library()


@register.filter
def phone(value, show=False):
    """Return the phone in full when ``show`` (the viewer may see it), else masked."""
    return value if show else mask_phone(value)


@register.simple_tag(takes_context=True)
def sort_th(context, field, label, param="o"):
    """Return a sortable ``<th>``: a link toggling ascending/descending order."""
    request = context["request"]
    current = request.GET.get(param, "")
    if current == field:
        target, sort = f"-{field}", "ascending"
    elif current == f"-{field}":
        target, sort = field, "descending"
    else:
        target, sort = field, "none"
    query = request.GET.copy()
    query[param] = target
    query.pop("page", None)
    return format_html(
        '<th scope="col"><a href="?{}" aria-sort="{}">{}</a></th>',
        query.urlencode(),
        sort,
        label,
    )
