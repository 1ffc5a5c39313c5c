"""A write naming an object of another scope is refused and writes nothing.

Each case is one request with a valid body, first naming the persona's own
objects (it succeeds: the body is right), then naming another scope's (it is
refused with 400/403/404, and PostgreSQL's row counters show no table written).
"""

import logging
from datetime import date, timedelta

import pytest
from django.utils import timezone

from tests.security import harness as h

REFUSED = (400, 403, 404)


@pytest.fixture(autouse=True)
def _quiet_request_log():
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


def _today():
    return timezone.localdate()


def _starts():
    return (timezone.now() + timedelta(days=3)).replace(microsecond=0)


#: (case, persona, url(place), body(d, place)); the own place is A, the other
#: is B for community personas and street Y for street personas.
API_CASES = [
    (
        "grid case in another community's cell",
        h.CS,
        lambda p: "/api/v1/grid-cases/",
        lambda d, p: {
            "cell": p.subcell.pk,
            "category": "environment",
            "title": "井盖缺失",
            "description": "路口井盖缺失。",
        },
    ),
    (
        "visit to another community's cell",
        h.CS,
        lambda p: "/api/v1/visits/",
        lambda d, p: {
            "cell": p.subcell.pk,
            "visited_on": str(_today()),
            "findings": "一切正常",
        },
    ),
    (
        "person living in another community",
        h.CS,
        lambda p: "/api/v1/people/",
        lambda d, p: {
            "name": "新居民",
            "phone": "13700000000",
            "community": p.community.pk,
        },
    ),
    (
        "unit under another community",
        h.CS,
        lambda p: "/api/v1/orgs/",
        lambda d, p: {
            "kind": "unit",
            "name": "新单位",
            "parent": p.community.pk,
            "unit_kind": "private",
        },
    ),
    (
        "seat on another community's committee",
        h.CS,
        lambda p: "/api/v1/committee-seats/",
        lambda d, p: {
            "committee": p.committee.pk,
            "person": p.person.pk,
            "origin": "appointed",
            "term_start": "2024-01-01",
        },
    ),
    (
        "micro-wish in another community",
        h.CS,
        lambda p: "/api/v1/wishes/",
        lambda d, p: {"community": p.community.pk, "title": "想要一台收音机"},
    ),
    (
        "service post in another community",
        h.CS,
        lambda p: "/api/v1/service-posts/",
        lambda d, p: {"community": p.community.pk, "title": "周末值守"},
    ),
    (
        "activity published for another community",
        h.CS,
        lambda p: "/api/v1/activities/",
        lambda d, p: {
            "community": p.community.pk,
            "title": "植树",
            "activity_type": "environment",
            "place": "公园",
            "starts_at": _starts().isoformat(),
            "ends_at": (_starts() + timedelta(hours=2)).isoformat(),
            "capacity": 10,
        },
    ),
    (
        "points for another community's volunteer",
        h.CS,
        lambda p: "/api/v1/points/correct/",
        lambda d, p: {"volunteer": p.volunteer.pk, "points": 5, "reason": "补录"},
    ),
    (
        "volunteer registered in another community",
        h.CS,
        lambda p: "/api/v1/volunteers/",
        lambda d, p: {
            "community": p.community.pk,
            "name": "新志愿者",
            "phone": "13700000001",
        },
    ),
    (
        "spending on another community's budget",
        h.CS,
        lambda p: "/api/v1/spendings/",
        lambda d, p: {
            "budget": p.budget.pk,
            "amount": "10.00",
            "spent_on": str(date(_today().year, 1, 1)),
            "purpose": "打印纸",
        },
    ),
    (
        "social worker of another street",
        h.SA,
        lambda p: "/api/v1/workers/",
        lambda d, p: {
            "name": "新社工",
            "worker_type": "social_worker",
            "community": p.community.pk,
            "employer": "社区居委会",
            "hired_on": "2024-01-01",
        },
    ),
    (
        "training of another street's community",
        h.SA,
        lambda p: "/api/v1/trainings/",
        lambda d, p: {
            "community": p.community.pk,
            "topic": "消防安全",
            "held_on": str(_today()),
            "trainer": "消防站",
        },
    ),
    (
        "budget of another street's community",
        h.SA,
        lambda p: "/api/v1/budgets/",
        lambda d, p: {
            "community": p.community.pk,
            "year": _today().year + 1,
            "line": "service",
            "amount": "500.00",
        },
    ),
    (
        "social organisation in another street",
        h.SA,
        lambda p: "/api/v1/social-orgs/",
        lambda d, p: {
            "community": p.community.pk,
            "name": "书法队",
            "kind": "interest_group",
            "incubated_on": "2024-03-01",
        },
    ),
    (
        "redeeming at another community's love station",
        h.V,
        lambda p: "/api/v1/redemptions/",
        lambda d, p: {"item": p.station_item.pk},
    ),
    (
        "claiming a micro-wish for another unit",
        h.UH,
        lambda p: f"/api/v1/wishes/{p.__dict__['_own'].wish.pk}/claim/",
        lambda d, p: {"as_unit": p.unit.pk},
    ),
    (
        "attendance of another community's worker at one's training",
        h.CS,
        lambda p: f"/api/v1/trainings/{p.__dict__['_own'].training.pk}/attendance/",
        lambda d, p: {"rows": [{"worker": p.worker.pk, "status": "present"}]},
    ),
]


