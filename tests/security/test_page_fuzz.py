"""Hostile query strings on every list page: never a server error.

Every GET page of the security matrix (``tests/security/matrix.py``) that
names no object (lists, boards, reports, exports, forms) and that a persona
opens (200) is first asked once plainly: the query parameters its view reads
(every key looked up in ``request.GET`` during that request, forms bound to
it included) and the ones its own links and GET forms offer are noted, with
the values they offer. Hypothesis then asks the page again with those
parameters (and the ones other pages read) set to hostile values: NUL
characters, huge, negative and non-numeric numbers, impossible years and
months, very long strings, other scripts and emoji, parameters repeated. No
answer may be a 5xx (nor an exception in the view).

Who asks: the street admin and community A's secretary on the pages they
open; a page neither opens, the first persona that does (a volunteer's own
pages). Bounded: three explicit examples per page (the street admin's) and
``PORTAL_FUZZ_EXAMPLES`` (default 2) generated ones per page and persona, no
shrinking (about 30 s on an idle 2-core machine); ``PORTAL_FUZZ_EXAMPLES=50``
for a deeper hunt by hand.
"""

import logging
import os
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.db import transaction
from django.http import QueryDict
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from tests.security import harness as h
from tests.security.matrix import MATRIX, parse

EXAMPLES = int(os.environ.get("PORTAL_FUZZ_EXAMPLES", 2))
#: Who fuzzes a page without an object, in this order of preference.
LIST_PERSONAS = (h.SA, h.CS)
#: Huge, negative, non-numeric, impossible dates, odd digits, long, markup.
HOSTILE = [
    "\x00",
    "1\x00",
    "-1",
    "0",
    "99999999999999999999999",
    "-99999999999999999999999",
    "2147483648",
    "9223372036854775808",
    "1e309",
    "NaN",
    "inf",
    "1.5",
    "²",  # isdigit() says yes, int() says no
    "１２",  # full-width digits: int() accepts them
    "٣",
    "10000",
    "9999",
    "1899",
    "9999-12",
    "10000-01",
    "0000-00",
    "2024-13",
    "2024-00",
    "-2024-01",
    "2024-02-30",
    "99999-01-01",
    "2024-07-01T25:61",
    " ",
    "",
    "x" * 3000,
    "甲" * 600,
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "%",
    "%00",
    "../../etc/passwd",
    "😀",
    "\u202e",
    "null",
    "[]",
    "-",
    "--score",
    "__class__",
]
#: Explicit examples: every parameter of the page at once, values rotating
#: through these (so each parameter meets each kind across the examples).
ROTATION = [
    "99999999999999999999999",
    "-1",
    "²",
    "10000",
    "9999-12",
    "x" * 3000,
]
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)),  # no lone surrogates
    max_size=40,
)
VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    TEXT,
)


@pytest.fixture(autouse=True)
def _quiet_request_log():
    # Refusals (400/403/404) are expected by the hundred.
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


# -- what a page reads -------------------------------------------------------------------


class _Reads:
    """Record every key looked up in a QueryDict while active."""

    METHODS = ("get", "__getitem__", "getlist", "__contains__")

    def __init__(self):
        self.keys = set()

    def __enter__(self):
        self.saved = {name: QueryDict.__dict__.get(name) for name in self.METHODS}
        for name in self.METHODS:
            setattr(QueryDict, name, self._spy(name))
        return self

    def __exit__(self, *exc):
        for name, method in self.saved.items():
            if method is None:
                delattr(QueryDict, name)
            else:
                setattr(QueryDict, name, method)

    def _spy(self, name):
        original = getattr(QueryDict, name)
        keys = self.keys

        def spy(qd, key, *args, **kwargs):
            if isinstance(key, str):
                keys.add(key)
            return original(qd, key, *args, **kwargs)

        return spy


class _Offers(HTMLParser):
    """The query parameters (and values) a page's links and GET forms offer
    for its own path."""

    def __init__(self, path):
        super().__init__()
        self.path = path
        self.values = {}
        self._in_get_form = False
        self._select = None

    def _add(self, name, value=None):
        if not name:
            return
        values = self.values.setdefault(name, set())
        if value:
            values.add(value[:100])

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            url = urlsplit(attrs["href"])
            if url.query and url.path in ("", self.path):
                for name, value in parse_qsl(url.query, keep_blank_values=True):
                    self._add(name, value)
        elif tag == "form":
            method = (attrs.get("method") or "get").lower()
            action = urlsplit(attrs.get("action") or "").path
            self._in_get_form = method == "get" and action in ("", self.path)
        elif self._in_get_form and tag in ("input", "select", "textarea"):
            kind = (attrs.get("type") or "").lower()
            if kind not in ("submit", "button", "file"):
                self._add(attrs.get("name"), attrs.get("value"))
            self._select = attrs.get("name") if tag == "select" else None
        elif tag == "option" and self._in_get_form and self._select:
            self._add(self._select, attrs.get("value"))

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_get_form = False
        elif tag == "select":
            self._select = None


def _get(d, persona, url):
    """One GET as ``persona`` in a savepoint (a failure leaves the rest usable)."""
    client = h.client_for(d, persona)
    with transaction.atomic():
        response = client.get(url)
        transaction.set_rollback(True)
    return response


