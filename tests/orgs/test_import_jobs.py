"""Excel imports through an import job: the web request reads no data row.

The page checks a file's form at once (size, header, number of rows) without
turning a single row into values (``orgs.excel.rows_read`` counts those), and
stores it; the task ``orgs.run_import`` reads and imports it with progress.
"""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from dashboard.work import work_items
from orgs import excel, imports
from orgs.excel import reading, scan
from orgs.imports import UNIT_COLUMNS
from orgs.models import ImportJob, ImportStatus, OrgNode, Person
from tests.conftest import login
from tests.orgs.conftest import xlsx_upload

UNIT_HEADER = [c.header for c in UNIT_COLUMNS]
SHEET = "xl/worksheets/sheet1.xml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@pytest.fixture(autouse=True)
def _count_rows_read():
    excel.rows_read.reset()
    yield


def _cell(ref, value):
    if isinstance(value, int):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def _row(number, values):
    letters = "ABCDEFGHI"
    cells = "".join(
        _cell(f"{letters[i]}{number}", v) for i, v in enumerate(values) if v != ""
    )
    return f'<row r="{number}">{cells}</row>'


def big_xlsx(rows, header=UNIT_HEADER, tail=""):
    """A workbook whose sheet XML is written directly (fast for many rows)."""
    workbook = Workbook()
    workbook.active.append(["x"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    body = "".join(
        [_row(1, header)] + [_row(n, r) for n, r in enumerate(rows, start=2)] + [tail]
    )
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}">'
        f"<sheetData>{body}</sheetData></worksheet>"
    ).encode()
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = xml if info.filename == SHEET else source.read(info)
            target.writestr(info.filename, data)
    return SimpleUploadedFile("单位.xlsx", out.getvalue())


def _unit_rows(n, prefix="导入单位"):
    return [["甲社区", f"{prefix}{i}", "非公企业", 10] for i in range(n)]


def _upload(client, upload, kind="units", execute=True):
    with TestCase.captureOnCommitCallbacks(execute=execute) as callbacks:
        response = client.post("/orgs/import/", {"kind": kind, "file": upload})
    return response, callbacks


def _snapshot():
    return OrgNode.objects.count(), Person.objects.count()


# -- refused at once, reading no row ----------------------------------------------


def test_a_file_over_the_row_limit_is_refused_without_reading_a_row(world, monkeypatch):
    # given: a limit of 50 rows and a file of 400
    monkeypatch.setattr(reading, "MAX_ROWS", 50)
    upload = big_xlsx(_unit_rows(400))
    before = _snapshot()
    # when
    response, callbacks = _upload(login(world.secretary_a), upload)
    # then: the row-limit message, no row turned into values, no job
    assert response.status_code == 400
    assert "一次最多导入 50 行，请分批导入。" in response.content.decode()
    assert excel.rows_read.count == 0
    assert not callbacks and not ImportJob.objects.exists()
    assert _snapshot() == before


def test_the_row_count_stops_as_soon_as_the_limit_is_passed():
    # given: a sheet whose rows after the 60th are not even XML (the last
    # row's value is never closed, so it holds nothing a reader would see)
    upload = big_xlsx(_unit_rows(60), tail='<row r="99"><c><v>1</broken')
    archive = zipfile.ZipFile(io.BytesIO(upload.read()))
    # when counting to 20 rows, then it stops there, never reaching the tail
    assert scan._count_rows(archive, SHEET, 20) == 21
    # and a full count sees every row holding a value (the header included)
    assert scan._count_rows(archive, SHEET, 10_000) == 61


def test_formatted_empty_rows_and_cells_do_not_count():
    # given: Excel's formatted but empty rows and cells, and a prefixed sheet
    xml = (
        f'<x:worksheet xmlns:x="{MAIN_NS}"><x:sheetData>'
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>所属社区*</x:t></x:is>'
        "</x:c></x:row>"
        '<x:row r="2" s="3" customFormat="1"/>'
        '<x:row r="3"><x:c r="A3" s="2"/><x:c r="B3"><x:v></x:v></x:c></x:row>'
        '<x:row r="4"><x:c r="A4"><x:v>1</x:v></x:c></x:row>'
        "</x:sheetData><x:rowBreaks/></x:worksheet>"
    ).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("s.xml", xml)
    archive = zipfile.ZipFile(buffer)
    # then only the header and row 4 hold values
    assert scan._count_rows(archive, "s.xml", 100) == 2
    assert scan._header_cells(archive, "s.xml") == [(0, "inlineStr", "所属社区*")]


