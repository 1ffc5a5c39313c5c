"""Notices to departments and the annual in-system report: .xlsx contents."""

import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from evaluations import reports, services
from evaluations.models import CreditLevel, Department, DepartmentNotice, Grade
from evaluations.months import add_months, month_label
from orgs.models import OrgKind, UnitKind
from orgs.services import org_node_create
from tests.conftest import login
from tests.evaluations.conftest import JULY, JUNE, MAY, run_month, set_grades

E, G, F, P = Grade.EXCELLENT, Grade.GOOD, Grade.FAIR, Grade.POOR


def sheet_rows(content, title):
    workbook = load_workbook(io.BytesIO(content))
    return [list(row) for row in workbook[title].iter_rows(values_only=True)]


def recent_months():
    """The three months before this one (the decision below is made today)."""
    this_month = timezone.localdate().replace(day=1)
    return [add_months(this_month, n) for n in (-3, -2, -1)]


def publish_history(world, months):
    """Three published months; a social organisation whose name looks like a
    formula; unit B lowered by a decision made today."""
    tricky = org_node_create(
        kind=OrgKind.UNIT,
        name='=HYPERLINK("http://x")社工站',
        code="T-02-U002",
        parent=world.b,
        unit_kind=UnitKind.SOCIAL_ORG,
        headcount=5,
    )
    grades = [
        {world.unit_a: E, world.unit_a2: G, world.unit_b: F, tricky: G},
        {world.unit_a: E, world.unit_a2: E, world.unit_b: P, tricky: G},
        {world.unit_a: G, world.unit_a2: F, world.unit_b: F, tricky: G},
    ]
    for month, month_grades in zip(months, grades, strict=True):
        run_month(world.street, month, world.street_admin)
        set_grades(month, month_grades)
        services.month_publish(
            user=world.street_admin, street=world.street, month=month
        )
    services.credit_rating_decide(
        user=world.street_admin,
        unit=world.unit_b,
        level=CreditLevel.C,
        stars=3,
        reason="=1+1 整改到位",
    )
    world.tricky = tricky
    world.months = months
    return world


@pytest.fixture
def history(world, committees):
    return publish_history(world, recent_months())


@pytest.fixture
def history_2024(world, committees):
    return publish_history(world, [MAY, JUNE, JULY])


def test_the_tax_notice_lists_co_building_and_rating_changes(history):
    world = history
    # when the admin issues a notice to the tax department up to this month
    first = world.months[0]
    notice = services.department_notice_create(
        user=world.street_admin,
        street=world.street,
        department=Department.TAX,
        period_start=first,
        period_end=add_months(first, 3),
    )
    content = reports.department_notice_xlsx(notice)
    # then the first sheet has the title, department and one row per unit
    rows = sheet_rows(content, "共建情况")
    assert (
        "%s 至 %s" % (month_label(first), month_label(add_months(first, 3)))
        in (rows[0][0])
    )
    assert rows[1][0] == "致：税务部门"
    header = rows[3]
    assert header[:6] == [
        "序号",
        "单位名称",
        "单位性质",
        "所属社区",
        "评议月数",
        "平均得分",
    ]
    body = {row[1]: row for row in rows[4:]}
    # private, merchant and social organisations; never the agency (in-system)
    assert set(body) == {"甲单位", "乙单位", '\'=HYPERLINK("http://x")社工站'}
    a = body["甲单位"]
    assert a[4] == 3  # months graded
    assert a[6:10] == [2, 1, 0, 0]  # excellent, good, fair, poor
    assert (a[10], a[11]) == ("A", 5)
    assert body["乙单位"][10:12] == ["C", 3]
    # and the second sheet lists the rating changes of the period
    changes = sheet_rows(content, "评级变动")
    lines = changes[3:]
    b_lines = [line for line in lines if line[1] == "乙单位"]
    assert b_lines[0][3] == "（首次评定）" and b_lines[0][5] == "D"
    assert b_lines[-1][7] == "管理员决定"
    assert b_lines[-1][8] == "'=1+1 整改到位"  # escaped
    assert notice.units_count == 3 and notice.changes_count == len(lines)


def test_the_market_notice_leaves_out_social_organisations(history):
    world = history
    notice = services.department_notice_create(
        user=world.street_admin,
        street=world.street,
        department=Department.MARKET,
        period_start=MAY,
        period_end=JULY,
    )
    rows = sheet_rows(reports.department_notice_xlsx(notice), "共建情况")
    names = {row[1] for row in rows[4:]}
    assert names == {"甲单位", "乙单位"}


def test_a_notice_is_downloaded_by_street_staff_only(history, client):
    world = history
    staff = login(world.street_staff)
    response = staff.post(
        "/evaluations/notices/",
        {"department": "city", "period_start": "2024-05", "period_end": "2024-07"},
    )
    assert response.status_code == 302
    notice = DepartmentNotice.objects.get()
    download = staff.get(f"/evaluations/notices/{notice.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert sheet_rows(download.content, "共建情况")[1][0] == "致：城市管理部门"
    secretary = login(world.secretary_a)
    assert secretary.get("/evaluations/notices/").status_code == 403
    assert (
        secretary.get(f"/evaluations/notices/{notice.pk}/download/").status_code == 404
    )


def test_the_notice_period_is_checked(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="不能早于"):
        services.department_notice_create(
            user=world.street_admin,
            street=world.street,
            department=Department.TAX,
            period_start=JULY,
            period_end=MAY,
        )


def test_the_annual_report_of_an_in_system_unit(history_2024):
    world = history_2024
    # when the agency's 2024 report is downloaded by its community's secretary
    client = login(world.secretary_a)
    response = client.get(f"/evaluations/annual/{world.unit_a2.pk}/2024/xlsx/")
    assert response.status_code == 200
    rows = sheet_rows(response.content, "逐月评议")
    # then it has one row per published month and a total line
    assert "甲二单位 2024 年度共建工作报告" in rows[0][0]
    header = rows[2]
    assert header[0] == "月份" and header[-3:] == ["得分", "等次", "反馈方式"]
    months = [row[0] for row in rows[3:-1]]
    assert months == ["2024-05", "2024-06", "2024-07"]
    assert [row[-2] for row in rows[3:-1]] == ["良好", "优秀", "一般"]
    assert rows[-1][0] == "合计"
    summary = {row[0]: row[1] for row in sheet_rows(response.content, "年度汇总")[2:]}
    assert summary["已发布评议月数"] == 3
    assert summary["优秀"] == 1 and summary["良好"] == 1 and summary["一般"] == 1
    # and the printable page shows the same
    page = client.get(f"/evaluations/annual/{world.unit_a2.pk}/2024/").content.decode()
    assert "2024-06" in page and "年度共建等次（参考）" in page


def test_the_annual_report_is_for_in_system_units_in_scope(history_2024, unit_head_b):
    world = history_2024
    # an out-of-system unit has no annual report: it has a credit rating
    admin = login(world.street_admin)
    assert admin.get(f"/evaluations/annual/{world.unit_a.pk}/2024/").status_code == 404
    # another community's secretary and another unit's head get 404
    for persona in (world.secretary_b, unit_head_b):
        client = login(persona)
        assert (
            client.get(f"/evaluations/annual/{world.unit_a2.pk}/2024/").status_code
            == 404
        )
        assert (
            client.get(f"/evaluations/annual/{world.unit_a2.pk}/2024/xlsx/").status_code
            == 404
        )
