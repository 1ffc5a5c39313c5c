"""The number of work-centre items, for the header of every page."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from dashboard.work import request_work_items


def work(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Counted only when a template shows it (the header does).
    return {"work_count": SimpleLazyObject(lambda: len(request_work_items(request)))}
