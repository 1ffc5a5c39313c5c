"""Pages of the support app: who may open them, what they show, forms."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from support import services
from support.models import (
    AttendanceStatus,
    Budget,
    SocialOrgStatus,
    Spending,
    TrainingAttendance,
    Worker,
)
from tests.conftest import login
from tests.support.conftest import (
    PDF_BYTES,
    make_budgets,
    make_fund,
    make_social_org,
    make_spending,
    make_training,
    make_worker,
)

LIST_PAGES = [
    "support:home",
    "support:workers",
    "support:compliance",
    "support:trainings",
    "support:social_orgs",
    "support:funds",
    "support:spendings",
    "support:special_funds",
]


@pytest.mark.parametrize("url_name", LIST_PAGES + ["support:notice"])
def test_street_staff_open_every_page(world, url_name):
    response = login(world.street_staff).get(reverse(url_name))
    assert response.status_code == 200


@pytest.mark.parametrize("url_name", LIST_PAGES)
def test_secretary_opens_the_pages_of_her_community(world, url_name):
    assert login(world.secretary_a).get(reverse(url_name)).status_code == 200


@pytest.mark.parametrize(
    "persona", ["unit_head_a", "grid_worker_a", "volunteer_a", "outsider"]
)
@pytest.mark.parametrize("url_name", LIST_PAGES + ["support:notice"])
def test_other_roles_get_403(world, persona, url_name):
    response = login(getattr(world, persona)).get(reverse(url_name))
    assert response.status_code == 403


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("support:home"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_secretary_may_not_open_the_notice_or_manager_forms(world):
    client = login(world.secretary_a)
    for name in ("support:notice", "support:notice_xlsx", "support:worker_new"):
        assert client.get(reverse(name)).status_code == 403
    assert client.get(reverse("support:budget_set")).status_code == 403


# -- scope: another community's objects are 404 ------------------------------------------
def test_secretary_of_b_gets_404_on_a_worker(world):
    worker = make_worker(world.a)
    client = login(world.secretary_b)
    assert (
        client.get(reverse("support:worker_detail", args=[worker.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("support:worker_edit", args=[worker.pk])).status_code == 404
    )
    assert (
        login(world.secretary_a)
        .get(reverse("support:worker_detail", args=[worker.pk]))
        .status_code
        == 200
    )


def test_secretary_of_b_gets_404_on_a_spending_attachment(world, today):
    # given a spending of A with a PDF voucher, uploaded by A's secretary
    (budget, *_rest) = make_budgets(world.a, today.year, "1000", "0", "0")
    response = login(world.secretary_a).post(
        f"{reverse('support:spending_new')}?year={today.year}",
        {
            "budget": budget.pk,
            "amount": "12.50",
            "spent_on": today.isoformat(),
            "purpose": "打印党建宣传材料",
            "attachment": SimpleUploadedFile("发票.pdf", PDF_BYTES),
        },
    )
    assert response.status_code == 302
    spending = Spending.objects.get()
    url = reverse("support:spending_attachment", args=[spending.pk])
    # when B's secretary asks for it, then 404; A's secretary downloads it
    assert login(world.secretary_b).get(url).status_code == 404
    download = login(world.secretary_a).get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "attachment;" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert login(world.unit_head_a).get(url).status_code == 403


def test_secretary_of_b_cannot_void_a_spending(world, today):
    (budget, *_rest) = make_budgets(world.a, today.year, "1000", "0", "0")
    spending = make_spending(budget)
    response = login(world.secretary_b).post(
        reverse("support:spending_void", args=[spending.pk]), {"reason": "x"}
    )
    assert response.status_code == 404
    spending.refresh_from_db()
    assert spending.voided_at is None


def test_lists_show_no_rows_of_another_community(world, today):
    make_worker(world.a, name="甲社工")
    make_social_org(world.street, world.a, name="甲广场舞队")
    (budget, *_rest) = make_budgets(world.a, today.year, "1000", "0", "0")
    make_spending(budget, purpose="甲社区慰问")
    client = login(world.secretary_b)
    pages = {
        "support:workers": "甲社工",
        "support:social_orgs": "甲广场舞队",
        "support:spendings": "甲社区慰问",
        "support:funds": "甲社区",
    }
    for name, text in pages.items():
        html = client.get(reverse(name)).content.decode()
        assert text not in html, name
        assert text in login(world.secretary_a).get(reverse(name)).content.decode()


def test_secretary_of_b_gets_404_on_a_training_and_social_org(world, today):
    training = make_training(world.street, community=world.a, held_on=today)
    org = make_social_org(world.street, world.a)
    client = login(world.secretary_b)
    assert (
        client.get(reverse("support:training_detail", args=[training.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("support:social_org_detail", args=[org.pk])).status_code
        == 404
    )


# -- forms ---------------------------------------------------------------------------------
def test_street_staff_register_a_worker_with_cells(world):
    response = login(world.street_staff).post(
        reverse("support:worker_new"),
        {
            "name": "赵敏",
            "phone": "13912345678",
            "worker_type": "grid_worker",
            "community": world.a.pk,
            "employer": "综治中心",
            "hired_on": "2024-03-01",
            "cell_codes": world.cell_a.code,
        },
    )
    worker = Worker.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("support:worker_detail", args=[worker.pk])
    assert list(worker.cells.all()) == [world.cell_a]


def test_worker_form_shows_chinese_errors_instead_of_failing(world):
    response = login(world.street_staff).post(
        reverse("support:worker_new"),
        {
            "name": "赵敏",
            "phone": "123",
            "worker_type": "grid_worker",
            "community": world.a.pk,
            "employer": "综治中心",
            "hired_on": "not a date",
            "cell_codes": "NOPE-1 " + world.cell_b.code,
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "请填写 11 位手机号" in html and "找不到网格编码：NOPE-1" in html
    assert not Worker.objects.exists()


def test_cell_of_another_community_is_reported_on_the_form(world):
    response = login(world.street_staff).post(
        reverse("support:worker_new"),
        {
            "name": "赵敏",
            "worker_type": "grid_worker",
            "community": world.a.pk,
            "employer": "综治中心",
            "hired_on": "2024-03-01",
            "cell_codes": world.cell_b.code,
        },
    )
    assert response.status_code == 200
    assert "不在甲社区内" in response.content.decode()
    assert not Worker.objects.exists()


def test_secretary_records_attendance_of_her_workers_only(world, today):
    # given a street-wide training and workers of A and B
    training = make_training(world.street, held_on=today)
    mine = make_worker(world.a, name="甲员")
    theirs = make_worker(world.b, name="乙员")
    url = reverse("support:training_detail", args=[training.pk])
    client = login(world.secretary_a)
    html = client.get(url).content.decode()
    assert "甲员" in html and "乙员" not in html
    # when she posts a status for her worker (and tries one of B)
    response = client.post(url, {f"w{mine.pk}": "present", f"w{theirs.pk}": "present"})
    # then only hers is recorded (the form has no field for B's worker)
    assert response.status_code == 302
    rows = dict(TrainingAttendance.objects.values_list("worker_id", "status"))
    assert rows == {mine.pk: AttendanceStatus.PRESENT}


def test_budget_form_sets_a_line_and_the_funds_page_flags_the_community(world, today):
    client = login(world.street_admin)
    response = client.post(
        reverse("support:budget_set"),
        {
            "community": world.a.pk,
            "year": today.year,
            "line": "operating",
            "amount": "120000",
            "reason": "年初预算",
        },
    )
    assert response.status_code == 302
    assert Budget.objects.get().amount == Decimal("120000")
    html = client.get(f"{reverse('support:funds')}?year={today.year}").content.decode()
    assert html.count('data-testid="underfunded"') == 2  # A short, B has none
    assert "差 180,000.00 元" in html


def test_social_org_status_change_keeps_who_and_why(world):
    org = make_social_org(world.street, world.a)
    url = reverse("support:social_org_detail", args=[org.pk])
    response = login(world.street_staff).post(
        url, {"status-status": SocialOrgStatus.OPERATING, "status-reason": "出壳"}
    )
    assert response.status_code == 302
    change = org.status_changes.get()
    assert change.changed_by == world.street_staff and change.reason == "出壳"
    assert (
        login(world.secretary_a)
        .post(url, {"status-status": SocialOrgStatus.DISSOLVED, "status-reason": "x"})
        .status_code
        == 403
    )


def test_special_fund_page_records_a_contribution_and_refuses_overdraw(world, today):
    fund = make_fund(world.street)
    url = reverse("support:special_fund_detail", args=[fund.pk])
    client = login(world.street_admin)
    client.post(
        url,
        {
            "kind": "contribution",
            "amount": "500",
            "occurred_on": today.isoformat(),
            "unit": world.unit_a.pk,
        },
    )
    response = client.post(
        url,
        {
            "kind": "grant",
            "amount": "800",
            "occurred_on": today.isoformat(),
            "community": world.a.pk,
            "purpose": "帮扶",
        },
    )
    assert response.status_code == 200
    assert "余额不足" in response.content.decode()
    assert login(world.secretary_a).get(url).status_code == 404


def test_worker_leave_keeps_the_record(world, today):
    worker = make_worker(world.a)
    response = login(world.street_staff).post(
        reverse("support:worker_leave", args=[worker.pk]),
        {"left_on": today.isoformat(), "reason": "调动"},
    )
    assert response.status_code == 302
    worker.refresh_from_db()
    assert worker.left_on == today and "调动" in worker.note


def test_bad_query_parameters_do_not_break_pages(world):
    client = login(world.street_staff)
    for name in LIST_PAGES:
        response = client.get(
            reverse(name),
            {"page": "x", "sort": "evil", "year": "abc", "community": "z"},
        )
        assert response.status_code == 200, name
    response = client.get(
        reverse("support:notice"), {"start": "2026-05-01", "end": "x"}
    )
    assert response.status_code == 200


def test_training_edit_and_services_use_the_same_rules(world, today):
    training = make_training(world.street, held_on=today)
    attendee = make_worker(world.a)
    services.training_record_attendance(
        user=world.street_admin,
        training=training,
        statuses={attendee.pk: AttendanceStatus.PRESENT},
    )
    response = login(world.street_admin).post(
        reverse("support:training_edit", args=[training.pk]),
        {
            "topic": "新主题",
            "held_on": (today + datetime.timedelta(days=10)).isoformat(),
            "trainer": "党校",
        },
    )
    assert response.status_code == 200
    assert "不能改到今天之后" in response.content.decode()


def test_home_lists_communities_with_workers_short_of_training(world, today):
    # given two untrained workers in A, one trained worker in B
    make_worker(world.a)
    make_worker(world.a)
    trained = make_worker(world.b)
    from tests.support.conftest import attend

    for _ in range(2):
        attend(trained, make_training(world.street, held_on=today))
    # when the street admin opens the overview
    response = login(world.street_admin).get(reverse("support:home"))
    # then A is listed with 2, B is not, and the figure says 2
    rows = response.context["under_by_community"]
    assert [(name, n) for _id, name, n in rows] == [("甲社区", 2)]
    html = response.content.decode()
    assert 'data-key="workers_under_training_requirement"' in html
    assert "300,000" in html


def test_attendance_sheet_saves_only_the_rows_changed(world, today):
    # given two workers already recorded present by the street admin
    training = make_training(world.street, community=world.a, held_on=today)
    first, second = make_worker(world.a), make_worker(world.a)
    services.training_record_attendance(
        user=world.street_admin,
        training=training,
        statuses={first.pk: "present", second.pk: "present"},
    )
    url = reverse("support:training_detail", args=[training.pk])
    client = login(world.secretary_a)
    # when the secretary changes the second to excused and resubmits the first
    client.post(url, {f"w{first.pk}": "present", f"w{second.pk}": "excused"})
    # then only the second row is re-recorded, by her
    rows = {
        r.worker_id: (r.status, r.recorded_by) for r in TrainingAttendance.objects.all()
    }
    assert rows == {
        first.pk: ("present", world.street_admin),
        second.pk: ("excused", world.secretary_a),
    }
    unchanged = client.post(
        url, {f"w{first.pk}": "present", f"w{second.pk}": "excused"}
    )
    assert unchanged.status_code == 302
