"""Load test runner: gunicorn on 127.0.0.1 with the demo street, then locust.

    .venv/bin/python bench/load.py                 # 50 users, 60 s
    .venv/bin/python bench/load.py --users 20 --seconds 30

Uses the bench's demo-street database (``portal_bench_1``, built by
``bench/run.py`` or here when missing), collects the static files, starts
gunicorn bound to 127.0.0.1 only, runs locust headless (at most 50 users and
60 s) over ``bench/locustfile.py``, stops gunicorn and prints p50/p95/p99 and
the error count per page and in total. Exits 0 whatever the figures.
"""

import argparse
import csv
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._data import (  # noqa: E402 (the path above first)
    PASSWORD,
    PYTHON,
    ROOT,
    SERVER,
    WORKER_ENV,
    ensure_database,
)

MAX_USERS = 50
MAX_SECONDS = 60


def _wait_for(url, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.5)
    return False


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=MAX_USERS)
    parser.add_argument("--seconds", type=int, default=MAX_SECONDS)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--database", default="portal_bench_1")
    args = parser.parse_args(argv)
    users = max(1, min(args.users, MAX_USERS))
    seconds = max(5, min(args.seconds, MAX_SECONDS))
    note, _built = ensure_database(args.database, 1, rebuild=False)
    print(f"{args.database}: {note}", flush=True)
    env = {
        **os.environ,
        **WORKER_ENV,
        "DATABASE_URL": f"{SERVER}/{args.database}",
        "BENCH_PASSWORD": PASSWORD,
    }
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    out = ROOT / "var" / "load"
    out.mkdir(parents=True, exist_ok=True)
    # Signed-in sessions made beforehand: fifty password hashes at the start
    # would measure the hasher (deliberately slow), not the pages.
    subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", SESSIONS % {"n": users, "out": out}],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    host = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--access-logfile",
            "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(out / "gunicorn.log").open("w"),
        start_new_session=True,
    )
    try:
        if not _wait_for(f"{host}/healthz/"):
            print("gunicorn 未能启动，见 var/load/gunicorn.log")
            return 0
        print(
            f"压测：{users} 个用户，{seconds} 秒，gunicorn {args.workers} 个进程，"
            f"{host}",
            flush=True,
        )
        subprocess.run(
            [
                str(Path(PYTHON).parent / "locust"),
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--users",
                str(users),
                "--spawn-rate",
                str(max(1, users // 5)),
                "--run-time",
                f"{seconds}s",
                "--host",
                host,
                "--csv",
                str(out / "locust"),
                "--only-summary",
                "--loglevel",
                "ERROR",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=seconds + 60,
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print(summary(out / "locust_stats.csv", out / "locust_failures.csv"))
    return 0


SESSIONS = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from portal.models import User
sessions = {}
for name in ("staff", "secretary1", "unithead1", "gridworker1", "volunteer1"):
    user = User.objects.get(username=name)
    keys = sessions.setdefault(name, [])
    for _ in range(%(n)d):
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        keys.append(store.session_key)
open("%(out)s/sessions.json", "w").write(json.dumps(sessions))
"""


def summary(stats_path, failures_path):
    if not stats_path.exists():
        return "locust 没有写出结果（见 var/load/）。"
    with stats_path.open() as f:
        rows = list(csv.DictReader(f))
    lines = [
        f"{'页面':<40} {'请求':>6} {'错误':>5} {'p50':>7} {'p95':>7} {'p99':>7} {'次/秒':>7}"
    ]
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "合计"
        lines.append(
            f"{name[:40]:<40} {row['Request Count']:>6} {row['Failure Count']:>5}"
            f" {row['50%']:>5}ms {row['95%']:>5}ms {row['99%']:>5}ms"
            f" {float(row['Requests/s']):>7.1f}"
        )
    if failures_path.exists():
        with failures_path.open() as f:
            for failure in list(csv.DictReader(f))[:10]:
                lines.append(
                    f"  错误 {failure['Method']} {failure['Name']}: "
                    f"{failure['Error'][:80]} ×{failure['Occurrences']}"
                )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
