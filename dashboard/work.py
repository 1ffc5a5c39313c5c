"""The work centre (我的待办): every app's work for one user, overdue first.

Each app computes its own items (``<app>/work.py``, ``work_items(user)``),
each a fixed number of queries; nothing is stored, so done work leaves the
list on the next request.
"""

from collections.abc import Callable

from django.http import HttpRequest
from django.utils import timezone

from evaluations import work as evaluations_work
from grids import work as grids_work
from meetings import work as meetings_work
from portal.models import User
from portal.work import WorkItem, work_sort
from support import work as support_work
from volunteers import work as volunteers_work

#: Each app's ``work_items(user)``.
SOURCES: list[Callable[[User], list[WorkItem]]] = [
    meetings_work.work_items,
    grids_work.work_items,
    evaluations_work.work_items,
    support_work.work_items,
    volunteers_work.work_items,
]

_CACHE_ATTR = "_portal_work_items"


def work_items(user: User) -> list[WorkItem]:
    """Return the user's work, overdue first, then by deadline."""
    items: list[WorkItem] = []
    for source in SOURCES:
        items += source(user)
    return work_sort(items, timezone.localdate())


def request_work_items(request: HttpRequest) -> list[WorkItem]:
    """Return the signed-in user's work, computed once per request."""
    cached: list[WorkItem] | None = getattr(request, _CACHE_ATTR, None)
    if cached is None:
        user = request.user
        cached = work_items(user) if isinstance(user, User) else []
        setattr(request, _CACHE_ATTR, cached)
    return cached
