"""Benchmark: how fast the import page refuses a legal but oversized Excel file.

    .venv/bin/python bench/imports.py                 # SQLite in memory
    DATABASE_URL=postgres://…/portal_x .venv/bin/python bench/imports.py
    .venv/bin/python bench/imports.py --no-baseline   # skip openpyxl (slow)

Issue 17, item 3: a 4.7 MB file of 147,000 rows (77.7 MB unzipped, within the
size and ratio limits) took 38–56 s to be refused with "一次最多导入 20000
行"; a 3.7 MB file with a wrong header 52–55 s. Builds such files (inline
strings and unique names: 147,000 rows are 7 MB zipped here, 79 MB
unzipped, still within the limits; 77,000 rows with a wrong header 3.7 MB), posts
each through the import page (Django's test client, a signed-in community
secretary) and prints the time of the refusal beside openpyxl's read-only
open of the first row of the same file (what the page did before), and their
ratio. Also: a 120 MB upload refused from its Content-Length, and a legal
20,000-row file (the request only checks and stores it; the task imports
it). Target: every refusal in under 2 s. Not a test: prints and exits 0.

Runs in a test database (``test_<name>`` of ``DATABASE_URL``, kept) inside a
transaction that is rolled back.
"""

import argparse
import io
import os
import platform
import statistics
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

SHEET = "xl/worksheets/sheet1.xml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
TARGET_SECONDS = 2.0
#: Refusals timed per file (the median is shown).
ROUNDS = 5


def _row(number, values):
    cells = []
    for letter, value in zip("ABCDEFGHI", values, strict=False):
        ref = f"{letter}{number}"
        if isinstance(value, int):
            cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        else:
            cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'


