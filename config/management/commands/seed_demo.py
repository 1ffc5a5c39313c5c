"""Create the demo street (requirements S1–S24) and the demo logins."""

import multiprocessing
import os
import secrets
import time
import traceback
from queue import Empty

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

from config.demo import SEED_STEPS, build_street
from portal.bulk import RowCounter, foreign_key_problems, loading

DEMO_LOGINS_FILE = "demo-logins.txt"


class Command(BaseCommand):
    help = "创建演示街道（张湾街道）及演示账号。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--password", help="所有演示账号的密码（不给则随机生成并打印）"
        )
        parser.add_argument(
            "--force", action="store_true", help="数据库已有数据时清空后重建"
        )
        parser.add_argument(
            "--streets", type=int, default=1, help="生成的街道数（性能测试用）"
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=0,
            help="并行生成第 2 个起各街道的进程数（默认：PostgreSQL 上 2，SQLite 上 1）",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="数据库已有数据时什么也不做"
        )

    def handle(
        self,
        *args,
        password=None,
        force=False,
        streets=1,
        if_empty=False,
        jobs=0,
        verbosity=1,
        **kw,
    ):
        from django.conf import settings

        from orgs.models import OrgNode
        from portal.models import User

        if streets < 1:
            raise CommandError("--streets 至少为 1。")
        has_data = OrgNode.objects.exists() or User.objects.exists()
        if has_data and if_empty:
            self.stdout.write("数据库已有数据，跳过演示数据。")
            return
        if has_data and not force:
            raise CommandError(
                "数据库中已有数据；如确要清空并重建演示数据，请加 --force。"
            )
        if has_data:
            self.stdout.write("清空现有数据……")
            call_command("flush", interactive=False, verbosity=0)
        password = password or secrets.token_urlsafe(9)
        jobs = max(1, min(jobs or _default_jobs(), streets - 1 or 1))
        progress = _Progress(self.stdout, streets, len(SEED_STEPS))
        report = _Reporter(self.stdout, progress, streets, verbosity)
        started = time.monotonic()
        shared = {}
        # Street 1, the demo street, first and here: its ids, logins and
        # password hash come first; the other streets follow in ``jobs``
        # processes (each street is its own tree, so they do not collide).
        first, trusted = _build_streets(
            [0], password, shared, report.event, stdout=self.stdout
        )
        if streets > 1 and jobs > 1:
            _build_in_processes(streets, jobs, password, shared, report.event)
        elif streets > 1:
            _build_streets(range(1, streets), password, shared, report.event)
        progress.done()
        if trusted:
            self.stdout.write("检查外键……")
            problems = foreign_key_problems()
            if problems:
                raise CommandError(
                    "演示数据的外键有误（数据已写入，请修正后加 --force 重建）：\n"
                    + "\n".join(f"  {t}.{c}: {n} 行" for t, c, n in problems)
                )
        _analyze()
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                "演示数据已生成：%d 个街道，%s 行，用时 %.1fs（%s 行/秒）。"
                % (
                    streets,
                    f"{report.rows:,}",
                    elapsed,
                    f"{report.rows / max(elapsed, 1e-9):,.0f}",
                )
            )
        )
        ctx = first
        logins = ctx.data.get("logins", [])
        lines = [f"{username:<12} {label}" for username, label in logins]
        text = "演示账号（密码均为 %s）：\n%s\n" % (password, "\n".join(lines))
        notes = ctx.data.get("login_notes", [])
        if notes:
            text += "\n".join(notes) + "\n"
        if streets > 1:
            text += (
                "另有第 2–%d 个街道的账号，用户名加前缀 s<n>-（如 s2-staff、"
                "s2-secretary1），密码相同。\n" % streets
            )
        (settings.VAR_DIR / DEMO_LOGINS_FILE).write_text(text, encoding="utf-8")
        self.stdout.write(text)


