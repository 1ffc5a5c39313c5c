"""Schemathesis against the portal's own OpenAPI schema, in-process, per role.

The schema is fetched from ``/api/schema/`` through the WSGI application and
every operation is called with generated input (path ids, filters, bodies) as
each persona of ``tests/conftest.py`` (an API token each) and anonymously.
Bounded: a few examples per operation and role, no shrinking, so the whole
module stays well under a minute and a half.

Promises checked: no answer is a server error; every answer the schema
documents matches it (status, content type, body); an anonymous caller gets
only 401 or 403 (the token endpoint excepted: it is the way in).
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from config.wsgi import application
from tests.conftest import build_world

pytestmark = pytest.mark.django_db

PERSONAS = [
    "street_admin",
    "secretary_a",
    "unit_head_a",
    "grid_worker_a",
    "volunteer_a",
    "outsider",
]
#: Examples per operation and persona (anonymous callers need only one);
#: ``PORTAL_FUZZ_EXAMPLES=50`` for a deeper hunt by hand.
EXAMPLES = int(os.environ.get("PORTAL_FUZZ_EXAMPLES", 2))
#: Reachable without signing in: the way to get a token.
ANONYMOUS_ALLOWED = {"POST /api/v1/auth/token/"}
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def api(django_db_setup, django_db_blocker):
    """The personas with their tokens and the schema, once for the module.

    Requests go straight to the WSGI handler inside the test's transaction, so
    the signal handlers that close the connection after a request are
    disconnected, as Django's test client does.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = build_world()
            _seed_some_of_everything(world)
            world.tokens = {
                name: Token.objects.create(user=getattr(world, name)).key
                for name in PERSONAS
            }
            # The schema is for signed-in users only (SPECTACULAR SERVE_PERMISSIONS).
            world.schema = schemathesis.openapi.from_wsgi(
                "/api/schema/",
                application,
                headers={"Authorization": f"Token {world.tokens['secretary_a']}"},
            )
            world.ids = _first_ids(world.schema, world.tokens["street_admin"])
            yield world
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


def _seed_some_of_everything(w):
    """A row or two per app, so that ``{id}`` operations reach real objects."""
    from datetime import date, timedelta

    from django.utils import timezone

    from grids.models import CaseCategory
    from grids.services import case_report
    from support import services as support
    from volunteers import services as volunteers
    from volunteers.models import ActivityType, VolunteerKind

    volunteers.volunteer_register_self(
        user=w.volunteer_a,
        community=w.a,
        name="志愿者甲",
        phone="13800138000",
        kind=VolunteerKind.PARTY_MEMBER,
    )
    starts = timezone.now() - timedelta(minutes=10)
    volunteers.activity_publish(
        user=w.secretary_a,
        title="清理楼道杂物",
        activity_type=ActivityType.ENVIRONMENT,
        place="党群服务中心",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        capacity=10,
        community=w.a,
    )
    volunteers.wish_create(
        user=w.secretary_a,
        community=w.a,
        title="孩子想要一个书包",
        resident_name="王小明",
        resident_phone="13912345678",
    )
    volunteers.post_create(user=w.secretary_a, community=w.a, title="文明劝导岗")
    station = volunteers.station_get_or_create(user=w.secretary_a, community=w.a)
    volunteers.station_item_create(
        user=w.secretary_a, station=station, name="毛巾", price=10, stock=5
    )
    case_report(
        user=w.grid_worker_a,
        cell=w.cell_a,
        category=CaseCategory.ENVIRONMENT,
        title="垃圾清运不及时",
        description="垃圾桶满溢两天。",
    )
    support.training_create(
        user=w.street_admin,
        topic="轮训",
        held_on=date.today(),
        trainer="讲师",
        community=w.a,
    )
    support.social_org_create(
        user=w.street_admin,
        community=w.a,
        name="邻里互助社",
        kind="social_work",
        incubated_on=date.today(),
    )


def _first_ids(schema, token):
    """Map each collection path to the id of its first row (street admin's view)."""
    from werkzeug.test import Client

    client = Client(application)
    ids = {}
    for operation in _operations(schema):
        path = operation.path
        if operation.method.lower() != "get" or "{" in path:
            continue
        response = client.get(path, headers={"Authorization": f"Token {token}"})
        if response.status_code != 200:
            continue
        body = response.get_json(silent=True)
        rows = body.get("results") if isinstance(body, dict) else body
        first = rows[0] if rows and isinstance(rows, list) else None
        if isinstance(first, dict) and "id" in first:
            ids[path] = first["id"]
    return ids


def _operations(schema):
    for result in schema.get_all_operations():
        yield result.ok()


def _fuzz(schema, headers, examples, on_response, ids=None):
    """Call every operation ``examples`` times; return the failures found."""
    failures = []
    for operation in _operations(schema):
        label = f"{operation.method.upper()} {operation.path}"
        try:
            _runner(operation, label, headers, examples, on_response, ids)()
        except (
            Exception,
            BaseExceptionGroup,
        ) as exc:  # collect every operation's failure, then report
            failures.append(f"{label}: {_summary(exc)}")
    return failures


def _summary(exc):
    """The failure's first lines and the answer that broke the promise."""
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return "\n    ".join(lines[:40])


def _strategy(operation, ids):
    """Generated cases; for ``{id}`` operations, half of them on a real row."""
    strategy = operation.as_strategy()
    path = operation.path
    if ids and "{id}" in path:
        collection = path.split("{id}")[0]
        if collection in ids:
            strategy = strategy | operation.as_strategy(
                path_parameters={"id": ids[collection]}
            )
    return strategy


def _runner(operation, label, headers, examples, on_response, ids):
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategy(operation, ids))
    def run(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)
        on_response(label, response)

    return run


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_operation_fails_or_breaks_its_schema_for_a_signed_in_persona(api, persona):
    headers = {"Authorization": f"Token {api.tokens[persona]}"}
    failures = _fuzz(
        api.schema, headers, EXAMPLES, lambda label, response: None, api.ids
    )
    assert not failures, "\n".join(failures)


def test_anonymous_callers_get_only_401_or_403(api):
    def only_refusals(label, response):
        if label not in ANONYMOUS_ALLOWED:
            assert response.status_code in (401, 403), (
                f"anonymous answer {response.status_code}"
            )

    failures = _fuzz(api.schema, {}, 1, only_refusals)
    assert not failures, "\n".join(failures)