def units_xlsx(rows, header):
    """An .xlsx of ``rows`` unit rows under ``header``, as a spreadsheet tool
    writes it (inline strings, no ``<dimension>``); built without openpyxl's
    writer, which takes minutes for 147,000 rows."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["x"])
    skeleton = io.BytesIO()
    workbook.save(skeleton)
    parts = [
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}">'
        "<sheetData>",
        _row(1, header),
    ]
    for i in range(rows):
        parts.append(
            _row(
                i + 2,
                [
                    "甲社区",
                    f"导入单位{i:06d}",
                    "非公企业",
                    10 + i % 90,
                    f"长虹路{i}号",
                    f"联系人{i % 1000}",
                    f"138{i:08d}",
                    f"负责人{i % 1000}",
                    f"139{i:08d}",
                ],
            )
        )
    parts.append("</sheetData></worksheet>")
    xml = "".join(parts).encode()
    source = zipfile.ZipFile(io.BytesIO(skeleton.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(
                info.filename, xml if info.filename == SHEET else source.read(info)
            )
    return out.getvalue()


def cpu_name():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def sizes(data):
    archive = zipfile.ZipFile(io.BytesIO(data))
    return len(data), sum(i.file_size for i in archive.infolist())


def openpyxl_first_row(data):
    """The old page's first step: openpyxl's read-only open and first row."""
    from openpyxl import load_workbook

    started = time.perf_counter()
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    next(workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    return time.perf_counter() - started


def post(client, data, name="单位.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(name, data)
    started = time.perf_counter()
    response = client.post("/orgs/import/", {"kind": "units", "file": upload})
    return time.perf_counter() - started, response


def world():
    from orgs.models import OrgKind
    from orgs.services import org_node_create
    from portal.models import Role
    from portal.services import role_assign, user_create

    street = org_node_create(kind=OrgKind.STREET, name="基准街道", code="BI")
    community = org_node_create(
        kind=OrgKind.COMMUNITY, name="甲社区", code="BI-01", parent=street
    )
    user = user_create(username="bench_importer", password="bench-pass-2026-x")  # noqa: S106
    role_assign(user=user, role=Role.COMMUNITY_SECRETARY, org_node=community)
    return user


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=147_000)
    parser.add_argument("--header-rows", type=int, default=77_000)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args(argv)

    import logging

    import django

    django.setup()
    logging.disable(logging.WARNING)  # each refusal would log "Bad Request"
    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import setup_test_environment

    import portal.tasks
    from orgs import excel, imports
    from orgs.imports import UNIT_COLUMNS
    from orgs.models import ImportJob

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=True)
    header = [c.header for c in UNIT_COLUMNS]
    print(
        f"Excel 导入基准 {time.strftime('%Y-%m-%d %H:%M')} · {cpu_name()} "
        f"· {os.cpu_count()} 核 · 负载 {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        f" · {connection.vendor} · Python {platform.python_version()}"
    )
    started = time.perf_counter()
    files = {
        f"{args.rows:,} 行、表头正确": (
            units_xlsx(args.rows, header),
            "一次最多导入 20000 行",
        ),
        f"{args.header_rows:,} 行、表头不符": (
            units_xlsx(args.header_rows, ["名称", "类型", "人数"]),
            "表头与模板不符",
        ),
    }
    print(f"生成文件 {time.perf_counter() - started:.1f} s")
    queued = []
    real_enqueue = portal.tasks.enqueue
    # The request's own time: the task is only recorded (as with a broker).
    portal.tasks.enqueue = lambda task, *a, **k: queued.append(a)
    try:
        with transaction.atomic():
            client = Client()
            client.force_login(world())
            print()
            print(
                f"{'文件':<24}{'压缩':>9}{'解压':>10}  {'页面拒绝（中位数）':>9}"
                f"  {'openpyxl 读首行':>14}  {'比值':>7}  目标 < {TARGET_SECONDS:.0f} s"
            )
            for label, (data, message) in files.items():
                packed, unpacked = sizes(data)
                post(client, data)  # warm up (imports, templates)
                excel.rows_read.reset()
                runs = [post(client, data) for _ in range(ROUNDS)]
                seconds = statistics.median(t for t, _r in runs)
                response = runs[-1][1]
                body = response.content.decode()
                assert response.status_code == 400 and message in body, label
                assert excel.rows_read.count == 0
                base = None if args.no_baseline else openpyxl_first_row(data)
                ratio = f"{seconds / base:.4f}" if base else "—"
                print(
                    f"{label:<20}{packed / 1e6:>8.1f} MB{unpacked / 1e6:>7.1f} MB"
                    f"  {seconds:>7.2f} s  {base or 0:>12.1f} s  {ratio:>7}"
                    f"  {'✓' if seconds < TARGET_SECONDS else '✗'}  「{message}」"
                )
            # 120 MB announced: refused from Content-Length, the body unread.
            started = time.perf_counter()
            response = client.post(
                "/orgs/import/",
                data={},
                CONTENT_LENGTH=str(120 * 1024 * 1024),
                **{"wsgi.input": io.BytesIO(b"")},
            )
            seconds = time.perf_counter() - started
            assert response.status_code == 413
            print(
                f"{'120 MB 上传（按长度拒绝）':<20}{'':>21}  {seconds:>7.3f} s"
                f"  {'':>14}  {'':>7}  {'✓' if seconds < TARGET_SECONDS else '✗'}"
                "  413「上传的文件太大」"
            )
            # A legal file: the request checks and stores it; the task imports.
            data = units_xlsx(excel.MAX_ROWS, header)
            packed, unpacked = sizes(data)
            seconds, response = post(client, data)
            assert response.status_code == 302, response.status_code
            job = ImportJob.objects.latest("pk")
            started = time.perf_counter()
            imports.import_job_execute(job_id=job.pk)
            task = time.perf_counter() - started
            job.refresh_from_db()
            print(
                f"\n合法文件 {excel.MAX_ROWS:,} 行（{packed / 1e6:.1f} MB，解压 "
                f"{unpacked / 1e6:.1f} MB）：请求 {seconds:.2f} s（只检查表头、"
                f"数行、保存文件，读出 0 行），任务 {task:.1f} s"
                f"（{job.get_status_display()}，{job.imported:,} 条）"
            )
            transaction.set_rollback(True)
    finally:
        portal.tasks.enqueue = real_enqueue
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=True)


if __name__ == "__main__":
    main()