def _api(d, persona, place, case):
    _name, _persona, url, body = case
    place._own = d.A  # cases acting on one's own object name the other's FK
    try:
        return h.call(
            d, persona, "POST", url(place), body(d, place), json=True, count_rows=True
        )
    finally:
        del place._own


@pytest.mark.parametrize("case", API_CASES, ids=[c[0] for c in API_CASES])
def test_an_api_write_naming_another_scope_is_refused(matrix_data, db, case):
    d = matrix_data
    _name, persona, _url, _body = case
    own = _api(d, persona, d.A, case)
    assert own.status in (200, 201), own.response.content[:500]
    assert own.wrote or not h.writes_seen()
    other = _api(d, persona, h.place_of(d, persona, h.OTHER), case)
    assert other.status in REFUSED, other.response.content[:500]
    assert not other.wrote, other.wrote
    assert not other.counts_changed, other.counts_changed


def test_an_in_service_volunteer_works_at_a_unit_of_his_street(matrix_data, db):
    d = matrix_data
    body = {
        "community": d.A.community.pk,
        "name": "在职党员",
        "phone": "13700000002",
        "kind": "in_service",
    }
    own = h.call(
        d, h.CS, "POST", "/api/v1/volunteers/",
        {**body, "employer_unit": d.B.unit.pk}, json=True,
    )  # fmt: skip
    assert own.status == 201, own.response.content[:500]
    other = h.call(
        d, h.CS, "POST", "/api/v1/volunteers/",
        {**body, "employer_unit": d.Y.unit.pk}, json=True,
    )  # fmt: skip
    assert other.status == 400
    assert "本街道" in other.response.content.decode()
    assert not other.wrote


#: Page forms: (case, persona, route, url kwargs(place), body(d, place)).
PAGE_CASES = [
    (
        "grid case in another community's cell",
        h.CS,
        "grids:case_new",
        lambda p: {},
        lambda d, p: {
            "cell": p.subcell.pk,
            "category": "environment",
            "title": "井盖缺失",
            "description": "路口井盖缺失。",
        },
    ),
    (
        "action item for another community's unit",
        h.CS,
        "meetings:problem_item_add",
        lambda p: {"pk": p._own.problem.pk},
        lambda d, p: {
            "unit": p.unit.pk,
            "title": "修复路灯",
            "due_on": str(_today() + timedelta(days=7)),
            "weight": "1",
        },
    ),
    (
        "person living in another community",
        h.CS,
        "orgs:person_create",
        lambda p: {},
        lambda d, p: {"name": "新居民", "community": p.community.pk},
    ),
    (
        "activity published for another community",
        h.CS,
        "volunteers:activity_create",
        lambda p: {},
        lambda d, p: {
            "publisher": p.community.pk,
            "title": "植树",
            "category": "activity",
            "activity_type": "environment",
            "service_mode": "voluntary",
            "place": "公园",
            "starts_at": _starts().strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (_starts() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "capacity": "10",
        },
    ),
    (
        "spending on another community's budget",
        h.CS,
        "support:spending_new",
        lambda p: {},
        lambda d, p: {
            "budget": p.budget.pk,
            "amount": "10.00",
            "spent_on": str(date(_today().year, 1, 1)),
            "purpose": "打印纸",
        },
    ),
]


@pytest.mark.parametrize("case", PAGE_CASES, ids=[c[0] for c in PAGE_CASES])
def test_a_form_naming_another_scope_is_refused(matrix_data, db, case):
    from django.urls import reverse

    d = matrix_data
    _name, persona, route, kwargs, body = case

    def post(place):
        place._own = d.A
        try:
            url = reverse(route, kwargs=kwargs(place) or None)
            return h.call(d, persona, "POST", url, body(d, place), count_rows=True)
        finally:
            del place._own

    own = post(d.A)
    assert own.status == 302 and own.counts_changed, own.response.content[:300]
    other = post(h.place_of(d, persona, h.OTHER))
    # The form shows the choice as invalid (200) or the page refuses.
    assert other.status in (200, *REFUSED)
    assert not other.wrote, other.wrote
    assert not other.counts_changed, other.counts_changed
