"""The routine notice (S21): the support app's sections, printable page and .xlsx.

The S21 sections filled by the other apps are in ``test_notice_s21.py``.
"""

import datetime
from io import BytesIO

from django.urls import reverse
from openpyxl import load_workbook

from portal.scope import scope_for
from support.notices import NoticePeriod, notice_build
from tests.conftest import login
from tests.support.conftest import (
    attend,
    make_budgets,
    make_fund,
    make_social_org,
    make_training,
    make_worker,
)


def _period(today):
    return NoticePeriod(datetime.date(today.year, 1, 1), today)


def _sheet_text(sheet):
    return [
        [cell for cell in row if cell is not None]
        for row in sheet.iter_rows(values_only=True)
    ]


def test_notice_lists_s21s_subjects_first_then_the_support_sections(world, today):
    # given a worker short of trainings, A underfunded, B funded, an org
    make_worker(world.a, name="短训员")
    trained = make_worker(world.b, name="达标员")
    for _ in range(2):
        attend(trained, make_training(world.street, held_on=today))
    make_budgets(world.a, today.year, "100000", "50000", "50000")
    make_budgets(world.b, today.year, "200000", "50000", "50000")
    make_social_org(world.street, world.a)
    # when the notice is built for the year so far
    notice = notice_build(scope=scope_for(world.street_admin), period=_period(today))
    sections = {s.key: s for s in notice.sections}
    # then S21's two subjects come first, and the support sections are full
    assert [s.key for s in notice.sections][:4] == [
        "meetings",
        "supervised_items",
        "co_building",
        "evaluations",
    ]
    assert sections["training_compliance"].rows == [
        ["甲社区", "短训员", "社工", "社区居委会", 0]
    ]
    assert "1个社区三项经费合计低于300,000元：甲社区" in sections["funds"].summary
    assert sections["social_orgs"].rows[-1][1] == 1
    assert "测试街道" in notice.title


def test_notice_page_prints_and_exports_the_same_sections(world, today):
    # given a worker whose employer text starts with "=" (formula injection)
    make_worker(world.a, name="注入员", employer='=HYPERLINK("http://evil")')
    make_budgets(world.a, today.year, "100000", "50000", "50000")
    fund = make_fund(world.street)
    from support import services

    services.special_fund_contribute(
        user=world.street_admin,
        fund=fund,
        amount="1000",
        occurred_on=today,
        counterparty="+爱心企业",
    )
    params = {"start": f"{today.year}-01-01", "end": today.isoformat()}
    client = login(world.street_admin)
    # when the page and the export are fetched for the same period
    page = client.get(reverse("support:notice"), params)
    export = client.get(reverse("support:notice_xlsx"), params)
    # then the page shows the sections
    html = page.content.decode()
    assert page.status_code == 200
    for title in (
        "联席会议督办事项",
        "轮训未达标人员名单",
        "社区经费保障情况",
        "专项基金收支情况",
    ):
        assert title in html
    assert "注入员" in html
    # and the workbook holds the same, with the formula escaped
    assert export.status_code == 200
    assert export["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    book = load_workbook(BytesIO(export.content))
    assert book.sheetnames[0] == "通报概要"
    assert "轮训未达标人员名单" in book.sheetnames
    rows = _sheet_text(book["轮训未达标人员名单"])
    assert ["甲社区", "注入员", "社工", '\'=HYPERLINK("http://evil")', 0] in rows
    funds = _sheet_text(book["社区经费保障情况"])
    assert funds[2] == []  # title, summary, a blank row, then the table
    assert funds[3][0] == "社区" and funds[4][0] == "甲社区"
    assert funds[4][4] == 200000 and funds[4][-1] == "不足"
    for row in book["轮训未达标人员名单"].iter_rows():
        for cell in row:
            assert cell.data_type != "f"  # no formula anywhere
    summary = _sheet_text(book["通报概要"])
    assert summary[0][0].startswith("测试街道党建共建工作通报")


def test_notice_with_a_reversed_period_is_refused_politely(world):
    response = login(world.street_admin).get(
        reverse("support:notice_xlsx"), {"start": "2026-05-01", "end": "2026-04-01"}
    )
    assert response.status_code == 400
    assert "开始日期不能晚于结束日期" in response.content.decode()


def test_compliance_export_uses_the_list_selector(world, today):
    make_worker(world.a, name="甲短训")
    make_worker(world.b, name="乙短训")
    response = login(world.secretary_a).get(reverse("support:compliance_xlsx"))
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    names = [row[1] for row in _sheet_text(book.active)[3:]]  # title, blank, headings
    assert names == ["甲短训"]


def test_notice_period_labels():
    assert (
        NoticePeriod(datetime.date(2026, 10, 1), datetime.date(2026, 10, 31)).label
        == "2026年10月"
    )
    assert (
        NoticePeriod(datetime.date(2026, 10, 1), datetime.date(2026, 12, 31)).label
        == "2026年第4季度"
    )
    assert (
        NoticePeriod(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)).label
        == "2026年"
    )


def test_notice_counts_workers_attendance_and_shortfalls_per_community(world, today):
    # given in A: one worker trained twice, one trained once; in B: one untrained
    twice, once = make_worker(world.a), make_worker(world.a)
    make_worker(world.b, worker_type="grid_worker")
    first, second = (make_training(world.street, held_on=today) for _ in range(2))
    attend(twice, first)
    attend(twice, second)
    attend(once, first)
    # when the notice covers the year so far
    notice = notice_build(scope=scope_for(world.street_admin), period=_period(today))
    workforce = next(s for s in notice.sections if s.key == "workforce")
    # then per community: social, grid, total, attended, short
    assert workforce.rows == [
        ["甲社区", 2, 0, 2, 3, 1],
        ["乙社区", 0, 1, 1, 0, 1],
        ["合计", 2, 1, 3, 3, 2],
    ]
    assert "本期举办轮训2场，参训3人次" in workforce.summary
    assert "不足2次的有2人" in workforce.summary


def test_who_viewed_or_exported_the_workers_is_recorded(world, today):
    from portal.models import AccessLog

    make_worker(world.a, name="甲社工")
    client = login(world.secretary_a)
    # when the secretary opens the list, the API list and the export
    client.get(reverse("support:workers"))
    client.get("/api/v1/workers/")
    client.get(reverse("support:compliance_xlsx"))
    # then each is in the personal-data access log, the export marked so
    rows = list(
        AccessLog.objects.filter(user=world.secretary_a)
        .order_by("id")
        .values_list("what", "action", "count")
    )
    assert rows == [
        ("support.worker", "view", 1),
        ("support.worker", "view", 1),
        ("support.worker", "export", 1),
    ]
