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
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The path above first: ``python bench/run.py`` puts only bench/ on the path.
from bench._cases import EXPORT_ROWS, IMPORT_ROWS, PAGE_ROWS, Bench  # noqa: E402
from bench._data import PYTHON, SERVER, WORKER_ENV, ensure_database, machine  # noqa: E402

#: The people export: at most this many times the floor, and under 5 s.
EXPORT_TARGET_RATIO = 2
EXPORT_TARGET_SECONDS = 5

# -- the parent: workers, rounds, the table ---------------------------------------


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
