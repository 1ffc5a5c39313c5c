"""Sign in, see the home page, switch language, sign out — in a real browser."""

import pytest

from tests.e2e.conftest import PHONE


@pytest.mark.parametrize("language", ["zh", "en"])
def test_staff_signs_in_sees_key_figures_and_signs_out(journey, language):
    j = journey("foundation-staff", language=language)
    j.goto("/accounts/login/")
    assert j.page.locator("h1").inner_text() == j.t("登录", "Log in")
    j.check_accessibility()
    j.shot("login")
    j.login("staff")
    assert j.page.locator("[data-testid=figures] .figure").count() > 0
    j.check_accessibility()
    j.shot("home")
    j.logout()
    assert "/accounts/login/" in j.page.url
    j.shot("logged-out")


def test_volunteer_home_fits_a_phone(journey):
    j = journey("foundation-volunteer", viewport=PHONE)
    j.login("volunteer1")
    width = j.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page scrolls sideways on a phone"
    j.page.click("[data-nav-toggle]")
    assert j.page.locator("#main-nav").is_visible()
    j.shot("home-phone")
