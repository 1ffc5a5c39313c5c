"""The suite's clock: every test runs on a stated date, never on today's.

The test processes start at ``FROZEN_AT`` (Asia/Shanghai) and the clock ticks
from there, so a whole run sees one known date whatever day it runs on; code
that waits for time to pass still works. ``PORTAL_TEST_NOW`` (``YYYY-MM-DD
HH:MM``, local time) states another date: CI runs the date-sensitive tests
(marker ``dates``) at two more (``make test-dates``).

The browser journeys (``tests/e2e/``) drive a live portal in other processes
on the real clock; ``pause()`` and ``resume()`` hand them real time and take
the stated clock back afterwards, with the same offset from the real clock.

A test that needs another moment moves there itself with ``travel(...)``
(a context manager, nested inside this clock) or the ``time_machine`` fixture.

Processes a test starts (real Celery workers, beat) run on the same clock:
``tests/celery_on_clock.py`` moves them by ``offset()``.
"""

import datetime as dt
import os
import time
from zoneinfo import ZoneInfo

import time_machine

TZ = ZoneInfo("Asia/Shanghai")
#: A Thursday in the middle of a month, mid-morning: far from every boundary,
#: after the month's 大党委 meetings (third Wednesday) and before the 大工委's
#: (last Friday).
DEFAULT = "2026-06-18 10:00"


def _parse(text):
    local = dt.datetime.strptime(text.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=TZ)
    return local.astimezone(dt.UTC)


FROZEN_AT = _parse(os.environ.get("PORTAL_TEST_NOW") or DEFAULT)
_state = {"traveller": None, "offset": None}


def start():
    """Move this process to ``FROZEN_AT``; the clock ticks from there."""
    if _state["traveller"] is None and _state["offset"] is None:
        _state["offset"] = FROZEN_AT.timestamp() - time.time()
        _resume_at(FROZEN_AT)


def _resume_at(destination):
    traveller = time_machine.travel(destination, tick=True)
    traveller.start()
    # time-machine ticks from the first reading: read now, so the stated clock
    # keeps ``offset()`` from the real one (the processes a test starts use it).
    time.time()
    _state["traveller"] = traveller


def pause():
    """Give the process the real clock (the live portal's) until ``resume()``."""
    traveller = _state["traveller"]
    if traveller is not None:
        traveller.stop()
        _state["traveller"] = None


def resume():
    """Take the stated clock back, as far on as real time went meanwhile."""
    if _state["traveller"] is None and _state["offset"] is not None:
        now = time.time() + _state["offset"]
        _resume_at(dt.datetime.fromtimestamp(now, dt.UTC))


def offset():
    """Return how far (seconds) the stated clock is from the real one.

    Processes the tests start themselves (a Celery worker, beat) take it to
    run on the same clock: ``tests/celery_on_clock.py``.
    """
    return _state["offset"] or 0.0


def local(year, month, day, hour=10, minute=0):
    """Return an aware datetime at that local (Asia/Shanghai) time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ)


def travel(destination, tick=True):
    """Return a time-machine travel to ``destination`` (a local datetime)."""
    return time_machine.travel(destination, tick=tick)
