"""The monthly evaluation in a real browser, under the CSP: start a month,
watch the live progress bar reach the end, read the results and a unit's
chart; a unit head reads his rating page on a phone."""

from datetime import date

from tests.e2e.conftest import PHONE


def _unpublished_month():
    """The month before the demo's twelve evaluated months."""
    today = date.today().replace(day=1)
    index = today.year * 12 + today.month - 1 - 13
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def test_admin_runs_a_month_and_watches_the_progress_bar(journey):
    j = journey("evaluations-run")
    j.login("admin")
    j.pass_two_factor()
    j.goto("/evaluations/")
    assert j.page.locator("h1").inner_text() == "月度评议"
    j.check_accessibility()
    # when the admin starts a month that is not published yet
    month = _unpublished_month()
    j.page.fill("#id_month", month)
    j.page.click("[data-testid=start-run]")
    j.page.wait_for_load_state("networkidle")
    progress = j.page.locator("[data-testid=run-progress]")
    assert progress.is_visible()
    j.shot("run-started")
    # then the bar fills as the page polls, and says when it is done
    j.page.wait_for_function(
        "() => document.querySelector('[data-run-progress] progress').value === 100",
        timeout=120_000,
    )
    j.page.locator("[data-when-done] a").wait_for(state="visible", timeout=10_000)
    assert progress.locator('[data-field="status_label"]').inner_text() == "已完成"
    j.shot("run-done")
    # and the month's results are there, sortable by score
    j.page.click("[data-when-done] a")
    j.page.wait_for_load_state("networkidle")
    rows = j.page.locator("[data-testid=results] tbody tr")
    assert rows.count() == 50  # a full first page of 533 units and 12 committees
    j.check_accessibility()
    j.shot("results")
    # and a unit's history is drawn by the vendored ECharts
    j.page.locator("[data-testid=results] tbody tr a", has_text="历史").first.click()
    j.page.wait_for_load_state("networkidle")
    j.page.locator("[data-history-chart] canvas").wait_for(timeout=10_000)
    j.shot("history")


def test_unit_head_reads_his_results_and_annual_report_on_a_phone(journey):
    j = journey("evaluations-unit-head", viewport=PHONE)
    j.login("unithead1")
    j.goto("/evaluations/results/")
    width = j.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the results page scrolls sideways on a phone"
    rows = j.page.locator("[data-testid=results] tbody tr")
    assert rows.count() == 1  # his own unit only
    j.shot("results-phone")
    j.goto("/evaluations/annual/")
    j.page.locator("main table a", has_text="打印版").first.click()
    j.page.wait_for_load_state("networkidle")
    assert "年度共建工作报告" in j.page.locator("h1").inner_text()
    j.check_accessibility()
    j.shot("annual-report")


def test_admin_pages_of_ratings_appeals_commitments_are_accessible(journey):
    j = journey("evaluations-pages")
    j.login("admin")
    j.pass_two_factor()
    for path, heading in [
        ("/evaluations/policy/", "评分办法"),
        ("/evaluations/ratings/", "体制外单位信用等级与星级"),
        ("/evaluations/ratings/plaques/", "挂牌名单"),
        ("/evaluations/appeals/", "评级申诉"),
        ("/evaluations/notices/", "向职能部门通报"),
        ("/evaluations/commitments/", "双向承诺"),
    ]:
        j.goto(path)
        assert heading in j.page.locator("h1").inner_text()
        j.check_accessibility()
        j.shot(path.strip("/").replace("/", "-"))
    # an open appeal, with the decision form, and a unit's rating page
    j.goto("/evaluations/appeals/?status=open")
    j.page.locator("[data-testid=appeals] tbody a").first.click()
    j.page.wait_for_load_state("networkidle")
    assert "的申诉" in j.page.locator("h1").inner_text()
    j.check_accessibility()
    j.shot("appeal")
    j.page.locator("main .actions a", has_text="评级记录").click()
    j.page.wait_for_load_state("networkidle")
    j.check_accessibility()
    j.shot("rating")
    # the survey with its results
    j.goto("/evaluations/commitments/")
    j.page.locator("main a[href^='/evaluations/surveys/']").first.click()
    j.page.wait_for_load_state("networkidle")
    assert j.page.locator("[data-testid=survey-results] tbody tr").count() == 9
    j.check_accessibility()
    j.shot("survey")
