"""Real processes for the real-worker tests: a Redis of their own, Celery
workers and beat on the test database and the suite's clock.

A test that kills or restarts Redis starts its own ``redis-server`` on a free
port (the machine's Redis is shared with other suites); workers and beat run
as ``celery -A config …`` processes (``tests/celery_on_clock.py``) on the test
database, which only PostgreSQL lets another process see.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from config.celery import app as celery_app
from tests import clock

ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate, timeout=20, interval=0.2):
    """Return True as soon as ``predicate()`` holds, False after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def _missing(reason):
    if os.environ.get("CI"):
        pytest.fail(f"CI must provide it: {reason}")
    pytest.skip(reason)


def require_postgres():
    """Skip (fail on CI) unless the test database is one other processes see."""
    if connection.vendor != "postgresql":
        _missing("the worker processes need the test database on PostgreSQL")


def database_url():
    """The test database, for the processes a test starts."""
    db = connection.settings_dict
    credentials = db["USER"] or "postgres"
    if db["PASSWORD"]:
        credentials += f":{db['PASSWORD']}"
    return "postgres://{credentials}@{host}:{port}/{name}".format(
        credentials=credentials,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        name=db["NAME"],
    )


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A ``redis-server`` of the test's own on a free port (no persistence)."""

    def __init__(self, directory):
        self.binary = shutil.which("redis-server")
        if not self.binary:
            _missing("redis-server is not installed")
        self.directory = Path(directory)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(  # noqa: S603
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
                "--logfile",
                str(self.directory / f"redis-{self.port}.log"),
            ],
            start_new_session=True,
        )
        if not wait_for(self.answers, timeout=10, interval=0.05):
            raise RuntimeError("redis-server did not start")
        return self

    def answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self):
        """Kill -9: the broker is gone at once, with everything it held."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self):
        self.kill()


class Celery:
    """``celery -A config <command>`` on the test database and the test's clock."""

    def __init__(self, command, *, broker, log, env=None, args=(), at=None):
        """``at``: an aware datetime the process's clock starts at (ticking);
        by default the test's own clock."""
        self.log = Path(log)
        offset = clock.offset()
        if at is not None:
            real_now = time.time() - clock.offset()
            offset = at.timestamp() - real_now
        self.output = open(self.log, "ab")  # noqa: SIM115 (closed in stop())
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "1",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker,
            "PORTAL_TEST_CLOCK_OFFSET": repr(offset),
            **(env or {}),
        }
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "tests.celery_on_clock", "-A", "config", command]
            + list(args),
            cwd=ROOT,
            env=environment,
            stdout=self.output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def alive(self):
        return self.process.poll() is None

    def text(self):
        return self.log.read_text(encoding="utf-8", errors="replace")

    def kill(self):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.output.close()


def worker(*, broker, log, queue=None, pool="prefork", concurrency=2, env=None):
    """A worker like the Procfile's (prefork by default), ready when returned."""
    name = f"test-{uuid.uuid4().hex[:8]}@%h"
    args = ["--pool", pool, "--concurrency", str(concurrency), "--hostname", name]
    args += ["--loglevel", "INFO"]
    if queue:
        args += ["-Q", queue]
    process = Celery("worker", broker=broker, log=log, env=env, args=args)
    if not wait_for(lambda: " ready." in process.text() or not process.alive, 60):
        process.stop()
        raise RuntimeError("the worker did not start:\n" + process.text())
    if not process.alive:
        raise RuntimeError("the worker exited at start:\n" + process.text())
    return process


@contextlib.contextmanager
def publishing_to(url, **conf):
    """Send this process's tasks through ``url`` (not in-process) meanwhile."""
    keys = ("broker_url", "broker_write_url", "task_always_eager", *conf)
    saved = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(
        broker_url=url, broker_write_url=url, task_always_eager=False, **conf
    )
    _forget_pools()
    try:
        yield
    finally:
        celery_app.conf.update(saved)
        _forget_pools()


def _forget_pools():
    # Celery caches its connection and producer pools on the app; forget them
    # so the next publish builds them from the broker URL now configured.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
