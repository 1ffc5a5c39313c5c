"""Every API write made with a token is audited with the token's user.

django-auditlog's middleware takes the actor from the session before REST
framework has read the ``Authorization: Token`` header; the portal's token
authentication names the caller afterwards (``portal.authentication``). Here
the allowed writes of the matrix (its ``w`` cells) and a valid write of every
viewset that writes are made with the persona's API token, no session, and
every audit entry each one wrote must name that persona; so must every "who
did it" column (``created_by``, ``recorded_by`` …) of the rows it created.
"""

import logging
from datetime import date

import pytest
from auditlog.models import LogEntry
from django.db import transaction
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from tests.security import harness as h
from tests.security.matrix import COLUMNS, MATRIX, parse
from tests.security.test_scope_writes import API_CASES


@pytest.fixture(autouse=True)
def _quiet_request_log():
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


def _today():
    return timezone.localdate()


def user_of(d, persona):
    return getattr(d.world, h.USERS[persona])


#: Columns naming a user that are not "who did it" (whom it is for).
NOT_WHO = {"recipient"}
OWN_APPS = {
    "portal",
    "orgs",
    "grids",
    "meetings",
    "volunteers",
    "evaluations",
    "support",
}


def who_columns():
    """``{model: [field names]}``: the portal's columns naming who did a thing
    (``created_by``, ``recorded_by``, ``actor``, the access log's user …)."""
    from django.apps import apps

    from portal.models import RoleAssignment, User

    found = {}
    for model in apps.get_models():
        if model._meta.app_label not in OWN_APPS or model is RoleAssignment:
            continue
        names = [
            f.name
            for f in model._meta.get_fields()
            if f.many_to_one
            and f.concrete
            and f.related_model is User
            and f.name not in NOT_WHO
        ]
        if names:
            found[model] = names
    return found


def _last_pks(models):
    return {
        m: m._base_manager.order_by("-pk").values_list("pk", flat=True).first()
        for m in models
    }


def token_call(d, persona, method, url, body=None):
    """Make one request with ``persona``'s token inside a savepoint; return
    the response, the audit entries it wrote and the "who" columns of the
    rows it created (rolled back afterwards)."""
    import json

    user = user_of(d, persona)
    columns = who_columns()
    sid = transaction.savepoint()
    try:
        token, _ = Token.objects.get_or_create(user=user)
        last = LogEntry.objects.order_by("-id").values_list("id", flat=True).first()
        before = _last_pks(columns)
        response = Client(HTTP_AUTHORIZATION=f"Token {token.key}").generic(
            method,
            url,
            data=json.dumps(body or {}),
            content_type="application/json",
        )
        entries = list(
            LogEntry.objects.filter(id__gt=last or 0).values_list(
                "content_type__model", "action", "actor_id"
            )
        )
        who = []
        for model, names in columns.items():
            rows = model._base_manager.filter(pk__gt=before[model] or 0)
            for values in rows.values_list(*names):
                who += [
                    (model._meta.label, name, value)
                    for name, value in zip(names, values, strict=True)
                    if value is not None
                ]
    finally:
        transaction.savepoint_rollback(sid)
    return response, entries, who


def assert_audited_with(entries, who, user, what):
    anonymous = [e for e in entries if e[2] != user.pk]
    assert not anonymous, f"{what}: entries without its caller as actor: {anonymous}"
    others = [w for w in who if w[2] != user.pk]
    assert not others, f"{what}: rows naming another user as who did it: {others}"


# -- the matrix's allowed writes ------------------------------------------------------


def _matrix_writes():
    """(row, persona) of every API write the matrix lets a persona make."""
    cases = []
    for key, row in sorted(MATRIX.items()):
        method = key.split(" ", 1)[0]
        if method == "GET" or not h.is_api(key) or key.endswith("/auth/token/"):
            continue
        for persona, (own, _other) in parse(row).items():
            if own.endswith("w") and persona in h.USERS:
                cases.append((key, persona))
    return cases


