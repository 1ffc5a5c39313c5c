"""Every link a persona is shown leads to a page he may see (issue 19).

For each persona of the security dataset (``tests/security/data.py``: the
``world`` personas of ``tests/conftest.py`` with one object of every kind in
their own scope and in others), sign in, start at the home page ``/`` and
follow, breadth-first to three links deep, every ``<a href>`` and every form
``action`` that stays inside the portal, with GET only. Any answer 403, 404
or 500 fails the test, naming the page and the link that led there. The
pages of the security matrix (``tests/security/matrix.py``) that the persona
may open in his own scope are walked too, their links fetched one level.

Kept fast by deduplicating: a URL is fetched once per persona, and of the
URLs that resolve to the same view with the same keyword arguments (names
only, not values) and the same query-string keys, only the first
``PER_SHAPE`` are fetched (``/volunteers/activities/7/`` and
``/volunteers/activities/8/`` are one shape; a few of each catch a link to
one object the persona may not open while another he may). Sign-out, static
files and the Django admin are not followed; a response that is not HTML
(an export, a photo, a QR code) is fetched but not read. No GET has a side
effect, and each request runs in a savepoint that is rolled back anyway.
"""

import logging
from collections import deque
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

import pytest
from django.db import transaction
from django.urls import Resolver404, resolve

from tests.security import harness as h
from tests.security.matrix import MATRIX, parse

#: How many links deep from the home page (the home page is level 0).
DEPTH = 3
#: How many URLs of one shape (view name, argument names, query keys).
PER_SHAPE = 3
#: Paths never followed: they sign out, or are not portal pages.
SKIP_PREFIXES = ("/accounts/logout/", "/static/", "/admin/", "/i18n/")
FAILING = {403, 404, 500}


class _Links(HTMLParser):
    """Collect the ``href`` of every ``<a>`` and the ``action`` of every form."""

    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form" and attrs.get("action"):
            self.links.append(attrs["action"])


def _links_of(html, base):
    parser = _Links()
    parser.feed(html)
    out = []
    for href in parser.links:
        url = urldefrag(urljoin(base, href.strip())).url
        parts = urlsplit(url)
        if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
            continue
        path = parts.path
        if not path or path.startswith(SKIP_PREFIXES):
            continue
        out.append(path + (f"?{parts.query}" if parts.query else ""))
    return out


def _shape(url):
    parts = urlsplit(url)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return ("?", parts.path)
    keys = tuple(sorted({k for k, _ in parse_qsl(parts.query)}))
    return (match.view_name, tuple(sorted(match.kwargs)), keys)


def _get(client, url):
    sid = transaction.savepoint()
    try:
        return client.get(url)
    finally:
        transaction.savepoint_rollback(sid)


def crawl(client, start="/", pages=()):
    """Walk the portal from ``start``; return the failures and the count.

    ``pages`` are walked too, each as if found ``DEPTH - 1`` links deep:
    the links they show are fetched, not followed further.
    """
    seen = {start, *pages}
    per_shape = {}
    queue = deque([(start, 0, None)])
    queue.extend((url, DEPTH - 1, "the security matrix") for url in pages)
    failures = []
    fetched = 0
    while queue:
        url, depth, came_from = queue.popleft()
        response = _get(client, url)
        fetched += 1
        if response.status_code in (301, 302, 303, 307, 308):
            target = _links_of(f'<a href="{response["Location"]}">', url)
            if target and target[0].startswith("/accounts/login/"):
                failures.append(f"{url} (linked from {came_from}): sign-in page")
            elif target and target[0] not in seen:
                seen.add(target[0])
                queue.append((target[0], depth, url))
            continue
        if response.status_code in FAILING:
            failures.append(
                f"{url} answered {response.status_code}, linked from {came_from}"
            )
            continue
        if depth >= DEPTH or response.status_code != 200:
            continue
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        for link in _links_of(response.content.decode(), url):
            if link in seen:
                continue
            seen.add(link)
            shape = _shape(link)
            if per_shape.get(shape, 0) >= PER_SHAPE:
                continue
            per_shape[shape] = per_shape.get(shape, 0) + 1
            queue.append((link, depth + 1, url))
    return failures, fetched


def matrix_pages(d, persona):
    """Return the pages the matrix lets ``persona`` open in his own scope."""
    urls = []
    for key, row in sorted(MATRIX.items()):
        method, name = key.split(" ", 1)
        if method != "GET" or h.is_api(key) or parse(row)[persona][0] != "200":
            continue
        url, _ = h.page_request(d, name, method, persona, h.OWN)
        urls.append(url)
    return urls


@pytest.fixture(autouse=True)
def _quiet_request_log():
    # The failures are reported by the test; django.request would log each too.
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


@pytest.mark.parametrize("persona", [*h.ROLE_PERSONAS, h.NR])
def test_no_link_shown_leads_to_403_404_or_500(matrix_data, db, persona):
    # given a signed-in persona on the home page
    client = h.client_for(matrix_data, persona)
    # when every link is followed three deep, and those of the matrix's pages
    failures, fetched = crawl(client, pages=matrix_pages(matrix_data, persona))
    # then none of them is refused, missing or broken
    assert fetched > 1
    assert not failures, (
        f"{h.PERSONAS[persona]}: {len(failures)} of {fetched} links fail\n"
        + "\n".join(failures)
    )