def test_a_wrong_header_is_refused_reading_only_the_header(world):
    # given: a wrong header, and rows after it that are not even XML
    upload = big_xlsx([], header=["名字", "类型"], tail="<row><c><v>1</broken")
    # when
    response, callbacks = _upload(login(world.secretary_a), upload)
    # then: the header's message (the broken rows were never parsed)
    assert response.status_code == 400
    html = response.content.decode()
    assert "表头与模板不符，缺少这些列：所属社区*、单位名称*、单位性质*" in html
    assert excel.rows_read.count == 0
    assert not callbacks and not ImportJob.objects.exists()


def test_a_header_in_shared_strings_is_read_from_the_table(world):
    # given: openpyxl's own file (shared strings), wrong header
    upload = xlsx_upload([["姓名*", "手机号"], ["张三", "13800000000"]])
    # when / then
    response, _callbacks = _upload(login(world.secretary_a), upload)
    assert response.status_code == 400
    assert "表头与模板不符" in response.content.decode()


def test_a_file_with_only_a_header_is_refused(world):
    response, _callbacks = _upload(login(world.secretary_a), big_xlsx([]))
    assert response.status_code == 400
    assert "文件中没有数据行" in response.content.decode()


# -- imported by the task ------------------------------------------------------------


def test_a_good_file_is_only_stored_by_the_request_then_imported_by_the_task(
    world, monkeypatch
):
    # given
    monkeypatch.setattr(reading, "PROGRESS_EVERY", 2)
    client = login(world.secretary_a)
    upload = big_xlsx(_unit_rows(5, prefix="任务单位"))
    # when the page takes the file (the task not yet run)
    response, callbacks = _upload(client, upload, execute=False)
    # then the request stored it, queued the task and read no row
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("orgs:import_job", kwargs={"pk": job.pk})
    assert len(callbacks) == 1
    assert excel.rows_read.count == 0
    assert job.status == ImportStatus.PENDING and job.rows_total == 5
    assert job.created_by == world.secretary_a and job.community == world.a
    assert job.file_name == "单位.xlsx" and job.file.name.startswith("imports/")
    assert not OrgNode.objects.filter(name__startswith="任务单位").exists()
    page = client.get(response.url)
    assert "排队中" in page.content.decode()
    status = client.get(reverse("orgs:import_job_status", kwargs={"pk": job.pk}))
    assert status.json() == {
        "id": job.pk,
        "status": "pending",
        "status_label": "排队中",
        "percent": 0,
        "rows_done": 0,
        "rows_total": 5,
        "finished": False,
    }
    # when the task runs
    seen = []
    real_progress = excel.read_rows

    def read_rows(upload, columns, progress=None):
        def spy(done, total):
            progress(done, total)
            seen.append(ImportJob.objects.values_list("rows_done", "status").get())

        return real_progress(upload, columns, progress=spy)

    monkeypatch.setattr(imports, "read_rows", read_rows)
    callbacks[0]()
    # then progress was saved as rows were read, and every row imported
    assert seen == [(2, "running"), (4, "running")]
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.imported == 5
    assert (job.rows_done, job.percent) == (5, 100)
    assert OrgNode.objects.filter(name__startswith="任务单位").count() == 5
    assert excel.rows_read.count == 5
    # the stored upload (personal data) is gone
    assert not job.file
    # and the page shows the result
    status = client.get(reverse("orgs:import_job_status", kwargs={"pk": job.pk}))
    assert status.json()["finished"] is True and status.json()["percent"] == 100
    html = client.get(response.url).content.decode()
    assert "导入成功，共 5 条。" in html and reverse("orgs:units") in html


def test_an_import_with_row_errors_writes_nothing_and_lists_every_bad_row(world):
    # given: rows 2 and 4 good, row 3 of another community, row 5 without a name
    client = login(world.secretary_a)
    upload = big_xlsx(
        [
            ["甲社区", "好单位一", "非公企业"],
            ["乙社区", "越权单位", "非公企业"],
            ["甲社区", "好单位二", "非公企业"],
            ["甲社区", "", "外星企业"],
        ]
    )
    before = _snapshot()
    # when
    response, _callbacks = _upload(client, upload)
    # then nothing is written and the job lists each bad row with its reason
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.REFUSED
    assert (
        job.summary
        == "导入失败：共有 2 行有误，未写入任何数据。请改正后重新上传整个文件。"
    )
    assert [row for row, _reason in job.row_errors] == [3, 5]
    assert "不在您的管辖范围内" in job.row_errors[0][1]
    assert _snapshot() == before
    html = client.get(response.url).content.decode()
    assert "第 3 行" in html and "第 5 行" in html and "第 2 行" not in html
    assert "请填写单位名称" in html