def _cells():
    """``(row, personas)`` to fuzz: see the module's docstring."""
    for key in sorted(MATRIX):
        method, name = key.split(" ", 1)
        if method != "GET" or h.is_api(key) or h.has_other(key):
            continue
        cells = parse(MATRIX[key])
        opens = [p for p in h.ROLE_PERSONAS if cells[p][0] == "200"]
        chosen = [p for p in LIST_PERSONAS if p in opens] or opens[:1]
        if chosen:
            yield key, chosen


class Page:
    """One page as one persona: its URL, what it reads and offers."""

    def __init__(self, key, persona, path, params, first):
        self.key = key
        self.persona = persona
        self.path = path
        self.params = params  # name -> the values the page offers
        self.first = first  # the first persona asking: explicit examples too

    def __repr__(self):
        return f"{self.key} as {self.persona}"


def _names(keys):
    """Parameter names, without the probe's own and the QueryDict attributes
    a template reaches by lookup (``request.GET.urlencode``)."""
    return {k for k in keys if k != "_" and not hasattr(QueryDict, k)}


@pytest.fixture(scope="module")
def pages(matrix_data):
    """Each page of ``_cells()`` asked once, plainly, by its first persona,
    with what it reads and offers; one ``Page`` per persona."""
    d = matrix_data
    found = []
    for key, personas in _cells():
        url = h.page_url(d, key.split(" ", 1)[1], personas[0], h.OWN)
        # A parameter the view does not know binds ``Form(request.GET or None)``
        # forms, so their fields are read too.
        with _Reads() as reads:
            response = _get(d, personas[0], f"{url}?_=1")
            if response.status_code != 200:  # a form that refuses unknown input
                response = _get(d, personas[0], url)
        assert response.status_code == 200, f"{key}: {response}"
        offers = _Offers(url)
        if response.get("Content-Type", "").startswith("text/html"):
            offers.feed(response.content.decode("utf-8", "replace"))
        params = {name: set() for name in _names(reads.keys)}
        for name in _names(offers.values):
            params.setdefault(name, set()).update(offers.values[name])
        found += [
            Page(key, persona, url, params, i == 0)
            for i, persona in enumerate(personas)
        ]
    return found


# -- the fuzzing ------------------------------------------------------------------------


def _short(url):
    return url if len(url) < 300 else url[:300] + f"… ({len(url)} characters)"


def _pairs(page, everyone):
    """Hypothesis strategy: a list of ``(name, value)`` pairs (names may repeat)."""
    own = sorted(page.params)
    others = sorted(everyone - set(own)) or ["q"]
    name = (
        st.one_of(st.sampled_from(own), st.sampled_from(own), st.sampled_from(others))
        if own
        else st.sampled_from(others)
    )

    def value_for(n):
        offered = sorted(page.params.get(n, ()))
        if offered:
            return st.one_of(VALUES, st.sampled_from(offered))
        return VALUES

    pair = name.flatmap(lambda n: st.tuples(st.just(n), value_for(n)))
    return st.lists(pair, min_size=1, max_size=6)


def _explicit(page):
    """Every parameter of the page at once: values through the rotation, then
    each parameter twice, then a NUL in each."""
    own = sorted(page.params)
    if not own or not page.first:
        return []
    size = len(ROTATION)
    return [
        [(n, ROTATION[i % size]) for i, n in enumerate(own)],
        [(n, ROTATION[(i + k) % size]) for i, n in enumerate(own) for k in (1, 2)],
        [(n, "1\x00") for n in own],
    ]


def _check(d, page, pairs):
    url = f"{page.path}?{urlencode(pairs)}"
    try:
        response = _get(d, page.persona, url)
    except Exception as exc:  # the test client re-raises the view's exception
        raise AssertionError(
            f"GET {_short(url)}: {type(exc).__name__}: {str(exc)[:300]}"
        ) from None
    assert response.status_code < 500, f"GET {_short(url)}: {response.status_code}"


def _fuzz(d, page, everyone):
    @settings(
        # A page that reads nothing gets one example (the others' parameters).
        max_examples=EXAMPLES if page.params else 1,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(pairs=_pairs(page, everyone))
    def run(pairs):
        _check(d, page, pairs)

    for pairs in _explicit(page):
        run = example(pairs=pairs)(run)
    run()


def test_the_discovery_finds_the_parameters_known_views_read(db, pages):
    """The discovery works: the known readers are found (else the fuzz is blind)."""
    reads = {(p.key, p.persona): p.params for p in pages}
    assert {"q", "page"} <= reads[("GET volunteers:manage_activities", h.SA)].keys()
    assert "year" in reads[("GET volunteers:group_events", h.SA)]
    assert {"year", "month", "unit"} <= reads[
        ("GET volunteers:inservice_report", h.CS)
    ].keys()
    assert {"q", "community", "kind"} <= reads[("GET orgs:units_export", h.SA)].keys()
    assert "person" in reads[("GET volunteers:ledger", h.SA)]["by"]  # offered
    assert {p.persona for p in pages} == {h.SA, h.CS, h.V}


def test_no_page_answers_a_hostile_query_string_with_a_server_error(
    matrix_data, db, pages
):
    d = matrix_data
    everyone = set().union(*(p.params for p in pages))
    failures = []
    for page in pages:
        try:
            _fuzz(d, page, everyone)
        except (Exception, BaseExceptionGroup) as exc:  # report every page
            lines = [line for line in str(exc).splitlines() if line.strip()]
            failures.append(f"{page!r}: " + "\n    ".join(lines[:6]))
    assert not failures, f"{len(failures)} pages failed:\n" + "\n".join(failures)
