"""Sign-in, errors, language and offline assets."""

import re

from django.contrib.staticfiles import finders
from django.test import Client

from tests.conftest import PASSWORD, login


def test_login_page_is_in_chinese_by_default(db):
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "登录" in html and "用户名" in html and "密码" in html


def test_login_then_logout(world):
    client = Client()
    response = client.post(
        "/accounts/login/",
        {"username": "secretary_a", "password": PASSWORD},
        follow=True,
    )
    assert response.status_code == 200
    assert "社区书记工作台" in response.content.decode()
    response = client.post("/accounts/logout/", follow=True)
    assert "用户名" in response.content.decode()
    assert client.get("/").status_code == 302


def test_wrong_password_gets_a_clear_chinese_message(world):
    response = Client().post(
        "/accounts/login/", {"username": "secretary_a", "password": "x"}
    )
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_missing_page_answers_a_styled_404(world):
    response = login(world.secretary_a).get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html and "portal.css" in html


def test_english_is_the_second_language(world):
    client = login(world.secretary_a)
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": "/"}, follow=True
    )
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Log out" in html


def test_every_asset_on_a_page_is_served_by_the_portal(world):
    html = login(world.street_admin).get("/").content.decode()
    for url in re.findall(r'(?:src|href)="([^"]+\.(?:js|css|svg))"', html):
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/")), url


def test_healthz_answers(db):
    assert Client().get("/healthz/").json() == {"status": "ok"}


def test_an_english_browser_still_gets_chinese_until_the_user_switches(db):
    response = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get("/accounts/login/")
    assert '<html lang="zh-hans">' in response.content.decode()
