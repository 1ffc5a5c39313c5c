"""The staff pages: who may open them, what they show, scope, query counts,
no inline scripts (the CSP forbids them), and the stats keys."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.stats import stats_for
from evaluations import services
from evaluations.models import (
    Evaluation,
    EvaluationRun,
    Grade,
    RunStatus,
    ScoringPolicy,
)
from tests.conftest import login
from tests.evaluations.conftest import (
    AUGUST,
    JULY,
    JUNE,
    MAY,
    OCTOBER,
    SEPTEMBER,
    more_units,
    publish_month,
    run_month,
    set_grades,
)

PAGES = [
    "/evaluations/",
    "/evaluations/results/",
    "/evaluations/policy/",
    "/evaluations/ratings/",
    "/evaluations/ratings/plaques/",
    "/evaluations/appeals/",
    "/evaluations/annual/",
    "/evaluations/commitments/",
]

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)


STREET_PAGES = [
    "/evaluations/notices/",
    "/evaluations/results/deliveries/",
    "/evaluations/results/deliveries/print/",
]


@pytest.mark.parametrize("url", [*PAGES, *STREET_PAGES])
def test_street_staff_open_every_page_without_inline_scripts(world, committees, url):
    publish_month(world, MAY)
    response = login(world.street_admin).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html), "inline <script> found"
    assert ' style="' not in html
    assert "评议考核" in html  # the tabs


@pytest.mark.parametrize("url", PAGES)
def test_people_without_an_evaluation_role_get_403(world, url):
    for persona in (world.grid_worker_a, world.volunteer_a, world.outsider):
        assert login(persona).get(url).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_secretaries_and_unit_heads_open_the_pages(world, committees, url):
    publish_month(world, MAY)
    for persona in (world.secretary_a, world.unit_head_a):
        assert login(persona).get(url).status_code == 200


def test_the_nav_links_to_the_run_page(world):
    html = login(world.unit_head_a).get("/").content.decode()
    assert 'href="/evaluations/"' in html


def test_the_run_page_starts_a_run_and_shows_live_progress(
    world, committees, django_capture_on_commit_callbacks
):
    admin = login(world.street_admin)
    page = admin.get("/evaluations/").content.decode()
    assert "开始评议" in page
    assert "evaluations/run-progress.js" in page
    # when the admin presses the button (eager Celery runs the job on commit)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post("/evaluations/runs/start/", {"month": "2024-05"})
    assert response.status_code == 302
    run = EvaluationRun.objects.get()
    assert response["Location"].endswith(f"?run={run.pk}")
    # then the page carries the progress bar and the status URL it polls
    page = admin.get(response["Location"]).content.decode()
    assert f'data-status-url="/evaluations/runs/{run.pk}/status/"' in page
    assert "<progress" in page
    status = admin.get(f"/evaluations/runs/{run.pk}/status/").json()
    assert status["status"] == RunStatus.DONE and status["percent"] == 100
    assert status["units_done"] == 3 and status["finished"] is True
    # and a refusal comes back as a message, not an error page
    response = admin.post("/evaluations/runs/start/", {"month": "2099-01"}, follow=True)
    assert "尚未结束" in response.content.decode()


def test_the_progress_endpoint_reports_a_run_mid_way(world):
    run = services.evaluation_run_start(
        user=world.street_admin, street=world.street, month=MAY, enqueue=False
    )
    EvaluationRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, units_total=400, units_done=200, committees_total=12
    )
    data = login(world.street_admin).get(f"/evaluations/runs/{run.pk}/status/").json()
    assert data["percent"] == 48 and data["finished"] is False
    assert data["status_label"] == "计算中"


def test_only_the_admin_sees_the_start_button_and_may_start(world):
    staff = login(world.street_staff)
    assert 'data-testid="start-run"' not in staff.get("/evaluations/").content.decode()
    assert (
        staff.post("/evaluations/runs/start/", {"month": "2024-05"}).status_code == 403
    )
    run = services.evaluation_run_start(
        user=world.street_admin, street=world.street, month=MAY, enqueue=False
    )
    secretary = login(world.secretary_a)
    assert secretary.get(f"/evaluations/runs/{run.pk}/status/").status_code == 404


def test_results_filter_by_community_kind_and_grade_and_sort_by_score(
    world, committees
):
    run_month(world.street, MAY, world.street_admin)
    Evaluation.objects.filter(month=MAY, unit=world.unit_b).update(score=80)
    Evaluation.objects.filter(month=MAY, unit=world.unit_a2).update(
        score=50, grade=Grade.FAIR
    )
    admin = login(world.street_admin)

    def names(query):
        html = admin.get(
            "/evaluations/results/?month=2024-05&" + query
        ).content.decode()
        table = html.split('data-testid="results"')[1]
        return re.findall(r"<td data-label=\"对象\">([^<]+)</td>", table)

    assert names("sort=-score")[:2] == ["乙单位", "甲二单位"]
    assert names("sort=score")[-2:] == ["甲二单位", "乙单位"]
    assert names(f"community={world.b.pk}") == ["乙单位", "乙社区大党委"]
    assert set(names("kind=committee")) == {
        "测试街道大工委",
        "甲社区大党委",
        "乙社区大党委",
    }
    assert names("kind=in_system") == ["甲二单位"]
    assert names("kind=merchant") == ["乙单位"]
    assert names("grade=fair") == ["甲二单位"]


def test_a_unit_head_sees_only_his_units_results(world, committees, unit_head_b):
    publish_month(world, MAY)
    a_row = Evaluation.objects.get(month=MAY, unit=world.unit_a)
    head = login(world.unit_head_a)
    html = head.get("/evaluations/results/?month=2024-05").content.decode()
    table = html.split('data-testid="results"')[1]
    assert re.findall(r"<td data-label=\"对象\">([^<]+)</td>", table) == ["甲单位"]
    assert head.get(f"/evaluations/results/{a_row.pk}/").status_code == 200
    other = login(unit_head_b)
    assert other.get(f"/evaluations/results/{a_row.pk}/").status_code == 404
    assert (
        other.get(f"/evaluations/units/{world.unit_a.pk}/history/").status_code == 404
    )
    assert (
        login(world.secretary_b).get(f"/evaluations/results/{a_row.pk}/").status_code
        == 404
    )


def test_the_override_form_keeps_the_history_on_the_page(world, committees):
    run_month(world.street, MAY, world.street_admin)
    row = Evaluation.objects.get(month=MAY, unit=world.unit_a)
    admin = login(world.street_admin)
    response = admin.post(
        f"/evaluations/results/{row.pk}/",
        {"grade": "good", "reason": "补充了会议签到表"},
    )
    assert response.status_code == 302
    html = admin.get(f"/evaluations/results/{row.pk}/").content.decode()
    assert "较差 → 良好" in html and "补充了会议签到表" in html
    # street staff see the draft but may not override it; a secretary does
    # not see a draft at all
    staff = login(world.street_staff)
    assert (
        "调整等次" not in staff.get(f"/evaluations/results/{row.pk}/").content.decode()
    )
    response = staff.post(
        f"/evaluations/results/{row.pk}/", {"grade": "excellent", "reason": "越权调整"}
    )
    assert response.status_code == 403
    secretary = login(world.secretary_a)
    assert secretary.get(f"/evaluations/results/{row.pk}/").status_code == 404


def test_the_publish_button_publishes_the_month(world, committees):
    run_month(world.street, MAY, world.street_admin)
    admin = login(world.street_admin)
    assert (
        "发布本月结果"
        in admin.get("/evaluations/results/?month=2024-05").content.decode()
    )
    response = admin.post("/evaluations/results/publish/", {"month": "2024-05"})
    assert response.status_code == 302
    html = admin.get("/evaluations/results/?month=2024-05").content.decode()
    assert "已于" in html and "发布本月结果" not in html
    # publishing twice is a message, not an error
    response = admin.post(
        "/evaluations/results/publish/", {"month": "2024-05"}, follow=True
    )
    assert "已发布" in response.content.decode()
    assert (
        login(world.street_staff)
        .post("/evaluations/results/publish/", {"month": "2024-05"})
        .status_code
        == 403
    )


def test_the_history_chart_uses_the_vendored_echarts_and_a_static_script(
    world, committees
):
    publish_month(world, MAY)
    run_month(world.street, JUNE, world.street_admin)
    html = (
        login(world.unit_head_a)
        .get(f"/evaluations/units/{world.unit_a.pk}/history/")
        .content.decode()
    )
    assert "/static/vendor/echarts/echarts.min.js" in html
    assert "/static/evaluations/history-chart.js" in html
    chart = re.search(r'data-chart="([^"]+)"', html).group(1)
    data = json.loads(chart.replace("&quot;", '"'))
    # the unit head sees the published month only; street staff also the draft
    assert data["months"] == ["2024-05"]
    html = (
        login(world.street_staff)
        .get(f"/evaluations/units/{world.unit_a.pk}/history/")
        .content.decode()
    )
    data = json.loads(
        re.search(r'data-chart="([^"]+)"', html).group(1).replace("&quot;", '"')
    )
    assert data["months"] == ["2024-05", "2024-06"]
    assert data["published"] == [True, False]


def test_the_policy_page_saves_a_new_version(world):
    admin = login(world.street_admin)
    assert admin.get("/evaluations/policy/").status_code == 200
    form = {
        "effective_month": "2024-09",
        "excellent_min": "92",
        "good_min": "80",
        "fair_min": "60",
        "note": "加大服务权重",
        "unit_attendance": "20",
        "unit_action_items": "20",
        "unit_service": "30",
        "unit_co_building": "30",
        "target_co_building": "3",
        "committee_action_items": "40",
        "committee_minutes": "30",
        "committee_escalations": "30",
    }
    response = admin.post("/evaluations/policy/", form)
    assert response.status_code == 302
    policy = ScoringPolicy.objects.get(version=2)
    assert policy.unit_weights["service"] == 30 and policy.targets["co_building"] == 3
    # a bad threshold order comes back on the form
    form.update(excellent_min="70")
    response = admin.post("/evaluations/policy/", form)
    assert response.status_code == 200
    assert "优秀 &gt; 良好 &gt; 一般" in response.content.decode()
    assert (
        login(world.street_staff).post("/evaluations/policy/", form).status_code == 403
    )


def page_queries(user, url):
    from portal.models import User

    client = login(User.objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_list_pages_take_the_same_queries_for_2_and_10_rows(world, committees):
    from tests.evaluations.test_api import grow

    urls = [*PAGES, "/evaluations/notices/", "/evaluations/results/?month=2024-05"]
    grow(world, [world.unit_a, world.unit_b], [MAY, JUNE, JULY], 0)
    small = {url: page_queries(world.street_admin, url) for url in urls}
    extra = more_units(world, 8, prefix="P")
    grow(world, extra, [AUGUST, SEPTEMBER, OCTOBER], 2)
    large = {url: page_queries(world.street_admin, url) for url in urls}
    for url in urls:
        assert small[url] == large[url], url


def test_stats_after_a_published_month(world, committees):
    # given May published with unit A raised to good, then units rated
    run_month(world.street, MAY, world.street_admin)
    set_grades(MAY, {world.unit_a: Grade.GOOD})
    services.month_publish(user=world.street_admin, street=world.street, month=MAY)
    for month in (JUNE, JULY):
        publish_month(world, month)
    services.appeal_submit(
        user=world.unit_head_a, unit=world.unit_a, reason="请复核本单位的评级结果。"
    )
    # then the street's figures
    figures = stats_for(world.street_admin)
    assert figures["last_published_month"] == "2024-07"
    assert figures["units_graded_last_month"] == 3
    assert figures["units_by_grade_last_month"] == {
        "excellent": 0,
        "good": 0,
        "fair": 0,
        "poor": 3,
    }
    assert figures["units_by_credit_level"] == {"A": 0, "B": 0, "C": 0, "D": 2}
    assert figures["appeals_open"] == 1
    # and a unit head's are his unit's only
    mine = stats_for(world.unit_head_a)
    assert mine["units_graded_last_month"] == 1
    assert mine["units_by_credit_level"]["D"] == 1
    assert stats_for(world.secretary_b)["appeals_open"] == 0
    assert stats_for(world.outsider)["last_published_month"] is None


@pytest.mark.parametrize(
    "url",
    [
        "/evaluations/?run=abc",
        "/evaluations/?run=99999",
        "/evaluations/results/?month=2024-99&community=x&kind=bogus&grade=best&sort=z",
        "/evaluations/results/?page=-3",
        "/evaluations/ratings/?level=Z&community=abc&page=zz",
        "/evaluations/appeals/?status=nope",
        "/evaluations/annual/?year=abcd",
        "/evaluations/commitments/?year=99999",
    ],
)
def test_bad_query_strings_never_give_a_500(world, committees, url):
    publish_month(world, MAY)
    assert login(world.street_admin).get(url).status_code == 200


def test_bad_form_input_comes_back_as_a_message(world, committees):
    admin = login(world.street_admin)
    response = admin.post(
        "/evaluations/runs/start/", {"month": "not a month"}, follow=True
    )
    assert response.status_code == 200
    assert "YYYY-MM" in response.content.decode()
    response = admin.post("/evaluations/results/publish/", {"month": "x"}, follow=True)
    assert response.status_code == 200
    response = admin.post(
        "/evaluations/notices/",
        {"department": "nope", "period_start": "2024-13", "period_end": ""},
    )
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