def _analyze():
    """After the bulk load, what autovacuum would do some minutes later: fresh
    planner statistics for every table, so first pages plan well, and the
    visibility map, so index-only scans (the evaluation's and the dashboard's
    counts) need not visit the rows. Outside a transaction (VACUUM can't be
    in one)."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _default_jobs():
    if connection.vendor != "postgresql":
        return 1  # one writer at a time on SQLite
    return min(2, os.cpu_count() or 1)


def _build_streets(indexes, password, shared, event, stdout=None):
    """Build the streets at ``indexes``; return the first context and whether
    foreign keys were trusted (triggers off). Report each step to ``event``.
    """
    first = None
    with RowCounter() as counter, loading(trust_keys=True) as trusted:
        for index in indexes:
            ctx = build_street(
                index,
                password=password,
                shared=shared,
                stdout=stdout,
                counter=counter,
                on_step=event,
            )
            first = first or ctx
    return first, trusted


def _street_worker(indexes, password, shared, queue):
    """Build some streets in a child process, reporting through ``queue``."""
    try:
        _build_streets(indexes, password, shared, lambda *e: queue.put(("step", e)))
        queue.put(("done", None))
    except BaseException:
        queue.put(("error", traceback.format_exc()))
    finally:
        connections.close_all()


def _build_in_processes(streets, jobs, password, shared, event):
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    connections.close_all()  # each child opens its own
    workers = [
        context.Process(
            target=_street_worker,
            args=(list(range(1 + j, streets, jobs)), password, shared, queue),
            daemon=True,
        )
        for j in range(jobs)
    ]
    for w in workers:
        w.start()
    running, errors = len(workers), []
    while running:
        try:
            kind, payload = queue.get(timeout=5)
        except Empty:
            if not any(w.is_alive() for w in workers):
                errors.append("生成进程意外退出。")
                break
            continue
        if kind == "step":
            event(*payload)
        else:
            running -= 1
            if kind == "error":
                errors.append(payload)
    for w in workers:
        if errors:
            w.terminate()
        w.join()
    if errors:
        raise CommandError("生成街道时出错：\n" + "\n".join(errors))


class _Reporter:
    """Collect the steps' reports: per-step lines, rows and the bar."""

    def __init__(self, out, progress, streets, verbosity):
        self.out = out
        self.progress = progress
        self.streets = streets
        self.verbosity = verbosity
        self.rows = 0

    def event(self, index, k, app, rows, seconds):
        self.rows += rows
        if self.streets == 1:
            self.out.write(f"  {app}: {seconds:.1f}s")
        elif self.verbosity > 1:
            self.out.write(f"  街道 {index + 1} {app}: {seconds:.1f}s，{rows:,} 行")
        if self.streets > 1:
            self.progress.step(app, self.rows)


class _Progress:
    """A progress bar on one line (a line per street when not a terminal)."""

    WIDTH = 30

    def __init__(self, out, streets, steps):
        self.out = out
        self.total = streets * steps
        self.steps = steps
        self.streets = streets
        self.done_steps = 0
        self.started = time.monotonic()
        self.tty = getattr(out, "isatty", lambda: False)()

    def step(self, app, rows):
        self.done_steps += 1
        done = self.done_steps
        elapsed = time.monotonic() - self.started
        filled = int(self.WIDTH * done / self.total)
        eta = elapsed / done * (self.total - done)
        line = "[%s%s] 街道 %d/%d %-11s %s 行 %s 行/秒 剩余约 %s" % (
            "#" * filled,
            "-" * (self.WIDTH - filled),
            done // self.steps,
            self.streets,
            app,
            f"{rows:,}",
            f"{rows / max(elapsed, 1e-9):,.0f}",
            _duration(eta),
        )
        if self.tty:
            self.out.write("\r" + line, ending="")
            self.out.flush()
        elif done % self.steps == 0:
            self.out.write(line)

    def done(self):
        if self.tty and self.done_steps:
            self.out.write("")


def _duration(seconds):
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"
