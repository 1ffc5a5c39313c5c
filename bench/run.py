"""Benchmark: each figure beside its floor, at 1 street and at N streets.

    .venv/bin/python bench/run.py                # N = 20
    .venv/bin/python bench/run.py --streets 100  # the full city
    .venv/bin/python bench/run.py --rebuild      # build the databases again

Builds (or reuses) two PostgreSQL databases with ``seed_demo``:
``portal_bench_1`` (the demo street) and ``portal_bench_<N>``. Each is served
by a worker process running the portal with ``DEBUG`` off; every figure is
measured there side by side with its floor in the same run, at least five
runs, and the table shows medians and their ratio against the issue's
target. Not a test: it prints and exits 0, whatever the figures.

The dashboard is whatever the home page of the demo ``staff`` login shows or
links to (a link whose address holds "dashboard", else the home page itself),
and its API is ``/api/v1/stats/``.
"""

import argparse
import datetime
import io
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
PASSWORD = "bench-pass-2026"  # noqa: S105 (logins of a throwaway database)
#: Settings of the workers: the portal in production mode, served locally.
WORKER_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "LOG_LEVEL": "ERROR",
    "PORTAL_LOG_LEVEL": "ERROR",
}
IMPORT_ROWS = 10_000
PAGE_ROWS = 500
EXPORT_ROWS = 12_000
#: The people export: at most this many times the floor, and under 5 s.
EXPORT_TARGET_RATIO = 2
EXPORT_TARGET_SECONDS = 5

# -- the parent: databases, rounds, the table ---------------------------------------


@contextmanager
def _admin():
    """A cursor on the server's ``postgres`` database, outside transactions."""
    import psycopg2

    connection = psycopg2.connect(f"{SERVER}/postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            yield cursor
    finally:
        connection.close()


def _database_note(name):
    with _admin() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database"
            " WHERE datname = %s",
            [name],
        )
        row = cursor.fetchone()
    return None if row is None else (row[0] or "")


def _manage(database, *args, env=None):
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **WORKER_ENV, "DATABASE_URL": f"{SERVER}/{database}"},
        capture_output=True,
        text=True,
        check=True,
    )


def ensure_database(name, streets, rebuild):
    """Build ``name`` with ``streets`` streets unless it is there already."""
    note = _database_note(name)
    tag = f"bench: seed_demo --streets {streets},"
    if note is not None and note.startswith(tag) and not rebuild:
        _manage(name, "migrate", "-v0")
        return note, False
    with _admin() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    print(f"生成 {name}（{streets} 个街道）……", flush=True)
    _manage(name, "migrate", "-v0")
    started = time.monotonic()
    done = _manage(name, "seed_demo", "--streets", str(streets), "--password", PASSWORD)
    seconds = time.monotonic() - started
    rows = re.search(r"([\d,]+) 行，用时", done.stdout)
    rows = int(rows.group(1).replace(",", "")) if rows else 0
    note = (
        f"{tag} {rows} rows in {seconds:.0f} s ({rows / seconds:,.0f} rows/s),"
        f" {datetime.date.today()}"
    )
    with _admin() as cursor:
        cursor.execute(f"COMMENT ON DATABASE \"{name}\" IS '{note}'")
    return note, True


class Worker:
    """A process serving one database; one JSON request and answer a line."""

    def __init__(self, database, script=__file__):
        self.database = database
        self.process = subprocess.Popen(
            [PYTHON, str(Path(script).resolve()), "--worker", database],
            cwd=ROOT,
            env={**os.environ, **WORKER_ENV, "DATABASE_URL": f"{SERVER}/{database}"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def call(self, command, **kwargs):
        self.process.stdin.write(json.dumps({"cmd": command, **kwargs}) + "\n")
        self.process.stdin.flush()
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError(f"worker for {self.database} stopped")
            if line.startswith("@@"):
                answer = json.loads(line[2:])
                if "error" in answer:
                    raise RuntimeError(f"{self.database}: {answer['error']}")
                return answer

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


def machine():
    cpu = "?"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = "?"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        ram = f"{kib / 1024 / 1024:.1f} GiB"
    with _admin() as cursor:
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone()
        cursor.execute("SHOW shared_buffers")
        (buffers,) = cursor.fetchone()
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",) * 3
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram": ram,
        "postgres": f"{version} (shared_buffers {buffers})",
        "python": platform.python_version(),
        "load": " ".join(f"{x:.2f}" if isinstance(x, float) else x for x in load),
    }


def _median(values):
    return statistics.median(values) if values else float("nan")


def _ms(seconds):
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streets", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--prefix", default="portal_bench")
    args = parser.parse_args(argv)
    runs = max(args.runs, 5)
    n = args.streets
    started = time.monotonic()
    host = machine()
    print(
        f"基准测试 {datetime.datetime.now():%Y-%m-%d %H:%M} · {host['cpu']} · "
        f"{host['cores']} 核 · 内存 {host['ram']} · PostgreSQL {host['postgres']}"
        f" · Python {host['python']} · 负载 {host['load']}",
        flush=True,
    )
    one_db, n_db = f"{args.prefix}_1", f"{args.prefix}_{n}"
    notes = {}
    for name, streets in ((one_db, 1), (n_db, n)):
        build_started = time.monotonic()
        note, built = ensure_database(name, streets, args.rebuild)
        notes[name] = (note, built, time.monotonic() - build_started)
        print(f"{name}: {'新建' if built else '沿用'} · {note}", flush=True)
    one, many = Worker(one_db), Worker(n_db)
    try:
        info = {w.database: w.call("setup") for w in (one, many)}
        results = {(w.database, f): [] for w in (one, many) for f in FIGURES}
        for run in range(runs):
            for figure, where in FIGURES.items():
                for worker in (one, many) if where == "both" else (many,):
                    results[worker.database, figure].append(worker.call(figure))
            print(f"  第 {run + 1}/{runs} 轮完成", flush=True)
    finally:
        one.close()
        many.close()
    table, checks, absolute = report(results, one_db, n_db, n, info)
    elapsed = time.monotonic() - started
    print()
    print(table)
    print()
    print("\n".join(checks))
    print()
    print("\n".join(absolute))
    print(
        f"\n总用时 {elapsed / 60:.1f} 分钟（含建库 "
        + "，".join(f"{k} {v[2]:.0f}s" for k, v in notes.items())
        + "）。"
    )
    return 0


