"""Every route × every persona × own scope / other scope → the expected answer.

The table is ``tests/security/matrix.py``; the personas and the dataset are
``harness.py`` and ``data.py``. Each row is one test: it asks every cell and
lists every cell that answered otherwise, wrote when it should not, or showed
a row of a scope the persona may not see.
"""

import logging
import re

import pytest
from django.conf import settings
from django.urls import reverse

from tests.security import harness as h
from tests.security.matrix import (
    ANONYMOUS_ALLOWED,
    COLUMNS,
    MATRIX,
    STREET_WIDE,
    UNSCOPED,
    parse,
)

REFUSED_ANONYMOUSLY = {"login", "401", "403", "405"}
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.fixture(autouse=True)
def _quiet_request_log():
    # Thousands of expected 403/404s: django.request would log each.
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


def _suggest(d, key):
    """The observed answers of ``key`` as a matrix row (to check, then add)."""
    from django.urls import NoReverseMatch

    answers = {}
    for persona, scope in h.cells_of(key, COLUMNS):
        try:
            answer = h.ask(d, key, persona, scope, STREET_WIDE.get(key, ()))
        except NoReverseMatch:
            return f"    # {key}: give its URL arguments in tests/security/harness.py"
        answers[(persona, scope)] = h.token_of(answer, persona)
    parts = []
    for persona in COLUMNS:
        own = answers[(persona, h.OWN)]
        other = answers.get((persona, h.OTHER), own)
        parts.append(own if own == other else f"{own}/{other}")
    return f'    "{key}": "{" ".join(parts)}",'


def test_every_named_route_and_api_operation_has_a_row(matrix_data, db):
    required = h.required_rows()
    missing = sorted(required - set(MATRIX))
    stale = sorted(set(MATRIX) - required)
    suggestions = "\n".join(_suggest(matrix_data, key) for key in missing)
    assert not missing, (
        "routes without a row in tests/security/matrix.py: "
        f"{', '.join(missing)}\nobserved (check each answer before adding):\n"
        f"{suggestions}"
    )
    assert not stale, f"rows of routes that no longer exist: {', '.join(stale)}"


def test_every_row_has_a_cell_per_persona():
    for key, row in MATRIX.items():
        cells = parse(row)
        assert set(cells) == set(COLUMNS), key


def test_only_the_allow_list_answers_anonymously():
    reachable = sorted(
        key
        for key, row in MATRIX.items()
        if parse(row)[h.AN][0] not in REFUSED_ANONYMOUSLY
    )
    assert reachable == sorted(ANONYMOUS_ALLOWED)


@pytest.mark.parametrize("key", sorted(MATRIX))
def test_matrix_row(matrix_data, db, key):
    d = matrix_data
    expected = parse(MATRIX[key])
    street_wide = STREET_WIDE.get(key, set())
    name = key.split(" ", 1)[1]
    unscoped = not h.is_api(key) and name in UNSCOPED
    wrong = []
    for persona, scope in h.cells_of(key, COLUMNS):
        want = expected[persona][0 if scope == h.OWN else 1]
        answer = h.ask(d, key, persona, scope, street_wide)
        got = h.token_of(answer, persona)
        where = f"{persona} ({h.PERSONAS[persona]}) {scope} scope"
        if got.rstrip("w") != want.rstrip("w"):
            wrong.append(f"{where}: answered {got}, expected {want}")
        if answer.wrote and not want.endswith("w"):
            wrong.append(f"{where}: wrote {', '.join(answer.wrote)}")
        if answer.leaked and not unscoped:
            wrong.append(f"{where}: shows rows of {', '.join(answer.leaked)}")
        if MOBILE.search(answer.location):
            wrong.append(f"{where}: redirects to a URL with a phone number")
    assert not wrong, f"{key}\n" + "\n".join(wrong)


FORM_FIRST = sorted(
    key
    for key in MATRIX
    if key.startswith("POST ") and key.split(" ", 1)[1] in h.POST_BODIES
)


@pytest.mark.parametrize("key", FORM_FIRST)
def test_a_forbidden_page_post_is_refused_before_its_body(matrix_data, db, key):
    """A persona the row refuses (403, with a valid body) is refused with a
    bad body too: the permission is checked before the form, so a refusal
    tells nothing about what the body lacks."""
    d = matrix_data
    name = key.split(" ", 1)[1]
    expected = parse(MATRIX[key])
    refused = [p for p in COLUMNS if expected[p][0] == "403"]
    assert refused, key
    wrong = []
    for persona in refused:
        url, _body = h.page_request(d, name, "POST", persona, h.OWN)
        for body in ({}, {"unexpected": "x"}):
            answer = h.call(d, persona, "POST", url, body)
            if answer.status != 403 or answer.wrote:
                wrong.append(f"{persona} {body}: {answer.token()}")
    assert not wrong, f"{key}\n" + "\n".join(wrong)


def _admin_urls():
    """Every admin route, with ``1`` for each argument it takes."""
    from django.contrib import admin

    urls = []

    def walk(patterns, prefix):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif p.name:
                kwargs = dict.fromkeys(p.pattern.regex.groupindex, "1")
                if "app_label" in kwargs:
                    kwargs["app_label"] = "portal"
                urls.append(reverse(f"admin:{p.name}", kwargs=kwargs or None))

    walk(admin.site.urls[0], "")
    return sorted(set(urls))


def test_the_admin_is_closed_to_every_persona(matrix_data, db):
    """No persona is staff: every admin route sends them to the admin login.

    (Superusers reach the admin, after TOTP: tests/portal/test_signin.py.)
    """
    d = matrix_data
    admin_login = reverse("admin:login")
    # Signing in and out of the admin are the only admin routes for everyone.
    open_routes = {admin_login, reverse("admin:logout")}
    urls = _admin_urls()
    assert len(urls) > 100  # every model's changelist, add, change, history …
    wrong = []
    checks = [(p, reverse("admin:index")) for p in COLUMNS]
    checks += [(p, url) for p in (h.SA, h.AN) for url in urls]
    for persona, url in checks:
        if url in open_routes:
            continue
        answer = h.call(d, persona, "GET", url)
        if answer.status != 302 or not answer.location.startswith(admin_login):
            wrong.append(f"{persona} {url}: {answer.status} {answer.location}")
    assert not wrong, "\n".join(wrong)


def test_media_files_are_not_served_at_any_url(matrix_data, db):
    """Uploads live under MEDIA_ROOT and are reached only through scoped views."""
    d = matrix_data
    stored = d.A.photo.image.name
    for prefix in (settings.MEDIA_URL or "/media/", "/media/", "/static/"):
        url = f"/{prefix.strip('/')}/{stored}"
        for persona in (h.SA, h.AN):
            assert h.call(d, persona, "GET", url).status in (302, 404), url


def test_static_files_answer_anonymously(matrix_data, db):
    from django.templatetags.static import static

    answer = h.call(matrix_data, h.AN, "GET", static("portal/portal.js"))
    assert answer.status == 200
