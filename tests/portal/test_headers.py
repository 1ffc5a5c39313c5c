"""Response headers a passive scanner checks, production cookies, no stack traces."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

from tests.conftest import PASSWORD, login

ROOT = Path(__file__).resolve().parents[2]

#: Settings that decide headers and cookies, as production computes them.
KEYS = [
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "LANGUAGE_COOKIE_SECURE",
    "LANGUAGE_COOKIE_SAMESITE",
    "CONTENT_SECURITY_POLICY",
]


@pytest.fixture(scope="module")
def production():
    """The security settings of ``config.settings`` with DEBUG=0, read in a
    fresh interpreter (as a production process would compute them)."""
    relaxed = ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE")
    env = {k: v for k, v in os.environ.items() if k not in relaxed}
    env.update(
        DEBUG="0",
        SECRET_KEY="a-long-and-random-production-secret-key-0123456789-abcdefghij",
        ALLOWED_HOSTS="portal.example.gov.cn",
    )
    code = (
        "import json, config.settings as s;"
        f"print(json.dumps({{k: getattr(s, k, None) for k in {KEYS!r}}}))"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    values = json.loads(result.stdout.strip().splitlines()[-1])
    values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


def test_production_settings_are_strict(production):
    assert production["DEBUG"] is False
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_HSTS_SECONDS"] >= 31536000
    assert production["SESSION_COOKIE_SECURE"] and production["CSRF_COOKIE_SECURE"]
    assert production["SESSION_COOKIE_HTTPONLY"] and production["CSRF_COOKIE_HTTPONLY"]


def test_a_normal_page_carries_the_security_headers(world, production):
    with override_settings(**production, ALLOWED_HOSTS=["testserver"]):
        response = login(world.secretary_a).get("/", secure=True)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    directives = dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in csp.split(";")
    )
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "data:" in directives["img-src"]
    assert "unsafe-inline" not in directives["script-src"]
    assert "unsafe-inline" not in directives["style-src"]
    assert "unsafe-eval" not in csp
    assert response["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_plain_http_is_sent_to_https_in_production(db, production):
    with override_settings(**production, ALLOWED_HOSTS=["testserver"]):
        response = Client().get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_cookies_are_secure_and_http_only_in_production(world, production):
    client = Client()
    with override_settings(**production, ALLOWED_HOSTS=["testserver"]):
        client.get("/accounts/login/", secure=True)
        response = client.post(
            "/accounts/login/",
            {"username": "secretary_a", "password": PASSWORD},
            secure=True,
        )
    assert response.status_code == 302
    for name in ("sessionid", "csrftoken"):
        cookie = response.cookies.get(name) or client.cookies[name]
        assert cookie["secure"], name
        assert cookie["httponly"], name
        assert cookie["samesite"] == "Lax", name


def test_the_language_cookie_is_secure_and_same_site_in_production(db, production):
    # given production settings: the session cookie is Secure
    assert production["LANGUAGE_COOKIE_SECURE"] is True
    assert production["LANGUAGE_COOKIE_SAMESITE"] == "Lax"
    # when a visitor switches the language (the header's switch)
    client = Client()
    with override_settings(**production, ALLOWED_HOSTS=["testserver"]):
        client.get("/accounts/login/", secure=True)
        response = client.post(
            "/i18n/setlang/", {"language": "en", "next": "/"}, secure=True
        )
    # then the cookie goes only over HTTPS and not with other sites' requests
    assert response.status_code == 302
    cookie = response.cookies["django_language"]
    assert cookie["secure"]
    assert cookie["samesite"] == "Lax"


# -- personal data is never cached (issue 17, item 10) --------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/orgs/people/",
        "/orgs/people/export.xlsx",
        "/volunteers/manage/volunteers/",
        "/api/v1/people/",
        "/accounts/lockouts/",
    ],
)
def test_pages_and_exports_with_personal_data_are_not_stored(world, url):
    # given the street admin looking at people
    response = login(world.street_admin).get(url)
    # then neither the browser nor a proxy may keep the answer
    assert response.status_code == 200, url
    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control, url


def test_a_person_fetched_with_a_token_is_not_stored(world):
    from rest_framework.authtoken.models import Token

    from orgs.models import Person

    person = Person.objects.get(user=world.secretary_a)
    token = Token.objects.create(user=world.street_staff)
    response = Client(HTTP_AUTHORIZATION=f"Token {token.key}").get(
        f"/api/v1/people/{person.pk}/"
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_pages_without_personal_data_keep_their_caching(world):
    client = login(world.secretary_a)
    # the meetings calendar shows no one's phone: the marker stays off it
    response = client.get("/meetings/")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    # the unit list shows each unit's contact mobile (access-logged): not stored
    assert "no-store" in client.get("/orgs/units/")["Cache-Control"]


@pytest.mark.urls("tests.portal.urls_faults")
def test_an_error_shows_the_styled_page_and_no_stack_trace(world, production):
    client = login(world.secretary_a)
    client.raise_request_exception = False
    with override_settings(**production, ALLOWED_HOSTS=["testserver"]):
        response = client.get("/test/boom/", secure=True)
    assert response.status_code == 500
    html = response.content.decode()
    assert "系统错误" in html and "portal.css" in html
    for leak in ("Traceback", "ZeroDivisionError", "hunter2", "urls_faults"):
        assert leak not in html
    assert "Content-Security-Policy" in response


@pytest.mark.urls("tests.portal.urls_faults")
def test_a_missing_page_does_not_list_the_routes(world, production):
    with override_settings(**production, ALLOWED_HOSTS=["testserver"]):
        response = login(world.secretary_a).get("/no/such/page/", secure=True)
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html
    assert "test/boom" not in html and "URLconf" not in html


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>")
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


@pytest.mark.parametrize(
    "url, persona",
    [
        ("/accounts/login/", None),
        ("/", "street_admin"),
        ("/", "secretary_a"),
        ("/accounts/security/", "secretary_a"),
        ("/accounts/otp/setup/", "secretary_a"),
        ("/accounts/lockouts/", "street_admin"),
        ("/api/docs/", "street_admin"),
        ("/no-such-page/", "secretary_a"),
    ],
)
def test_pages_have_no_inline_script_the_policy_would_block(world, url, persona):
    client = login(getattr(world, persona)) if persona else Client()
    html = client.get(url).content.decode()
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html).group(0)
    assert not EVENT_HANDLER.search(html)
    assert "javascript:" not in html