#: figure → where it is measured ("both": at 1 street and at N streets).
FIGURES = {
    "evaluation": "n",
    "dashboard": "both",
    "subtree": "n",
    "tree_write": "both",
    "import_members": "n",
    "balance": "n",
    "api_page": "n",
    "people_export": "n",
}


def report(results, one_db, n_db, n, info):
    def med(db, figure, key):
        return _median([r[key] for r in results[db, figure]])

    # number, label, (database, figure, key) measured, the same of its floor, target
    table = [
        ("1", f"月度评议（全部单位和委员会，{n} 个街道）÷ SQL 下限 INSERT…SELECT…GROUP BY",
         (n_db, "evaluation", "app"), (n_db, "evaluation", "floor"), 3),
        ("2a", f"街道首页（{n} 个街道）÷ 常量视图",
         (n_db, "dashboard", "page"), (n_db, "dashboard", "constant"), 5),
        ("2b", f"统计接口 /api/v1/stats/（{n} 个街道）÷ 常量视图",
         (n_db, "dashboard", "api"), (n_db, "dashboard", "constant"), 5),
        ("2c", f"街道首页不用缓存（写入后第一次）（{n} 个街道）÷ 常量视图",
         (n_db, "dashboard", "page_cold"), (n_db, "dashboard", "constant"), 5),
        ("3a", f"街道首页：{n} 个街道 ÷ 1 个街道",
         (n_db, "dashboard", "page"), (one_db, "dashboard", "page"), 1.5),
        ("3b", f"统计接口：{n} 个街道 ÷ 1 个街道",
         (n_db, "dashboard", "api"), (one_db, "dashboard", "api"), 1.5),
        ("3c", f"街道首页不用缓存：{n} 个街道 ÷ 1 个街道",
         (n_db, "dashboard", "page_cold"), (one_db, "dashboard", "page_cold"), 1.5),
        ("4", "社区单位子树（mptt）÷ WHERE community_id = …",
         (n_db, "subtree", "app"), (n_db, "subtree", "floor"), 2),
        ("5a", f"树上新增叶子：{n} 个街道 ÷ 1 个街道",
         (n_db, "tree_write", "insert"), (one_db, "tree_write", "insert"), 2),
        ("5b", f"树上移动节点：{n} 个街道 ÷ 1 个街道",
         (n_db, "tree_write", "move"), (one_db, "tree_write", "move"), 2),
        ("6", f"Excel 导入 {IMPORT_ROWS:,} 名党员 ÷ 解析同一文件 + bulk_create",
         (n_db, "import_members", "app"), (n_db, "import_members", "floor"), 2),
        ("7", "个人积分余额 ÷ 按主键取一行",
         (n_db, "balance", "app"), (n_db, "balance", "floor"), 3),
        ("8", f"接口 {PAGE_ROWS} 行一页 ÷ 同样的行用 .values() 取成字典",
         (n_db, "api_page", "app"), (n_db, "api_page", "floor"), 4),
        ("9", f"导出 {EXPORT_ROWS:,} 名人员 .xlsx ÷ openpyxl 只写模式写同样的行",
         (n_db, "people_export", "app"), (n_db, "people_export", "floor"),
         EXPORT_TARGET_RATIO),
    ]  # fmt: skip
    rows = []
    for number, label, app, floor, target in table:
        app, floor = med(*app), med(*floor)
        ratio = app / floor if floor else float("inf")
        rows.append(
            (
                number,
                label,
                _ms(app),
                _ms(floor),
                f"{ratio:.2f}",
                f"≤ {target:g}",
                "✓" if ratio <= target else "✗",
            )
        )
    header = ("#", "指标", "实测", "下限", "比值", "目标", "")
    widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(7)]
    lines = [
        "  ".join(_pad(str(c), widths[i]) for i, c in enumerate(r))
        for r in [header, *rows]
    ]
    lines.insert(1, "-" * len(lines[0]))
    checks = []
    evaluations = results[n_db, "evaluation"]
    equal = all(r["equal"] == r["compared"] == r["units"] for r in evaluations)
    last = evaluations[-1]
    checks.append(
        "评议得分与 SQL 下限逐个单位、委员会比对："
        f"{last['equal']:,}/{last['units']:,} 相同"
        + ("（每一轮都相同）" if equal else "（有不同！）")
    )
    for db in (one_db, n_db):
        checks.append(f"{db}：首页 {info[db]['dashboard']}，接口 {info[db]['api']}")
    absolute = ["绝对数字（中位数）："]
    ev_app = med(n_db, "evaluation", "app")
    absolute.append(
        f"  评议：{last['units']:,} 个单位和委员会 {ev_app:.2f} s"
        f"（{last['units'] / ev_app:,.0f} 个/秒）；SQL 下限 {med(n_db, 'evaluation', 'floor'):.2f} s"
    )
    for db, label in ((one_db, "1 个街道"), (n_db, f"{n} 个街道")):
        page = med(db, "dashboard", "page")
        api = med(db, "dashboard", "api")
        constant = med(db, "dashboard", "constant")
        absolute.append(
            f"  {label}：首页 {_ms(page)}（{1 / page:,.0f} 次/秒），接口 {_ms(api)}"
            f"（{1 / api:,.0f} 次/秒），常量视图 {_ms(constant)}"
            f"（{1 / constant:,.0f} 次/秒）；新增叶子 "
            f"{_ms(med(db, 'tree_write', 'insert'))}，移动节点 "
            f"{_ms(med(db, 'tree_write', 'move'))}"
        )
    imp = med(n_db, "import_members", "app")
    absolute.append(
        f"  导入：{IMPORT_ROWS:,} 行 {imp:.2f} s（{IMPORT_ROWS / imp:,.0f} 行/秒）；"
        f"解析 + bulk_create {med(n_db, 'import_members', 'floor'):.2f} s"
    )
    absolute.append(
        f"  子树 {info[n_db]['subtree_rows']} 行 {_ms(med(n_db, 'subtree', 'app'))}；"
        f"余额 {_ms(med(n_db, 'balance', 'app'))}；接口一页 "
        f"{_ms(med(n_db, 'api_page', 'app'))}"
        f"（{PAGE_ROWS / med(n_db, 'api_page', 'app'):,.0f} 行/秒）"
    )
    absolute.append(export_line(lambda key: med(n_db, "people_export", key)))
    return "\n".join(lines), checks, absolute


