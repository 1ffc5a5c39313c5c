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

Processes a test starts (a real Celery worker) share the test's clock when
started as ``python -m tests.clock <module> <args…>`` with ``child_env()`` in
their environment: the same offset from the real clock, so "now" is the same
instant in the test and in the worker.
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
#: Set in a child process's environment: seconds from the real clock to ours.
OFFSET_VARIABLE = "PORTAL_TEST_CLOCK_OFFSET"

_state = {"traveller": None, "offset": None}


def start():
    """Move this process to ``FROZEN_AT``; the clock ticks from there.

    A child process of a test (``OFFSET_VARIABLE`` set) takes its parent's
    clock instead.
    """
    if _state["traveller"] is None and _state["offset"] is None:
        inherited = os.environ.get(OFFSET_VARIABLE)
        if inherited:
            _state["offset"] = float(inherited)
            resume()
        else:
            _state["offset"] = FROZEN_AT.timestamp() - time.time()
            _resume_at(FROZEN_AT)


def child_env():
    """Return the environment variables that give a child process our clock."""
    if _state["offset"] is None:
        return {}
    return {OFFSET_VARIABLE: repr(_state["offset"])}


def _resume_at(destination):
    traveller = time_machine.travel(destination, tick=True)
    traveller.start()
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


def local(year, month, day, hour=10, minute=0):
    """Return an aware datetime at that local (Asia/Shanghai) time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ)


def travel(destination, tick=True):
    """Return a time-machine travel to ``destination`` (a local datetime)."""
    return time_machine.travel(destination, tick=tick)


def _main():
    """Run ``python -m tests.clock <module> <args…>`` on the parent's clock."""
    import runpy
    import sys

    start()
    module, *args = sys.argv[1:]
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    _main()
