"""Query strings typed, edited or forged by hand: a clear answer, never a 500.

NUL characters are refused once for every request
(``portal.middleware.QueryStringGuardMiddleware``); numbers and years are read
through ``portal.params`` with bounds. ``tests/security/test_page_fuzz.py``
fuzzes every page; these are the cases of issue 17 and the readers' rules.
"""

import pytest
from django.urls import resolve, reverse

from portal.models import AccessLog
from portal.params import YEAR_MAX, YEAR_MIN, query_year, to_int
from tests.conftest import login

#: The URLs of issue 17 that answered 500.
NUL_URLS = [
    "/volunteers/manage/activities/?q=%00",
    "/volunteers/manage/volunteers/?q=%00",
    "/volunteers/manage/ledger/?by=person&q=%00",
]
YEAR_URLS = [
    "/volunteers/manage/events/?year=-1",
    "/volunteers/manage/events/?year=10000",
    "/volunteers/manage/events/?year=99999999999999999999999",
]


@pytest.mark.parametrize("url", NUL_URLS)
@pytest.mark.parametrize("persona", ["street_admin", "secretary_a"])
def test_a_nul_in_a_search_is_refused_with_a_chinese_400_page(world, url, persona):
    # given
    client = login(getattr(world, persona))
    # when
    response = client.get(url)
    # then
    assert response.status_code == 400
    page = response.content.decode()
    assert "链接中含有无效字符" in page
    assert "<html" in page  # the styled error page, not a bare text
    assert not AccessLog.objects.exists()  # refused before any view looked


@pytest.mark.parametrize("url", YEAR_URLS)
@pytest.mark.parametrize("persona", ["street_admin", "secretary_a"])
def test_an_impossible_year_shows_the_events_of_every_year(world, url, persona):
    # given
    client = login(getattr(world, persona))
    # when
    response = client.get(url)
    # then
    assert response.status_code == 200


@pytest.mark.parametrize(
    "query",
    ["q=%00", "%00=1", "q=a&q=b%00", "page=1%00", "year=2024%00"],
)
def test_a_nul_anywhere_in_the_query_string_is_refused(world, query):
    client = login(world.secretary_a)
    response = client.get(f"{reverse('orgs:units')}?{query}")
    assert response.status_code == 400


def test_the_api_refuses_a_nul_with_a_json_400(world):
    # given
    client = login(world.secretary_a)
    # when
    response = client.get("/api/v1/people/?search=%00")
    # then
    assert response.status_code == 400
    assert "链接中含有无效字符" in response.json()["detail"]


def test_a_nul_in_the_path_is_refused(world):
    client = login(world.secretary_a)
    response = client.get("/volunteers/c/ab%00cd/")
    assert response.status_code == 400


def test_the_same_searches_without_nul_still_work(world):
    client = login(world.secretary_a)
    for url in NUL_URLS:
        assert client.get(url.replace("%00", "甲")).status_code == 200, url


def test_the_refusal_is_in_english_for_an_english_session(world):
    client = login(world.secretary_a)
    client.cookies["django_language"] = "en"
    response = client.get(NUL_URLS[0])
    assert response.status_code == 400
    assert "链接中含有无效字符" not in response.content.decode()


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2024", 2024),
        (" 2024 ", 2024),
        ("+2024", 2024),
        (str(YEAR_MIN), YEAR_MIN),
        (str(YEAR_MAX), YEAR_MAX),
        (str(YEAR_MIN - 1), None),
        (str(YEAR_MAX + 1), None),
        ("-1", None),
        ("10000", None),
        ("99999999999999999999999", None),
        ("9" * 5000, None),
        ("²", None),  # a digit to str.isdigit, not a number
        ("２０２４", None),  # full-width digits are not typed in a URL
        ("2024.0", None),
        ("1e3", None),
        ("", None),
        (None, None),
    ],
)
def test_a_year_is_read_within_its_bounds_or_not_at_all(raw, expected):
    params = {} if raw is None else {"year": raw}
    assert query_year(params) == expected
    assert query_year(params, default=1) == (1 if expected is None else expected)


def test_numbers_keep_within_the_bounds_asked():
    assert to_int("7", minimum=1, maximum=12) == 7
    assert to_int("13", 5, minimum=1, maximum=12) == 5
    assert to_int("-3") == -3
    assert to_int("0", minimum=1) is None


@pytest.mark.parametrize("year", ["1999", "2101", "9999"])
def test_a_year_out_of_bounds_in_a_path_is_not_found(world, year):
    # given
    client = login(world.street_admin)
    card = f"/volunteers/manage/in-service/card/{world.unit_a.pk}"
    report = f"/evaluations/annual/{world.unit_a.pk}"
    # when / then: no route matches, as for an object that does not exist
    assert client.get(f"{card}/{year}/2/").status_code == 404
    assert client.get(f"{card}/{year}/2.xlsx").status_code == 404
    assert client.get(f"{report}/{year}/").status_code == 404


def test_a_year_within_bounds_in_a_path_reaches_its_view_as_a_number():
    # (The pages themselves answer 200 in tests/security/test_matrix.py.)
    for name, kwargs in [
        ("volunteers:service_card", {"unit_id": 7, "year": 2026, "quarter": 2}),
        ("volunteers:service_card_xlsx", {"unit_id": 7, "year": 2026, "quarter": 2}),
        ("evaluations:annual_report", {"unit_pk": 7, "year": 2026}),
        ("evaluations:annual_report_xlsx", {"unit_pk": 7, "year": 2026}),
    ]:
        url = reverse(name, kwargs=kwargs)
        assert "/2026/" in url or "/2026." in url, url
        assert resolve(url).kwargs["year"] == 2026
