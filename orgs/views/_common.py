"""Paging and form helpers shared by the organisation pages."""

from portal import pages

PAGE_SIZE = 50


def _page_by_ids(request, queryset, size=PAGE_SIZE):
    """Return a page of ``queryset``: sort and slice ids first, then fetch rows.

    Sorting ten thousand narrow id rows is cheap; sorting them after joining
    every related table is not.
    """
    page = pages.page(request, queryset.values_list("pk", flat=True), size)
    ids = list(page.object_list)
    rows = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
    page.object_list = [rows[pk] for pk in ids]
    return page


def _clean_kwargs(data, *names):
    return {n: data[n] for n in names if n in data}