def export_line(med):
    """The people export's absolute figures; ``med(key)`` gives a median."""
    app = med("app")
    return (
        f"  导出：{EXPORT_ROWS:,} 名人员 {app:.2f} s（{EXPORT_ROWS / app:,.0f} 行/秒，"
        f"目标 < {EXPORT_TARGET_SECONDS} s {'✓' if app < EXPORT_TARGET_SECONDS else '✗'}）；"
        f"其中 SQL 取数约 {_ms(med('sql'))}；openpyxl 只写模式写同样的行 "
        f"{_ms(med('floor'))}；文件 {med('kib'):,.0f} KiB\n"
        f"  导出的 CPU 时间（本进程，不含 PostgreSQL；机器忙时也近于空闲时的用时）："
        f"{_ms(med('app_cpu'))}，openpyxl 只写模式 {_ms(med('floor_cpu'))}，"
        f"比值 {med('app_cpu') / med('floor_cpu'):.2f}"
    )


def _width(text):
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text, width):
    return text + " " * (width - _width(text))


# -- the worker: the portal on one database -----------------------------------------


class Bench:
    """What the worker measures; each method returns one run's timings."""

    def setup(self):
        from django.conf import settings
        from django.db.models import Max
        from django.test import Client
        from django.urls import clear_url_caches

        from orgs.models import OrgKind, OrgNode
        from portal.models import User
        from volunteers.models import Volunteer

        settings.ROOT_URLCONF = "bench.urls"
        clear_url_caches()
        self.staff = User.objects.get(username="staff")
        self.admin = User.objects.get(username="admin")
        self.street = OrgNode.objects.get(code="ZW")
        self.streets = list(OrgNode.objects.filter(kind=OrgKind.STREET).order_by("pk"))
        communities = OrgNode.objects.filter(
            street=self.street, kind=OrgKind.COMMUNITY
        ).order_by("code")
        self.community, self.other_community = communities[0], communities[1]
        self.moved = (
            OrgNode.objects.filter(community=self.community, kind=OrgKind.UNIT)
            .order_by("code")
            .last()
        )
        self.volunteer = Volunteer.objects.get(person__user__username="volunteer1")
        self.client = Client()
        self.client.force_login(self.staff)
        self.dashboard_url = self._dashboard_url()
        self.api_url = "/api/v1/stats/"
        from evaluations.models import Evaluation

        # The last month the seed evaluated (and published): the same month
        # however often the database is reused, since it is only unpublished.
        self.month = Evaluation.objects.aggregate(m=Max("month"))["m"]
        self._unpublish(self.month)
        self._floor_table()
        self.xlsx = self._members_file()
        self.export_setup()
        subtree = self.subtree()
        return {
            "dashboard": self.dashboard_url,
            "api": self.api_url,
            "month": str(self.month),
            "subtree_rows": subtree["rows"],
        }

    def _dashboard_url(self):
        response = self.client.get("/", follow=True)
        final = response.request["PATH_INFO"]
        html = response.content.decode()
        # The street's own dashboard: a link to it (not to one community's,
        # whose address holds an id), else the home page it landed on.
        links = [
            href
            for href in re.findall(r'href="([^"#?]+)', html)
            if "dashboard" in href
            and href.startswith("/")
            and not re.search(r"\d", href)
        ]
        return min(links, key=len) if links else final

    # -- 1 the monthly evaluation and its SQL floor --------------------------------

    def _unpublish(self, month):
        """Take the last published month back to draft, in this database only,
        so the real job may compute it again and again."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE evaluations_evaluation SET publication_id = NULL"
                " WHERE month = %s",
                [month],
            )
            cursor.execute(
                "DELETE FROM evaluations_publication WHERE month = %s", [month]
            )

    def _floor_table(self):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                # Logged, with its key, like the evaluation's own table: the
                # floor stores its scores as durably as the job does.
                "DROP TABLE IF EXISTS bench_floor_scores;"
                " CREATE TABLE bench_floor_scores (kind varchar(16), subject_id"
                " bigint, street_id bigint, score numeric(5, 2), grade varchar(16),"
                " PRIMARY KEY (kind, subject_id))"
            )

    def evaluation(self):
        from django.db import connection

        from evaluations.models import RunTrigger
        from evaluations.services import evaluation_run_execute, evaluation_run_start

        with connection.cursor() as cursor:
            # Each round rewrites the month's results. Between two months'
            # runs autovacuum clears the old row versions; where it is off
            # (this machine's server) they would pile up round after round,
            # so clear them here, untimed, and every round starts alike.
            cursor.execute(
                "VACUUM (ANALYZE) evaluations_evaluation, evaluations_evaluationrun"
            )
            # Untimed, the floor once: both sides then read warm fact tables
            # (else the floor, timed second, always reads what the job warmed).
            cursor.execute("TRUNCATE bench_floor_scores")
            cursor.execute(FLOOR_SQL, _floor_params(self.month))
        started = time.perf_counter()
        for street in self.streets:
            run = evaluation_run_start(
                user=None,
                street=street,
                month=self.month,
                trigger=RunTrigger.COMMAND,
                enqueue=False,
            )
            evaluation_run_execute(run_id=run.pk)
        app = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE bench_floor_scores")
            started = time.perf_counter()
            cursor.execute(FLOOR_SQL, _floor_params(self.month))
            floor = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*), count(e.id),"
                " count(*) FILTER (WHERE e.score = f.score"
                " AND e.computed_grade = f.grade)"
                " FROM bench_floor_scores f LEFT JOIN evaluations_evaluation e"
                " ON e.month = %s AND e.kind = f.kind"
                " AND coalesce(e.unit_id, e.committee_id) = f.subject_id",
                [self.month],
            )
            units, compared, equal = cursor.fetchone()
        return {
            "app": app,
            "floor": floor,
            "units": units,
            "compared": compared,
            "equal": equal,
        }

    # -- 2, 3 the dashboard and its API against a constant -------------------------

    def dashboard(self, repeat=10):
        urls = {
            "page": self.dashboard_url,
            "api": self.api_url,
            "constant": "/bench/constant/",
        }
        times = dict.fromkeys([*urls, "page_cold"], 0.0)
        for url in urls.values():
            assert self.client.get(url).status_code == 200, url
        for _ in range(repeat):
            for key, url in urls.items():
                started = time.perf_counter()
                self.client.get(url)
                times[key] += time.perf_counter() - started
            # The same page computed afresh, as after a write (dashboard.stats_cache).
            from django.test import override_settings

            with override_settings(PORTAL_STATS_CACHE_SECONDS=0):
                started = time.perf_counter()
                self.client.get(self.dashboard_url)
                times["page_cold"] += time.perf_counter() - started
        return {key: value / repeat for key, value in times.items()}

    # -- 4 a subtree against a plain foreign key -----------------------------------

    def subtree(self, repeat=30):
        from orgs.models import OrgKind, OrgNode

        community = self.community
        app = floor = 0.0
        for _ in range(repeat):
            started = time.perf_counter()
            by_tree = list(community.get_descendants().filter(kind=OrgKind.UNIT))
            app += time.perf_counter() - started
            started = time.perf_counter()
            by_key = list(
                OrgNode.objects.filter(community_id=community.pk, kind=OrgKind.UNIT)
            )
            floor += time.perf_counter() - started
        assert {n.pk for n in by_tree} == {n.pk for n in by_key}
        return {"app": app / repeat, "floor": floor / repeat, "rows": len(by_tree)}

    # -- 5 tree writes -------------------------------------------------------------

    def tree_write(self, repeat=5):
        from django.db import transaction

        from orgs.models import UnitKind
        from orgs.services import org_node_move, unit_create

        insert = move = 0.0
        for i in range(repeat):
            with transaction.atomic():
                started = time.perf_counter()
                unit_create(
                    user=None,
                    community=self.community,
                    name=f"基准测试单位{i}",
                    unit_kind=UnitKind.PRIVATE,
                )
                insert += time.perf_counter() - started
                started = time.perf_counter()
                org_node_move(node=self.moved, new_parent=self.other_community)
                move += time.perf_counter() - started
                transaction.set_rollback(True)
        return {"insert": insert / repeat, "move": move / repeat}

    # -- 6 the Excel import against parsing plus bulk_create -----------------------

    def _members_file(self):
        from openpyxl import Workbook

        from orgs.imports import MEMBER_COLUMNS
        from orgs.models import MemberStatus, OrgKind, OrgNode, PartyOrgType

        org = OrgNode.objects.filter(
            parent=self.community,
            kind=OrgKind.PARTY_ORG,
            party_org_type__in=PartyOrgType.values,
        ).first()
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("数据")
        sheet.append([c.header for c in MEMBER_COLUMNS])
        status = str(MemberStatus.REGULAR.label)
        for i in range(IMPORT_ROWS):
            sheet.append(
                [
                    f"基准党员{i:05d}",
                    f"139{i:08d}",
                    "男" if i % 2 else "女",
                    1960 + i % 40,
                    org.code,
                    status,
                    "",
                    "",
                    self.community.name,
                    f"{1990 + i % 30}-07-01",
                ]
            )
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    def _upload(self):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return SimpleUploadedFile("members.xlsx", self.xlsx)

    def import_members(self):
        from django.db import transaction

        from orgs.excel import read_rows
        from orgs.imports import GENDER_BY_LABEL, MEMBER_COLUMNS, STATUS_BY_LABEL
        from orgs.imports import party_members_import as app_import
        from orgs.models import OrgKind, OrgNode, PartyMember, Person

        with transaction.atomic():
            started = time.perf_counter()
            imported = app_import(user=self.admin, upload=self._upload())
            app = time.perf_counter() - started
            transaction.set_rollback(True)
        with transaction.atomic():
            started = time.perf_counter()
            rows = read_rows(self._upload(), MEMBER_COLUMNS)
            orgs = {
                n.code: n
                for n in OrgNode.objects.filter(
                    street=self.street, kind=OrgKind.PARTY_ORG
                )
            }
            communities = dict(
                OrgNode.objects.filter(
                    street=self.street, kind=OrgKind.COMMUNITY
                ).values_list("name", "pk")
            )
            people, members = [], []
            for _number, row in rows:
                org = orgs[str(row["party_org"])]
                person = Person(
                    name=row["name"],
                    phone=str(row["phone"]),
                    gender=GENDER_BY_LABEL.get(row["gender"], ""),
                    birth_year=row["birth_year"],
                    street_id=org.street_id,
                    community_id=communities[row["residence_community"]],
                )
                people.append(person)
                members.append(
                    PartyMember(
                        person=person,
                        party_org=org,
                        status=STATUS_BY_LABEL[row["status"]],
                        directly_managed=org.directly_managed,
                        residence_community_id=person.community_id,
                        street_id=org.street_id,
                        community_id=org.community_id,
                        joined_on=datetime.date.fromisoformat(row["joined_on"]),
                    )
                )
            Person.objects.bulk_create(people, batch_size=1000)
            for member in members:
                member.person_id = member.person.pk
            PartyMember.objects.bulk_create(members, batch_size=1000)
            floor = time.perf_counter() - started
            transaction.set_rollback(True)
        assert imported == len(members) == IMPORT_ROWS, (imported, len(members))
        return {"app": app, "floor": floor}

    # -- 7 a balance against a primary-key lookup ----------------------------------

    def balance(self, repeat=200):
        from volunteers.models import Volunteer
        from volunteers.services import points_balance

        app = floor = 0.0
        for _ in range(repeat):
            started = time.perf_counter()
            points_balance(self.volunteer)
            app += time.perf_counter() - started
            started = time.perf_counter()
            Volunteer.objects.get(pk=self.volunteer.pk)
            floor += time.perf_counter() - started
        return {"app": app / repeat, "floor": floor / repeat}

    # -- 8 an API page against .values() -------------------------------------------

    def api_page(self, repeat=3):
        from orgs.models import OrgKind, OrgNode

        url = f"/api/v1/orgs/?kind=unit&page_size={PAGE_ROWS}"
        fields = (
            "id",
            "kind",
            "name",
            "code",
            "parent_id",
            "street_id",
            "community_id",
            "unit_kind",
            "headcount",
            "address",
            "contact_name",
            "contact_phone",
            "has_party_org",
            "head_id",
            "head__name",
            "party_org_type",
            "secretary_id",
            "secretary__name",
            "directly_managed",
        )

        def floor_rows():
            return list(
                OrgNode.objects.filter(street=self.street, kind=OrgKind.UNIT)
                .order_by("tree_id", "lft")
                .values(*fields)[:PAGE_ROWS]
            )

        self.client.get(url)  # untimed, once each: both then read warm rows
        floor_rows()
        app = floor = 0.0
        for _ in range(repeat):
            started = time.perf_counter()
            response = self.client.get(url)
            app += time.perf_counter() - started
            started = time.perf_counter()
            rows = floor_rows()
            floor += time.perf_counter() - started
        assert len(response.json()["results"]) == len(rows) == PAGE_ROWS
        return {"app": app / repeat, "floor": floor / repeat}

    # -- 9 the people export against openpyxl's write-only floor --------------------

    def export_setup(self):
        """Sign in the demo street's staff (the street's people are theirs)."""
        from django.conf import settings
        from django.test import Client
        from django.urls import clear_url_caches

        from portal.models import User

        settings.ROOT_URLCONF = "bench.urls"
        clear_url_caches()
        self.export_client = Client()
        self.export_client.force_login(User.objects.get(username="staff"))
        self.people_export()  # untimed: imports, caches and rows warmed
        return {"rows": EXPORT_ROWS}

    def _people_to(self, total):
        """Add people to the staff's street until they see ``total``."""
        from orgs import selectors
        from orgs.models import OrgKind, OrgNode, Person
        from portal.models import User

        staff = User.objects.get(username="staff")
        missing = total - selectors.person_list(user=staff).count()
        street = OrgNode.objects.get(code="ZW")
        communities = list(
            OrgNode.objects.filter(street=street, kind=OrgKind.COMMUNITY)
        )
        Person.objects.bulk_create(
            Person(
                name=f"导出基准{i:05d}",
                phone=f"137{i:08d}",
                gender="M" if i % 2 else "F",
                birth_year=1950 + i % 50,
                street=street,
                community=communities[i % len(communities)],
            )
            for i in range(max(missing, 0))
        )
        return staff

    def people_export(self):
        """The street's people export, through the view, beside openpyxl alone.

        In a transaction rolled back at the end: the street is topped up to
        ``EXPORT_ROWS`` people and the export's access-log row goes too.
        """
        from django.db import transaction
        from openpyxl import Workbook, load_workbook

        from orgs import selectors

        with transaction.atomic():
            staff = self._people_to(EXPORT_ROWS)
            started, cpu = time.perf_counter(), time.process_time()
            response = self.export_client.get("/orgs/people/export.xlsx")
            app = time.perf_counter() - started
            app_cpu = time.process_time() - cpu
            assert response.status_code == 200, response.status_code
            content = response.content
            # The same rows, as values, read back from the file (untimed).
            book = load_workbook(io.BytesIO(content), read_only=True)
            rows = list(book.worksheets[0].iter_rows(values_only=True))
            book.close()
            assert len(rows) == EXPORT_ROWS + 1, len(rows)
            started, cpu = time.perf_counter(), time.process_time()
            floor_book = Workbook(write_only=True)
            sheet = floor_book.create_sheet("人员")
            for row in rows:
                sheet.append(row)
            floor_book.save(io.BytesIO())
            floor = time.perf_counter() - started
            floor_cpu = time.process_time() - cpu
            # The query alone: the same people with the columns the file shows.
            started = time.perf_counter()
            fetched = list(
                selectors.person_list(user=staff).values_list(
                    "name",
                    "gender",
                    "birth_year",
                    "phone",
                    "community__name",
                    "unit__name",
                    "party_membership__status",
                    "party_membership__directly_managed",
                    "party_membership__party_org__name",
                    "party_membership__employer_unit__name",
                    "party_membership__residence_community__name",
                    "party_membership__joined_on",
                )
            )
            sql = time.perf_counter() - started
            assert len(fetched) == EXPORT_ROWS
            transaction.set_rollback(True)
        return {
            "app": app,
            "floor": floor,
            "app_cpu": app_cpu,
            "floor_cpu": floor_cpu,
            "sql": sql,
            "kib": len(content) / 1024,
        }