MATRIX_WRITES = _matrix_writes()


@pytest.mark.parametrize(
    "key,persona", MATRIX_WRITES, ids=[f"{k} {p}" for k, p in MATRIX_WRITES]
)
def test_a_matrix_write_with_a_token_is_audited_with_its_caller(
    matrix_data, db, key, persona
):
    d = matrix_data
    url = h.api_request(d, key, persona, h.OWN)
    response, entries, who = token_call(d, persona, key.split(" ", 1)[0], url)
    assert 200 <= response.status_code < 300, (key, response.content[:300])
    assert_audited_with(entries, who, user_of(d, persona), key)


def test_the_matrix_has_token_writes_to_walk():
    assert len(MATRIX_WRITES) >= 8
    assert {p for _k, p in MATRIX_WRITES} >= {h.SA, h.UH, h.V}
    assert set(COLUMNS) >= {p for _k, p in MATRIX_WRITES}


# -- a valid write of every viewset that writes ------------------------------------------

#: (operation, persona, url(d), body(d)): each a write the persona may make in
#: his own scope (community A / street T), with a body that succeeds. The
#: scope-write cases (``test_scope_writes.API_CASES``) are added below.
WRITES = [
    (
        "PATCH /api/v1/people/{id}/",
        h.UH,
        lambda d: f"/api/v1/people/{d.A.unit_secretary.pk}/",
        lambda d: {"name": "改名的单位书记"},
    ),
    (
        "PATCH /api/v1/orgs/{id}/",
        h.CS,
        lambda d: f"/api/v1/orgs/{d.A.unit.pk}/",
        lambda d: {"headcount": 77},
    ),
    (
        "POST /api/v1/committee-seats/{id}/vacate/",
        h.CS,
        lambda d: f"/api/v1/committee-seats/{d.A.seat.pk}/vacate/",
        lambda d: {"reason": "调离"},
    ),
    (
        "POST /api/v1/grid-cases/{id}/note/",
        h.GW,
        lambda d: f"/api/v1/grid-cases/{d.A.case.pk}/note/",
        lambda d: {"text": "已联系物业"},
    ),
    (
        "POST /api/v1/grid-cases/{id}/close/",
        h.CS,
        lambda d: f"/api/v1/grid-cases/{d.A.case.pk}/close/",
        lambda d: {"text": "已修复"},
    ),
    (
        "POST /api/v1/action-items/{id}/progress/",
        h.UH,
        lambda d: f"/api/v1/action-items/{d.A.item.pk}/progress/",
        lambda d: {"status": "in_progress", "progress": 50, "note": "已开工"},
    ),
    (
        "POST /api/v1/problems/{id}/escalate/",
        h.CS,
        lambda d: f"/api/v1/problems/{d.A.problem.pk}/escalate/",
        lambda d: {"reason": "社区无法解决"},
    ),
    (
        "POST /api/v1/redemptions/{id}/cancel/",
        h.CS,
        lambda d: f"/api/v1/redemptions/{d.A.redemption.pk}/cancel/",
        lambda d: {"reason": "未领取"},
    ),
    (
        "POST /api/v1/evaluation-runs/",
        h.SA,
        lambda d: "/api/v1/evaluation-runs/",
        lambda d: {"month": "2024-08"},
    ),
    (
        "POST /api/v1/appeals/{id}/decide/",
        h.SA,
        lambda d: f"/api/v1/appeals/{d.A.appeal.pk}/decide/",
        lambda d: {"accept": False, "reason": "评级依据充分"},
    ),
    (
        "POST /api/v1/commitments/",
        h.SS,
        lambda d: "/api/v1/commitments/",
        lambda d: {
            "year": _today().year,
            "theme": "governance",
            "title": "办好一件实事",
        },
    ),
    (
        "PUT /api/v1/workers/{id}/",
        h.SS,
        lambda d: f"/api/v1/workers/{d.A.worker.pk}/",
        lambda d: {"employer": "社区居委会", "hired_on": "2023-01-01", "note": "续聘"},
    ),
    (
        "POST /api/v1/social-orgs/{id}/status/",
        h.SS,
        lambda d: f"/api/v1/social-orgs/{d.A.social_org.pk}/status/",
        lambda d: {"status": "operating", "reason": "已独立运营"},
    ),
    (
        "POST /api/v1/spendings/{id}/void/",
        h.CS,
        lambda d: f"/api/v1/spendings/{d.A.spending.pk}/void/",
        lambda d: {"reason": "重复录入"},
    ),
    (
        "POST /api/v1/special-funds/{id}/entries/",
        h.SS,
        lambda d: f"/api/v1/special-funds/{d.A.fund.pk}/entries/",
        lambda d: {
            "kind": "contribution",
            "amount": "100.00",
            "occurred_on": str(date(_today().year, 1, 2)),
            "counterparty": "共建单位",
        },
    ),
]


