"""The two-factor pages: nothing of the portal before the code, a visible way back."""

import re
from pathlib import Path

from django.contrib.staticfiles import finders
from django.test import Client

from tests.conftest import PASSWORD, otp_device


def signed_in_with_password_only(username):
    client = Client()
    client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    return client


def css_rule(selector):
    css = Path(finders.find("portal/portal.css")).read_text(encoding="utf-8")
    match = re.search(r"(?m)^" + re.escape(selector) + r" \{([^}]*)\}", css)
    assert match, selector
    return match[1]


def test_the_code_page_shows_no_menu_and_no_name(world):
    # given a street admin with an authenticator who typed only the password
    otp_device(world.street_admin)
    client = signed_in_with_password_only("street_admin")
    # when the code page opens
    html = client.get("/accounts/otp/").content.decode()
    # then neither the menu nor the user's name nor the inbox shows
    assert "两步验证" in html
    assert 'id="main-nav"' not in html
    assert 'class="user-name"' not in html
    assert 'data-testid="inbox-link"' not in html
    assert str(world.street_admin) not in html
    # and the way back is there
    assert 'data-testid="otp-switch-account"' in html
    assert "换一个账号登录" in html


def test_the_way_back_is_not_white_on_the_white_card():
    # a link button is drawn in link colour; only the red header makes it white
    assert "color: var(--info)" in css_rule(".link-button")
    assert "#fff" not in css_rule(".link-button")
    assert "#fff" in css_rule(
        ".site-header .link-button, .site-header .link-button:hover"
    )


def test_an_admin_who_must_enrol_sees_no_menu_and_a_way_back(world):
    # given a street admin without an authenticator, after the password
    client = signed_in_with_password_only("street_admin")
    html = client.get("/accounts/otp/setup/").content.decode()
    # then the enrolment page shows no menu, and a way to another account
    assert 'id="main-nav"' not in html
    assert 'class="user-name"' not in html
    assert 'data-testid="otp-switch-account"' in html


def test_a_signed_in_user_keeps_the_menu_on_the_enrolment_page(world):
    # given a secretary (two-factor optional), fully signed in
    client = signed_in_with_password_only("secretary_a")
    html = client.get("/accounts/otp/setup/").content.decode()
    # then the page is an ordinary page of the portal
    assert 'id="main-nav"' in html
    assert 'data-testid="otp-switch-account"' not in html
