"""One entry of a user's work centre (我的待办), as every app hands it in.

Each app computes its own entries from its data in ``<app>/work.py``
(``work_items(user) -> list[WorkItem]``); ``dashboard.work`` gathers and sorts
them. Nothing is stored: work that is done leaves the list on the next load.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class WorkItem:
    """What to do, why, by when, and where (``url`` is ``None`` when the user
    may not follow the link)."""

    #: A stable name of the kind of work (``meetings.minutes``), for pages and tests.
    kind: str
    title: str
    reason: str
    url: str | None = None
    due: date | None = None

    def is_overdue(self, today: date) -> bool:
        """Return whether the deadline has passed."""
        return self.due is not None and self.due < today


def work_sort(items: Iterable[WorkItem], today: date) -> list[WorkItem]:
    """Return ``items`` overdue first, then by deadline (none last), then title."""

    def key(item: WorkItem) -> tuple[int, date, str]:
        rank = 0 if item.is_overdue(today) else 1 if item.due else 2
        return (rank, item.due or date.max, item.title)

    return sorted(items, key=key)
