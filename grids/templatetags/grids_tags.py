"""Template helpers of the grid pages: sortable headers, status badges."""

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from grids.models import CaseLevel, CaseStatus

register = template.Library()

STATUS_BADGE = {
    CaseStatus.OPEN: "warn",
    CaseStatus.CLOSED: "info",
    CaseStatus.CONFIRMED: "ok",
}
LEVEL_BADGE = {
    CaseLevel.CELL: "",
    CaseLevel.COMMUNITY: "info",
    CaseLevel.STREET: "bad",
}


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


@register.simple_tag
def case_status(case):
    """Return the status badge of a case (overdue shown in red)."""
    if case.status == CaseStatus.OPEN and case.deadline < timezone.localdate():
        return format_html(
            '<span class="badge bad">{}</span>',
            _("超期") + "·" + case.get_status_display(),
        )
    return format_html(
        '<span class="badge {}">{}</span>',
        STATUS_BADGE.get(case.status, ""),
        case.get_status_display(),
    )


@register.simple_tag
def case_level(case):
    return format_html(
        '<span class="badge {}" data-level="{}">{}</span>',
        LEVEL_BADGE.get(case.level, ""),
        case.level,
        case.get_level_display(),
    )
