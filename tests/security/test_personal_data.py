"""Phones are masked for roles without ``orgs.view_phone``; no personal data
travels in a URL."""

import io
import logging
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from portal.roles import ACTIONS
from tests.security import harness as h
from tests.security.data import PHONE
from tests.security.matrix import MATRIX, STREET_WIDE, parse

#: A mainland mobile number, not part of a longer number.
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Personas whose roles lack ``orgs.view_phone`` (and the one without a role).
WITHOUT_PHONES = [h.UH, h.GW, h.V, h.NR]
#: Forms that show a phone to the one who maintains it: the user's own
#: registration, and the edit form of the unit a unit head may edit.
OWN_PHONE_PAGES = {"GET volunteers:register", "GET orgs:unit_edit"}


@pytest.fixture(autouse=True)
def _quiet_request_log():
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


def text_of(response):
    """What a response shows, as text (an .xlsx: every cell's value)."""
    if getattr(response, "streaming", False):
        return ""
    if response.get("Content-Type", "").startswith(XLSX):
        book = load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(
            " ".join("" if v is None else str(v) for v in row)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    return response.content.decode("utf-8", "replace")


def get_rows():
    return sorted(key for key in MATRIX if key.startswith("GET "))


def test_the_personas_without_phones_are_the_roles_without_view_phone():
    from portal.models import Role

    roles = {h.UH: Role.UNIT_HEAD, h.GW: Role.GRID_WORKER, h.V: Role.VOLUNTEER}
    assert all(r not in ACTIONS["orgs.view_phone"] for r in roles.values())
    assert {h.SA, h.SS, h.CS} and Role.COMMUNITY_SECRETARY in ACTIONS["orgs.view_phone"]


@pytest.mark.parametrize("persona", WITHOUT_PHONES)
def test_no_page_api_or_export_shows_a_phone_to_roles_without_view_phone(
    matrix_data, db, persona
):
    d = matrix_data
    shown = []
    for key in get_rows():
        if key in OWN_PHONE_PAGES:
            continue
        cells = parse(MATRIX[key])
        for _persona, scope in h.cells_of(key, [persona]):
            if cells[persona][0 if scope == h.OWN else 1] != "200":
                continue
            answer = h.ask(d, key, persona, scope, STREET_WIDE.get(key, ()))
            found = MOBILE.findall(text_of(answer.response))
            if found:
                shown.append(f"{key} ({scope}): {sorted(set(found))}")
    assert not shown, "\n".join(shown)


def _masked(phone):
    return phone[:3] + "****" + phone[-4:]


#: Lists that show phones in full to roles with ``orgs.view_phone``.
PHONE_LISTS = [
    "orgs:people",
    "orgs:people_export",
    "orgs:units",
    "orgs:units_export",
    "/api/v1/people/",
    "/api/v1/orgs/",
]
#: Lists that mask every phone, whoever looks.
MASKED_LISTS = ["volunteers:volunteer_list", "/api/v1/volunteers/"]


def _body(d, persona, route):
    url = route if route.startswith("/") else reverse(route)
    return text_of(h.call(d, persona, "GET", url).response)


@pytest.mark.parametrize("route", PHONE_LISTS)
def test_lists_show_phones_to_secretaries_and_mask_them_for_unit_heads(
    matrix_data, db, route
):
    d = matrix_data
    assert PHONE["A"] in _body(d, h.CS, route)
    head = _body(d, h.UH, route)
    assert _masked(PHONE["A"]) in head  # the row is there, its phone masked
    assert PHONE["A"] not in head


@pytest.mark.parametrize("route", MASKED_LISTS)
def test_volunteer_lists_mask_phones_for_everyone(matrix_data, db, route):
    d = matrix_data
    for persona in (h.SA, h.CS, h.UH):
        body = _body(d, persona, route)
        assert _masked(PHONE["A"]) in body, persona
        assert PHONE["A"] not in body, persona


# -- no personal data in URLs -----------------------------------------------------


class _Links(HTMLParser):
    """Every URL of a page (href, src, action, formaction) and its GET forms."""

    def __init__(self):
        super().__init__()
        self.urls = []
        self.get_forms = []  # the input names of each GET form
        self._form = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("href", "src", "action", "formaction", "hx-get", "data-url"):
            if attrs.get(name):
                self.urls.append(attrs[name])
        if tag == "form":
            method = (attrs.get("method") or "get").lower()
            self._form = [] if method == "get" else None
        elif tag in ("input", "select", "textarea") and self._form is not None:
            self._form.append(
                (attrs.get("name") or "", attrs.get("type") or "", attrs.get("value"))
            )

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.get_forms.append(self._form)
            self._form = None


PHONE_FIELD = re.compile(r"phone|mobile|tel|手机|电话", re.I)


@pytest.mark.parametrize("persona", [h.SA, h.CS])
def test_no_link_or_get_form_carries_a_phone(matrix_data, db, persona):
    """Every page the persona reaches: no phone in any URL on it, and no GET
    form asks for a phone (a phone search posts its form)."""
    d = matrix_data
    problems = []
    for key in get_rows():
        if h.is_api(key):
            continue
        cells = parse(MATRIX[key])
        if cells[persona][0] != "200":
            continue
        answer = h.ask(d, key, persona, h.OWN, STREET_WIDE.get(key, ()))
        if not answer.response.get("Content-Type", "").startswith("text/html"):
            continue
        links = _Links()
        links.feed(answer.response.content.decode("utf-8", "replace"))
        problems += [f"{key}: link {u}" for u in links.urls if MOBILE.search(u)]
        for fields in links.get_forms:
            for name, kind, _value in fields:
                if kind == "tel" or PHONE_FIELD.search(name):
                    problems.append(f"{key}: GET form field {name!r}")
    assert not problems, "\n".join(problems)


def test_redirects_carry_no_phone(matrix_data, db):
    """After saving a person with a phone, the redirect names him by id."""
    d = matrix_data
    answer = h.call(
        d,
        h.CS,
        "POST",
        reverse("orgs:person_create"),
        {"name": "新居民", "phone": "13766667777", "community": d.A.community.pk},
    )
    assert answer.status == 302
    assert not MOBILE.search(answer.location), answer.location


# -- who looked at whom -----------------------------------------------------------


#: The full mobiles of the dataset's people, unit contacts, reporters, residents.
FULL_PHONES = sorted(PHONE.values())


def _shown_phones(answer):
    text = text_of(answer.response)
    return [phone for phone in FULL_PHONES if phone in text]


def test_every_page_or_api_showing_a_full_mobile_writes_an_access_log_row(
    matrix_data, db
):
    """Walk every GET of the matrix (pages, exports and the API) for every
    persona and scope that gets 200: an answer that shows one of the dataset's
    mobiles unmasked must have written a ``portal.AccessLog`` row (SECURITY.md:
    who viewed or exported personal data is recorded)."""
    d = matrix_data
    unlogged = []
    checked = 0
    for key in get_rows():
        cells = parse(MATRIX[key])
        for persona, scope in h.cells_of(key, h.ROLE_PERSONAS):
            if cells[persona][0 if scope == h.OWN else 1] != "200":
                continue
            answer = h.ask(
                d, key, persona, scope, STREET_WIDE.get(key, ()), access_logs=True
            )
            shown = _shown_phones(answer)
            if not shown:
                continue
            checked += 1
            if not answer.access_logs:
                unlogged.append(f"{key} as {persona} ({scope}): shows {shown}")
    assert not unlogged, "personal data seen without an access-log row:\n" + (
        "\n".join(unlogged)
    )
    assert checked > 20  # the walk reaches the people, units, volunteers …
