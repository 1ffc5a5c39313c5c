"""Benchmark: the people export of one street (12,000 rows) beside its floor.

    .venv/bin/python bench/exports.py                       # portal_bench_1
    .venv/bin/python bench/exports.py --prefix portal_mine  # portal_mine_1
    .venv/bin/python bench/exports.py --rebuild

Figure 9 of ``bench/run.py`` on its own: builds (or reuses) the one-street
database ``<prefix>_1`` with ``seed_demo`` (11,843 people in the demo
street), then a worker process serving it with ``DEBUG`` off downloads
``/orgs/people/export.xlsx`` as the street's staff, the street topped up to
12,000 people inside a transaction that is rolled back. The floor is the same
rows written by openpyxl's write-only mode alone, in the same process. Prints
medians and the ratio; not a test, it exits 0 whatever the figures.
"""

import argparse
import datetime
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._cases import EXPORT_ROWS  # noqa: E402 (the path above first)
from bench._data import ensure_database, machine  # noqa: E402
from bench.run import (  # noqa: E402
    EXPORT_TARGET_RATIO,
    Worker,
    _median,
    _ms,
    export_line,
    worker,
)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--prefix", default="portal_bench")
    args = parser.parse_args(argv)
    runs = max(args.runs, 5)
    host = machine()
    import openpyxl

    print(
        f"导出基准 {datetime.datetime.now():%Y-%m-%d %H:%M} · {host['cpu']} · "
        f"{host['cores']} 核 · PostgreSQL {host['postgres']} · Python "
        f"{host['python']} · openpyxl {openpyxl.__version__}"
        f"（lxml {'有' if openpyxl.LXML else '无'}）· 负载 {host['load']}",
        flush=True,
    )
    database = f"{args.prefix}_1"
    note, built = ensure_database(database, 1, args.rebuild)
    print(f"{database}: {'新建' if built else '沿用'} · {note}", flush=True)
    process = Worker(database, script=__file__)
    try:
        process.call("export_setup")
        results = []
        for run in range(runs):
            results.append(process.call("people_export"))
            print(f"  第 {run + 1}/{runs} 轮完成", flush=True)
    finally:
        process.close()

    def med(key):
        return _median([r[key] for r in results])

    app, floor = med("app"), med("floor")
    ratio = app / floor
    print()
    print(
        f"导出 {EXPORT_ROWS:,} 名人员 .xlsx ÷ openpyxl 只写模式写同样的行："
        f"{_ms(app)} ÷ {_ms(floor)} = {ratio:.2f}"
        f"（目标 ≤ {EXPORT_TARGET_RATIO:g} {'✓' if ratio <= EXPORT_TARGET_RATIO else '✗'}）"
    )
    print(export_line(med))
    print("每轮（秒）：" + "，".join(f"{r['app']:.2f}" for r in results))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        worker(sys.argv[2])
    else:
        started = time.monotonic()
        code = main()
        print(f"总用时 {(time.monotonic() - started) / 60:.1f} 分钟。")
        sys.exit(code)