class _Probe:
    """Stands in for a place when naming a scope case's operation."""

    def __getattr__(self, name):
        return _Probe()

    def __str__(self):
        return "{id}"


class _Own:
    """Community A of the dataset, as the scope cases name their own place."""

    def __init__(self, d):
        self.__dict__.update(vars(d.A))
        self._own = d.A


def _scope_case_writes():
    """The own-scope writes of ``test_scope_writes.API_CASES`` (those that name
    a collection; the ones acting on an object of their own are left out)."""
    cases = []
    for _name, persona, url, body in API_CASES:
        try:
            path = url(_Probe())
        except KeyError:
            continue
        cases.append(
            (
                f"POST {path}",
                persona,
                lambda d, url=url: url(_Own(d)),
                lambda d, body=body: body(d, _Own(d)),
            )
        )
    return cases


WRITES += _scope_case_writes()


@pytest.mark.parametrize("case", WRITES, ids=[f"{c[0]} {c[1]}" for c in WRITES])
def test_a_write_with_a_token_is_audited_with_its_caller(matrix_data, db, case):
    d = matrix_data
    key, persona, url, body = case
    response, entries, who = token_call(
        d, persona, key.split(" ", 1)[0], url(d), body(d)
    )
    assert 200 <= response.status_code < 300, (key, response.content[:500])
    # Audited, or its own history (ledgers, events) names who did it.
    assert entries or who, f"{key}: wrote neither an audit entry nor who did it"
    assert_audited_with(entries, who, user_of(d, persona), key)


def test_every_viewset_that_writes_has_a_token_write_here():
    """A new viewset with writes joins ``WRITES`` (or the matrix's ``w`` cells)."""
    covered = {h.api_resource(k.split(" ", 1)[1]) for k, *_ in WRITES}
    covered |= {h.api_resource(k.split(" ", 1)[1]) for k, _p in MATRIX_WRITES}
    writing = {
        h.api_resource(k.split(" ", 1)[1])
        for k in h.api_operations()
        if not k.startswith("GET ")
    } - {"auth"}
    missing = sorted(writing - covered)
    assert not missing, f"viewsets with writes but no token write here: {missing}"


def test_a_write_with_a_session_names_the_same_actor(matrix_data, db):
    """The page path (middleware) and the token path agree."""
    d = matrix_data
    url = f"/api/v1/people/{d.A.unit_secretary.pk}/"
    sid = transaction.savepoint()
    try:
        last = LogEntry.objects.order_by("-id").values_list("id", flat=True).first()
        answer = h.client_for(d, h.UH).patch(
            url, {"name": "会话改名"}, content_type="application/json"
        )
        actors = set(
            LogEntry.objects.filter(id__gt=last or 0).values_list("actor_id", flat=True)
        )
    finally:
        transaction.savepoint_rollback(sid)
    assert answer.status_code == 200
    assert actors == {d.world.unit_head_a.pk}