def test_running_a_job_twice_imports_it_once(world):
    client = login(world.secretary_a)
    _response, callbacks = _upload(client, big_xlsx(_unit_rows(2)), execute=False)
    job = ImportJob.objects.get()
    callbacks[0]()
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, (job.summary, job.row_errors)
    # when the task is delivered again
    assert imports.import_job_execute(job_id=job.pk) is None
    # then the rows are there once
    assert OrgNode.objects.filter(name__startswith="导入单位").count() == 2


def test_a_job_left_queued_by_a_broker_outage_is_imported_by_the_periodic_task(
    world,
):
    # given: a job queued a while ago whose task never arrived
    client = login(world.secretary_a)
    _upload(client, big_xlsx(_unit_rows(2)), execute=False)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(
        created_at=job.created_at - imports.RESEND_AFTER * 2
    )
    # when the periodic task runs (tasks in-process here)
    assert imports.import_jobs_resume() == [job.pk]
    # then the job was imported
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.imported == 2


def test_finished_jobs_are_deleted_after_the_keeping_period(world):
    client = login(world.secretary_a)
    _upload(client, big_xlsx(_unit_rows(1)))
    job = ImportJob.objects.get()
    later = job.finished_at + imports.KEEP_FOR * 2
    imports.import_jobs_resume(now=later)
    assert not ImportJob.objects.exists()


def test_a_user_who_lost_the_right_to_import_imports_nothing(world):
    from portal.models import RoleAssignment
    from portal.scope import forget_scope

    client = login(world.secretary_a)
    _response, callbacks = _upload(client, big_xlsx(_unit_rows(2)), execute=False)
    RoleAssignment.objects.filter(user=world.secretary_a).delete()
    forget_scope(world.secretary_a)
    callbacks[0]()
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.REFUSED
    assert "没有导入的权限" in job.summary
    assert not OrgNode.objects.filter(name__startswith="导入单位").exists()


# -- who sees a job -----------------------------------------------------------------


def test_secretary_of_b_gets_404_on_a_job_of_a(world):
    # given: secretary A's job
    _upload(login(world.secretary_a), big_xlsx(_unit_rows(1)))
    job = ImportJob.objects.get()
    page = reverse("orgs:import_job", kwargs={"pk": job.pk})
    status = reverse("orgs:import_job_status", kwargs={"pk": job.pk})
    # then B's secretary gets 404, the street's staff see it, a unit head 403
    assert login(world.secretary_b).get(page).status_code == 404
    assert login(world.secretary_b).get(status).status_code == 404
    assert login(world.street_staff).get(page).status_code == 200
    assert login(world.street_admin).get(status).status_code == 200
    assert login(world.unit_head_a).get(page).status_code == 403


def test_a_street_staff_job_is_not_a_secretarys(world):
    _upload(login(world.street_staff), big_xlsx(_unit_rows(1)))
    job = ImportJob.objects.get()
    assert job.street == world.street and job.community is None
    page = reverse("orgs:import_job", kwargs={"pk": job.pk})
    assert login(world.secretary_a).get(page).status_code == 404
    assert login(world.street_admin).get(page).status_code == 200


def test_the_job_page_and_its_status_ask_a_fixed_number_of_queries(
    world, django_assert_max_num_queries
):
    client = login(world.secretary_a)
    _upload(client, big_xlsx(_unit_rows(3)))
    job = ImportJob.objects.get()
    # The page's own queries, plus the work centre's count in the header (a
    # fixed number of its own, tests/dashboard/test_work*.py).
    with CaptureQueriesContext(connection) as header:
        work_items(world.secretary_a)
    with django_assert_max_num_queries(12 + len(header)):
        client.get(reverse("orgs:import_job", kwargs={"pk": job.pk}))
    with django_assert_max_num_queries(8):
        client.get(reverse("orgs:import_job_status", kwargs={"pk": job.pk}))