def _floor_params(month):
    from zoneinfo import ZoneInfo

    from django.conf import settings

    zone = ZoneInfo(settings.TIME_ZONE)
    end = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return {
        "month": month,
        "end": end,
        "start_at": datetime.datetime.combine(month, datetime.time.min, zone),
        "end_at": datetime.datetime.combine(end, datetime.time.min, zone),
        "zone": settings.TIME_ZONE,
    }


#: The scores of every unit and every evaluated committee (大工委, 大党委) of
#: every street for one month, in one statement: the metrics the score uses
#: (evaluations.metrics), the policy in force, the weighted mean of the
#: applicable components (evaluations.scoring), rounded half-up to 0.01, and
#: the grade by the policy's thresholds.
FLOOR_SQL = """
INSERT INTO bench_floor_scores (kind, subject_id, street_id, score, grade)
WITH policy AS (
    SELECT DISTINCT ON (street_id) *
    FROM evaluations_scoringpolicy
    WHERE effective_month <= %(month)s
    ORDER BY street_id, effective_month DESC, version DESC
),
attendance AS (
    SELECT a.unit_id, a.street_id, count(*) AS invited,
           count(*) FILTER (WHERE a.status = 'present') AS attended
    FROM meetings_attendance a
    JOIN meetings_meeting m ON m.id = a.meeting_id AND m.street_id = a.street_id
    WHERE a.kind = 'member' AND a.status IN ('present', 'absent')
      AND m.month = %(month)s AND m.status <> 'cancelled'
    GROUP BY a.unit_id, a.street_id
),
actions AS (
    SELECT unit_id, street_id, count(*) AS due,
           count(*) FILTER (WHERE status = 'done'
               AND (done_at AT TIME ZONE %(zone)s)::date <= due_on) AS on_time
    FROM meetings_actionitem
    WHERE due_on >= %(month)s AND due_on < %(end)s
    GROUP BY unit_id, street_id
),
members AS (
    SELECT employer_unit_id AS unit_id, street_id, count(*) AS n
    FROM orgs_partymember WHERE status = 'in_service'
    GROUP BY employer_unit_id, street_id
),
served AS (
    SELECT employer_unit_id AS unit_id, street_id,
           count(DISTINCT volunteer_id) AS n
    FROM volunteers_checkin
    WHERE in_service AND attendance IN ('pending', 'present', 'late')
      AND checked_in_at >= %(start_at)s AND checked_in_at < %(end_at)s
    GROUP BY employer_unit_id, street_id
),
wishes AS (
    SELECT claimed_by_unit_id AS unit_id, street_id, count(*) AS n
    FROM volunteers_microwish
    WHERE status IN ('fulfilled', 'confirmed')
      AND fulfilled_at >= %(start_at)s AND fulfilled_at < %(end_at)s
    GROUP BY claimed_by_unit_id, street_id
),
posts AS (
    SELECT claimed_by_unit_id AS unit_id, street_id, count(*) AS n
    FROM volunteers_servicepost
    WHERE status IN ('fulfilled', 'confirmed')
      AND fulfilled_at >= %(start_at)s AND fulfilled_at < %(end_at)s
    GROUP BY claimed_by_unit_id, street_id
),
events AS (
    SELECT unit_id, street_id, count(*) AS n
    FROM volunteers_groupserviceevent
    WHERE held_on >= %(month)s AND held_on < %(end)s
    GROUP BY unit_id, street_id
),
parts AS (
    SELECT u.id AS unit_id, u.street_id, p.excellent_min, p.good_min, p.fair_min,
        (p.unit_weights->>'attendance')::numeric AS w_att,
        (p.unit_weights->>'action_items')::numeric AS w_act,
        (p.unit_weights->>'service')::numeric AS w_srv,
        (p.unit_weights->>'co_building')::numeric AS w_co,
        CASE WHEN coalesce(att.invited, 0) > 0 THEN least(
            coalesce(att.attended, 0)::numeric(40, 30) * 100 / att.invited, 100)
        END AS s_att,
        CASE WHEN coalesce(act.due, 0) > 0 THEN least(
            coalesce(act.on_time, 0)::numeric(40, 30) * 100 / act.due, 100)
        END AS s_act,
        CASE WHEN coalesce(mem.n, 0) > 0 THEN least(
            coalesce(srv.n, 0)::numeric(40, 30) * 100 / mem.n, 100)
        END AS s_srv,
        least((coalesce(w.n, 0) + coalesce(po.n, 0) + coalesce(ev.n, 0))
            ::numeric(40, 30) * 100
            / greatest(coalesce((p.targets->>'co_building')::int, 1), 1), 100)
            AS s_co
    FROM orgs_orgnode u
    JOIN policy p ON p.street_id = u.street_id
    LEFT JOIN attendance att ON att.unit_id = u.id AND att.street_id = u.street_id
    LEFT JOIN actions act ON act.unit_id = u.id AND act.street_id = u.street_id
    LEFT JOIN members mem ON mem.unit_id = u.id AND mem.street_id = u.street_id
    LEFT JOIN served srv ON srv.unit_id = u.id AND srv.street_id = u.street_id
    LEFT JOIN wishes w ON w.unit_id = u.id AND w.street_id = u.street_id
    LEFT JOIN posts po ON po.unit_id = u.id AND po.street_id = u.street_id
    LEFT JOIN events ev ON ev.unit_id = u.id AND ev.street_id = u.street_id
    WHERE u.kind = 'unit'
),
scored AS (
    SELECT unit_id, street_id, excellent_min, good_min, fair_min,
        round(coalesce(
            (coalesce(w_att * s_att, 0) + coalesce(w_act * s_act, 0)
             + coalesce(w_srv * s_srv, 0) + coalesce(w_co * s_co, 0))
            / nullif(
                CASE WHEN s_att IS NOT NULL THEN w_att ELSE 0 END
                + CASE WHEN s_act IS NOT NULL THEN w_act ELSE 0 END
                + CASE WHEN s_srv IS NOT NULL THEN w_srv ELSE 0 END
                + w_co, 0),
            0), 2) AS score
    FROM parts
),
c_meetings AS (
    SELECT committee_id, count(*) AS held,
           count(*) FILTER (WHERE minutes_filed_at IS NOT NULL
               AND minutes_filed_at <= held_at + interval '7 days') AS on_time
    FROM meetings_meeting
    WHERE month = %(month)s AND status = 'held'
    GROUP BY committee_id
),
c_actions AS (
    SELECT committee_id, count(*) AS due,
           count(*) FILTER (WHERE status = 'done' AND done_at < %(end_at)s) AS done
    FROM meetings_actionitem
    WHERE due_on >= %(month)s AND due_on < %(end)s
    GROUP BY committee_id
),
c_escalations AS (
    SELECT pr.committee_id, count(*) AS total,
           count(*) FILTER (WHERE pr.result_at < %(end_at)s) AS resolved
    FROM meetings_problem pr
    LEFT JOIN meetings_problem up ON up.escalated_from_id = pr.id
    WHERE (pr.escalated_from_id IS NOT NULL OR up.id IS NOT NULL)
      AND coalesce(up.created_at, pr.created_at) < %(end_at)s
      AND (pr.result_at IS NULL OR pr.result_at >= %(start_at)s)
    GROUP BY pr.committee_id
),
c_parts AS (
    SELECT c.id AS committee_id, c.street_id,
        p.excellent_min, p.good_min, p.fair_min,
        coalesce((p.committee_weights->>'action_items')::numeric, 0) AS w_act,
        coalesce((p.committee_weights->>'minutes')::numeric, 0) AS w_min,
        coalesce((p.committee_weights->>'escalations')::numeric, 0) AS w_esc,
        CASE WHEN coalesce(a.due, 0) > 0 THEN least(
            coalesce(a.done, 0)::numeric(40, 30) * 100 / a.due, 100)
        END AS s_act,
        least(coalesce(m.on_time, 0)::numeric(40, 30) * 100
            / greatest(coalesce(m.held, 0), 1), 100) AS s_min,
        CASE WHEN coalesce(e.total, 0) > 0 THEN least(
            coalesce(e.resolved, 0)::numeric(40, 30) * 100 / e.total, 100)
        END AS s_esc
    FROM orgs_committee c
    JOIN policy p ON p.street_id = c.street_id
    LEFT JOIN c_meetings m ON m.committee_id = c.id
    LEFT JOIN c_actions a ON a.committee_id = c.id
    LEFT JOIN c_escalations e ON e.committee_id = c.id
    WHERE c.kind IN ('big_working', 'big_party')
),
c_scored AS (
    SELECT committee_id, street_id, excellent_min, good_min, fair_min,
        round(coalesce(
            (coalesce(w_act * s_act, 0) + w_min * s_min + coalesce(w_esc * s_esc, 0))
            / nullif(
                CASE WHEN s_act IS NOT NULL THEN w_act ELSE 0 END
                + w_min
                + CASE WHEN s_esc IS NOT NULL THEN w_esc ELSE 0 END, 0),
            0), 2) AS score
    FROM c_parts
),
results AS (
    SELECT 'unit' AS kind, unit_id AS subject_id, street_id, score,
           excellent_min, good_min, fair_min
    FROM scored
    UNION ALL
    SELECT 'committee', committee_id, street_id, score,
           excellent_min, good_min, fair_min
    FROM c_scored
)
SELECT kind, subject_id, street_id, score,
    CASE WHEN score >= excellent_min THEN 'excellent'
         WHEN score >= good_min THEN 'good'
         WHEN score >= fair_min THEN 'fair'
         ELSE 'poor' END
FROM results
"""


def worker(database):
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    bench = Bench()
    for line in sys.stdin:
        request = json.loads(line)
        try:
            answer = getattr(bench, request.pop("cmd"))(**request)
        except Exception as exc:  # report it to the parent, which stops
            import traceback

            answer = {"error": f"{exc!r}\n{traceback.format_exc()}"}
        print("@@" + json.dumps(answer, default=str), flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        worker(sys.argv[2])
    else:
        sys.exit(main())
