"""A street admin signs in with password and TOTP code, under the CSP, in Chromium."""

from tests.e2e.conftest import PASSWORD


def test_street_admin_passes_two_factor_and_reaches_the_lockout_page(journey):
    j = journey("security-admin")
    # given the demo street admin typing his password
    j.login("admin")
    # then the portal asks for the authenticator's code before any page
    assert "/accounts/otp/" in j.page.url
    assert j.page.locator("h1").inner_text() == "两步验证"
    j.check_accessibility()
    j.shot("totp")
    # when he types it
    j.pass_two_factor()
    # then he is home, and reaches the admin-only lockout page
    assert j.page.locator("h1").inner_text() == "街道管理员工作台"
    j.goto("/accounts/lockouts/")
    assert j.page.locator("h1").inner_text() == "登录锁定"
    j.shot("lockouts")
    # and the account page (its link in the header) says two-factor is on
    j.goto("/accounts/security/")
    assert "已开启" in j.page.locator("main").inner_text()
    j.check_accessibility()
    j.shot("security")


def test_secretary_binds_an_authenticator_with_the_portals_qr_code(journey):
    j = journey("security-secretary")
    j.login("secretary1")
    j.goto("/accounts/otp/setup/")
    qr = j.page.locator("[data-testid=otp-qr]")
    # the QR code is a data: image the CSP allows, and it is drawn
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert (
        j.page.evaluate(
            "() => document.querySelector('[data-testid=otp-qr]').naturalWidth"
        )
        > 0
    )
    j.check_accessibility()
    j.shot("otp-setup")


def test_a_mistyped_password_five_times_shows_the_lockout_page(journey):
    j = journey("security-lockout")
    for _ in range(5):
        j.goto("/accounts/login/")
        j.page.fill("#id_username", "gridworker1")
        j.page.fill("#id_password", "not-" + PASSWORD)
        j.page.click("main button[type=submit]")
        j.page.wait_for_load_state("networkidle")
    assert j.page.locator("h1").inner_text() == "登录已暂停"
    assert "联系街道管理员解锁" in j.page.locator("main").inner_text()
    j.shot("locked-out")
    # the 429 answer is expected here, not a failure of the page
    j.errors = [e for e in j.errors if "429" not in e]
