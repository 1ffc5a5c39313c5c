"""The work centre on every page: the count for the header, the items for a
home page that shows them (computed once per request, only when shown)."""

from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from dashboard.work import request_work_items


def work(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "work_count": SimpleLazyObject(lambda: len(request_work_items(request))),
        "work_items": SimpleLazyObject(lambda: request_work_items(request)),
        "work_today": SimpleLazyObject(timezone.localdate),
    }
