"""Guarantee integration in a real browser: figures, the funds flag, the notice."""

from tests.e2e.conftest import PHONE


def test_staff_sees_support_figures_funds_flag_and_the_notice(journey):
    j = journey("support-staff")
    j.login("staff")
    j.goto("/support/")
    figures = j.page.locator("[data-testid=support-figures] .figure")
    assert figures.count() == 5
    assert j.page.locator("[data-key=social_orgs_incubated] .value").inner_text() == (
        "532"
    )
    j.check_accessibility()
    j.shot("overview")
    j.goto("/support/funds/")
    assert j.page.locator("[data-testid=underfunded]").count() == 1
    j.check_accessibility()
    j.shot("funds")
    j.goto("/support/workers/compliance/")
    assert j.page.locator("[data-testid=compliance] tbody tr").count() > 0
    j.check_accessibility()
    j.goto("/support/notice/")
    assert j.page.locator("[data-section=funds]").is_visible()
    j.check_accessibility()
    j.shot("notice")
    # Fetch the export with the page's session (a download would abort the page).
    href = j.page.get_attribute("a[href*='notice.xlsx']", "href")
    response = j.page.request.get(j.base + href)
    assert response.status == 200
    assert response.body()[:2] == b"PK"  # an .xlsx is a zip


def test_secretary_records_attendance_on_a_phone(journey):
    j = journey("support-secretary", viewport=PHONE)
    j.login("secretary1")
    j.goto("/support/trainings/")
    j.page.locator("[data-testid=trainings] tbody a").first.click()
    j.page.wait_for_load_state("networkidle")
    width = j.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the attendance sheet scrolls sideways on a phone"
    j.check_accessibility()
    first = j.page.locator("[data-testid=attendance] select").first
    first.select_option("excused" if first.input_value() == "present" else "present")
    j.page.click("text=保存出勤")
    j.page.wait_for_load_state("networkidle")
    assert j.page.locator(".message-success").is_visible()
    j.shot("attendance-phone")
