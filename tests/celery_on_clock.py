"""``celery`` on the suite's clock: ``python -m tests.celery_on_clock -A config …``.

The real-worker tests start workers and beat as processes of their own; on the
real clock they would write heartbeats and compute "this month" months away
from the test's stated date (``tests/clock.py``). ``PORTAL_TEST_CLOCK_OFFSET``
(seconds, ``clock.offset()``) moves this process by the test's offset, ticking.
With ``PORTAL_TEST_TASK_LOG`` set, each finished task appends a line
``<task name> <state>`` to that file: the record a test reads to see what ran.
"""

import datetime as dt
import os
import sys
import time

import time_machine


def _log_tasks(path):
    from celery.signals import task_postrun

    def record(sender=None, state=None, **kwargs):
        with open(path, "a", encoding="utf-8") as log:
            log.write(f"{sender.name} {state}\n")

    task_postrun.connect(record, weak=False)


def main():
    offset = float(os.environ.get("PORTAL_TEST_CLOCK_OFFSET") or 0)
    if offset:
        now = dt.datetime.fromtimestamp(time.time() + offset, dt.UTC)
        time_machine.travel(now, tick=True).start()
        time.time()  # time-machine ticks from the first reading: tick from now
    if os.environ.get("PORTAL_TEST_TASK_LOG"):
        _log_tasks(os.environ["PORTAL_TEST_TASK_LOG"])
    from celery.__main__ import main as celery

    sys.argv[0] = "celery"
    sys.exit(celery())


if __name__ == "__main__":
    main()
