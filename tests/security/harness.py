"""How the role × URL matrix reaches each route: personas, URL arguments, calls.

``matrix.py`` holds the expected answers; this module knows how to turn one
cell (route, method, persona, own or other scope) into a request against the
dataset of ``tests/security/data.py``.
"""

from functools import cache

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from tests.security.data import QUARTER, YEAR

#: The personas of the matrix (roles of the ``world`` in community A).
SA, SS, CS, UH, GW, V, NR, AN = "SA", "SS", "CS", "UH", "GW", "V", "NR", "AN"
PERSONAS = {
    SA: "street admin",
    SS: "street staff",
    CS: "community secretary (A)",
    UH: "unit party-org head (unit A)",
    GW: "grid worker (cell A)",
    V: "volunteer (A)",
    NR: "signed in, no role",
    AN: "anonymous",
}
ROLE_PERSONAS = (SA, SS, CS, UH, GW, V)
USERS = {
    SA: "street_admin",
    SS: "street_staff",
    CS: "secretary_a",
    UH: "unit_head_a",
    GW: "grid_worker_a",
    V: "volunteer_a",
    NR: "outsider",
}
OWN, OTHER = "own", "other"
#: A street persona's other scope is street Y; the others' is community B.
OTHER_PLACE = {SA: "Y", SS: "Y"}


def place_of(d, persona, scope, level="community"):
    """The dataset place whose objects a cell names."""
    if scope == OWN:
        return d.A
    if level == "street":
        return d.Y
    return getattr(d, OTHER_PLACE.get(persona, "B"))


# -- page routes: how to fill their arguments ------------------------------------------
# ``name: (level, args(place) -> kwargs)``; routes without arguments are absent.


def _pk(attr):
    return lambda p: {"pk": getattr(p, attr).pk}


PAGE_ARGS = {
    # portal
    "community-dashboard": _pk("community"),
    "user-password-reset": lambda p: {"pk": p.volunteer_user.pk},
    # A link that is not (or no longer) valid: its page says so, to anyone.
    "password_reset_confirm": lambda p: {"uidb64": "MQ", "token": "no-such-token"},
    # orgs
    "orgs:unit_detail": _pk("unit"),
    "orgs:unit_edit": _pk("unit"),
    "orgs:node_detail": _pk("party_org"),
    "orgs:node_delete": _pk("unit"),
    "orgs:party_org_create": _pk("unit"),
    "orgs:party_org_edit": _pk("party_org"),
    "orgs:compound_create": _pk("community"),
    "orgs:compound_edit": _pk("compound"),
    "orgs:person_detail": _pk("person"),
    "orgs:person_edit": _pk("person"),
    "orgs:committee_detail": _pk("committee"),
    "orgs:seat_add": _pk("committee"),
    "orgs:committee_export": _pk("committee"),
    "orgs:seat_vacate": _pk("seat"),
    "orgs:import_template": lambda p: {"kind": "units"},
    "orgs:import_job": _pk("import_job"),
    "orgs:import_job_status": _pk("import_job"),
    # grids
    "grids:cell": _pk("subcell"),
    "grids:cell_leader": _pk("subcell"),
    "grids:cell_assign": _pk("subcell"),
    "grids:cell_unassign": lambda p: {
        "pk": p.subcell.pk,
        "assignment_pk": p.assignment.pk,
    },
    "grids:person_cells": _pk("person"),
    "grids:case": _pk("case"),
    "grids:case_action": lambda p: {"pk": p.case.pk, "action": "close"},
    "grids:visit": _pk("visit"),
    "grids:photo": _pk("photo"),
    # meetings
    "meetings:detail": _pk("meeting"),
    "meetings:edit": _pk("meeting"),
    "meetings:cancel": _pk("meeting"),
    "meetings:attendance": _pk("meeting"),
    "meetings:minutes": _pk("meeting"),
    "meetings:inspections": _pk("meeting"),
    "meetings:problem_add": _pk("meeting"),
    "meetings:problem": _pk("problem"),
    "meetings:problem_item_add": _pk("problem"),
    "meetings:problem_escalate": _pk("problem"),
    "meetings:problem_answer": _pk("problem"),
    "meetings:item": _pk("item"),
    "meetings:channel": _pk("committee"),
    "meetings:rotation": _pk("committee"),
    "meetings:campaign": _pk("campaign"),
    "meetings:attachment": _pk("attachment"),
    # volunteers
    "volunteers:activity_detail": _pk("activity"),
    "volunteers:activity_signup": _pk("activity"),
    "volunteers:activity_signup_cancel": _pk("activity"),
    "volunteers:activity_qr": _pk("activity"),
    "volunteers:checkin": lambda p: {"token": p.checkin_token},
    "volunteers:redeem": _pk("station_item"),
    "volunteers:public_wishes": lambda p: {"community_id": p.community.pk},
    "volunteers:claimable_detail": lambda p: {"kind": "wishes", "pk": p.wish.pk},
    "volunteers:claimable_claim": lambda p: {"kind": "wishes", "pk": p.wish.pk},
    "volunteers:claimable_fulfil": lambda p: {"kind": "wishes", "pk": p.wish.pk},
    "volunteers:claimable_confirm": lambda p: {"kind": "wishes", "pk": p.wish.pk},
    "volunteers:claimable_cancel": lambda p: {"kind": "wishes", "pk": p.wish.pk},
    "volunteers:claimable_photo": lambda p: {"kind": "posts", "pk": p.post.pk},
    "volunteers:activity_manage": _pk("activity"),
    "volunteers:activity_attendance": _pk("activity"),
    "volunteers:activity_cancel": _pk("activity"),
    "volunteers:activity_qr_renew": _pk("activity"),
    "volunteers:volunteer_detail": _pk("volunteer"),
    "volunteers:points_correct": _pk("volunteer"),
    "volunteers:volunteer_leave": _pk("volunteer"),
    "volunteers:entry_reverse": _pk("entry"),
    "volunteers:team_detail": _pk("team"),
    "volunteers:claimable_board": lambda p: {"kind": "wishes"},
    "volunteers:claimable_create": lambda p: {"kind": "wishes"},
    "volunteers:service_card": lambda p: {
        "unit_id": p.unit.pk,
        "year": YEAR,
        "quarter": QUARTER,
    },
    "volunteers:service_card_xlsx": lambda p: {
        "unit_id": p.unit.pk,
        "year": YEAR,
        "quarter": QUARTER,
    },
    # evaluations
    "evaluations:run_status": _pk("run"),
    "evaluations:evaluation": _pk("evaluation"),
    "evaluations:feedback_notice": _pk("evaluation"),
    "evaluations:unit_history": _pk("unit"),
    "evaluations:rating": lambda p: {"unit_pk": p.unit.pk},
    "evaluations:appeal": _pk("appeal"),
    "evaluations:appeal_attachment": _pk("appeal"),
    "evaluations:notice_download": _pk("notice"),
    "evaluations:annual_report": lambda p: {"unit_pk": p.system_unit.pk, "year": YEAR},
    "evaluations:annual_report_xlsx": lambda p: {
        "unit_pk": p.system_unit.pk,
        "year": YEAR,
    },
    "evaluations:survey": _pk("survey"),
    # support
    "support:worker_detail": _pk("worker"),
    "support:worker_edit": _pk("worker"),
    "support:worker_leave": _pk("worker"),
    "support:training_detail": _pk("training"),
    "support:training_edit": _pk("training"),
    "support:social_org_detail": _pk("social_org"),
    "support:spending_void": _pk("spending"),
    "support:spending_attachment": _pk("spending"),
    "support:special_fund_detail": _pk("fund"),
    "support:fund_entry_reverse": _pk("fund_entry"),
}
#: Routes whose objects belong to a user: ``(d, persona, scope) -> kwargs``.
#: The own scope is the persona's own message, the other a message to a user
#: of street Y.
PERSONA_ARGS = {
    "inbox-open": lambda d, persona, scope: {
        "pk": d.inbox[persona if scope == OWN else "other"].pk
    },
}

#: Routes whose objects belong to a whole street (other scope: street Y).
STREET_LEVEL = {
    "evaluations:run_status",
    "evaluations:notice_download",
    "evaluations:survey",
    "support:special_fund_detail",
    "support:fund_entry_reverse",
}

# -- API operations: which object an ``{id}`` names ---------------------------------------

API_OBJECTS = {
    "orgs": "unit",
    "committees": "committee",
    "committee-seats": "seat",
    "people": "person",
    "grids": "subcell",
    "grid-cases": "case",
    "visits": "visit",
    "meetings": "meeting",
    "action-items": "item",
    "problems": "problem",
    "volunteers": "volunteer",
    "teams": "team",
    "activities": "activity",
    "checkins": "checkin",
    "points": "entry",
    "wishes": "wish",
    "service-posts": "post",
    "redemptions": "redemption",
    "evaluation-runs": "run",
    "evaluations": "evaluation",
    "credit-ratings": "rating",
    "appeals": "appeal",
    "commitments": "commitment",
    "workers": "worker",
    "trainings": "training",
    "social-orgs": "social_org",
    "budgets": "budget",
    "spendings": "spending",
    "special-funds": "fund",
}
API_STREET_LEVEL = {"evaluation-runs", "commitments", "special-funds"}


@cache
def api_operations():
    """Every operation of the OpenAPI schema as ``"METHOD /path/"`` keys."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    keys = []
    for path, item in schema["paths"].items():
        for method in ("get", "post", "put", "patch", "delete"):
            if method in item:
                keys.append(f"{method.upper()} {path}")
    return tuple(sorted(keys))


def api_resource(path):
    return path.removeprefix("/api/v1/").split("/", 1)[0]


def api_level(key):
    return (
        "street"
        if api_resource(key.split(" ", 1)[1]) in API_STREET_LEVEL
        else "community"
    )


def api_url(key, place):
    path = key.split(" ", 1)[1]
    if "{id}" in path:
        obj = getattr(place, API_OBJECTS[api_resource(path)])
        path = path.replace("{id}", str(obj.pk))
    return path


# -- every named route ------------------------------------------------------------------


def _walk(patterns, namespace=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _walk(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}:{p.name}" if namespace else p.name


def named_routes():
    """Every URL name of the portal (namespaced ones as ``ns:name``)."""
    return sorted(set(_walk(get_resolver().url_patterns)))


def api_route_names():
    """URL names reached by the schema's operations (router names)."""
    names = set()
    for key in api_operations():
        path = key.split(" ", 1)[1].replace("{id}", "1")
        names.add(resolve(path).url_name)
    return names


# -- one request ---------------------------------------------------------------------------


def page_url(d, name, persona, scope):
    level = "street" if name in STREET_LEVEL else "community"
    place = place_of(d, persona, scope, level)
    args = PAGE_ARGS.get(name)
    return reverse(name, kwargs=args(place) if args else None)


def client_for(d, persona):
    """The shared client, signed in as ``persona`` (``d.sessions``).

    One client for every cell: a new ``Client`` builds the middleware chain
    again, which costs more than most requests.
    """
    from http.cookies import SimpleCookie

    client = d.__dict__.get("client")
    if client is None:
        client = d.client = Client()
    client.cookies = SimpleCookie()
    if persona == AN:
        return client
    client.cookies["sessionid"] = d.sessions[persona]
    return client


# -- what a request wrote, and what it showed ---------------------------------------------

#: Tables a refused request may still touch: the session (messages), the
#: sign-in and access logs.
BOOKKEEPING_TABLES = {
    "django_session",
    "axes_accessattempt",
    "axes_accesslog",
    "axes_accessfailurelog",
    "portal_accesslog",
    "otp_totp_totpdevice",
}


def table_writes():
    """Rows inserted, updated or deleted so far in this transaction, per table.

    PostgreSQL only (``pg_stat_xact_user_tables``); elsewhere nothing is seen.
    The counters include attempts a savepoint rolled back: ``call`` confirms
    each table they name by comparing its content.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del"
            " FROM pg_stat_xact_user_tables"
        )
        return {
            name: count
            for name, count in cursor.fetchall()
            if count and name not in BOOKKEEPING_TABLES
        }


def writes_seen():
    """Whether ``Answer.wrote`` can see writes (PostgreSQL, as in CI)."""
    from django.db import connection

    return connection.vendor == "postgresql"


def row_counts():
    """The number of rows of every table of the portal's own apps."""
    from django.apps import apps

    own = {
        "portal",
        "orgs",
        "grids",
        "meetings",
        "volunteers",
        "evaluations",
        "support",
    }
    return {
        model._meta.db_table: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in own and model._meta.db_table != "portal_accesslog"
    }


def writes_between(before, after):
    return sorted(t for t, n in after.items() if n != before.get(t, 0))


def fingerprints(tables):
    """A digest of each table's rows (to tell a real write from a rolled-back one)."""
    from django.db import connection

    digests = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(md5(t::text), '' "
                f"ORDER BY md5(t::text)), '')) FROM \"{table}\" t"
            )
            digests[table] = cursor.fetchone()
    return digests


def visible_places(persona, street_wide=False):
    """The places whose objects ``persona`` may see on a page."""
    if persona in (SA, SS):
        return {"A", "B"}
    if persona in (NR, AN):
        return set()
    return {"A", "B"} if street_wide else {"A"}


def leaked_markers(content, persona, street_wide=False):
    """The markers of places ``persona`` may not see that ``content`` shows."""
    from tests.security.data import MARK

    text = content.decode("utf-8", "replace")
    hidden = set(MARK) - visible_places(persona, street_wide)
    return sorted(key for key in hidden if MARK[key] in text)


# -- one cell ------------------------------------------------------------------------------


class Answer:
    """What one request answered, as the matrix compares it."""

    def __init__(self, response, wrote, leaked):
        self.status = response.status_code
        self.location = response.get("Location", "")
        self.wrote = wrote
        self.leaked = leaked
        self.response = response

    def token(self):
        """The answer written as a matrix token (``200``, ``302w`` …)."""
        return f"{self.status}{'w' if self.wrote else ''}"


def page_request(d, name, method, persona, scope, street_wide=()):
    level = "street" if name in STREET_LEVEL else "community"
    if persona in street_wide and scope == OTHER:
        level = "street"
    place = place_of(d, persona, scope, level)
    args = PAGE_ARGS.get(name)
    if name in PERSONA_ARGS:
        kwargs = PERSONA_ARGS[name](d, persona, scope)
    else:
        kwargs = args(place) if args else None
    url = reverse(name, kwargs=kwargs)
    body = POST_BODIES.get(name)
    data = body(d, place) if body and method == "POST" else {}
    return url, data


def api_request(d, key, persona, scope, street_wide=()):
    level = api_level(key)
    if persona in street_wide and scope == OTHER:
        level = "street"
    place = place_of(d, persona, scope, level)
    return api_url(key, place)


def call(
    d,
    persona,
    method,
    url,
    data=None,
    json=False,
    street_wide=False,
    commit=False,
    count_rows=False,
    access_logs=False,
):
    """Make one request as ``persona`` inside a savepoint; return its Answer.

    ``commit``: also run what the request left for after its commit
    (``transaction.on_commit``), as at the end of a real request.
    ``count_rows``: also list the tables whose row count changed
    (``Answer.counts_changed``; on any database).
    ``access_logs``: also keep the personal-data access-log rows the request
    wrote (``Answer.access_logs``: ``(what, action, count)``).
    """
    from django.db import connection, transaction
    from django.db.models import Max

    from portal.models import AccessLog

    client = client_for(d, persona)
    check = method != "GET"
    pending = len(connection.run_on_commit)
    sid = transaction.savepoint()
    counted = None
    logged = None
    try:
        last_log = 0
        if access_logs:
            last_log = AccessLog.objects.aggregate(last=Max("pk"))["last"] or 0
        before = table_writes() if check else {}
        if count_rows:
            counted = row_counts()
        if json:
            import json as _json

            response = client.generic(
                method,
                url,
                data=_json.dumps(data or {}),
                content_type="application/json",
            )
        elif method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data or {})
        if commit:
            for _sids, callback, _robust in connection.run_on_commit[pending:]:
                callback()
        touched = writes_between(before, table_writes()) if check else []
        after = fingerprints(touched)
        if count_rows:
            now = row_counts()
            counted = sorted(t for t, n in now.items() if n != counted[t])
        if access_logs:
            logged = list(
                AccessLog.objects.filter(pk__gt=last_log)
                .order_by("pk")
                .values_list("what", "action", "count")
            )
    finally:
        transaction.savepoint_rollback(sid)
    # Rolled back to the state before the request: a table whose rows differ
    # from what the request left was written.
    wrote = sorted(
        t for t, digest in fingerprints(touched).items() if digest != after[t]
    )
    leaked = (
        leaked_markers(response.content, persona, street_wide)
        if not getattr(response, "streaming", False)
        else []
    )
    answer = Answer(response, wrote, leaked)
    answer.counts_changed = counted
    answer.access_logs = logged
    return answer


# -- valid bodies for some POSTs -------------------------------------------------------------
# The permission comes before the form (a forbidden persona gets 403 whatever
# the body: test_a_forbidden_page_post_is_refused_before_its_body); a valid body
# lets the personas who may act write, so the matrix sees the write succeed.


def _month(d, p):
    return {"month": "2024-07"}


POST_BODIES = {
    "meetings:cancel": lambda d, p: {"reason": "天气原因改期"},
    "meetings:schedule": lambda d, p: {"month": "2030-01"},
    "evaluations:run_start": lambda d, p: {"month": "2024-08"},
    "evaluations:publish": _month,
    "evaluations:deliveries_retry": _month,
    "grids:cell_assign": lambda d, p: {
        "person": p.unit_secretary.pk,
        "role": "grid_worker",
    },
    "volunteers:points_correct": lambda d, p: {"points": "5", "reason": "补录"},
    "volunteers:entry_reverse": lambda d, p: {"reason": "录入错误"},
}


# -- the rows of the matrix ------------------------------------------------------------------

#: Page routes whose arguments do not name an object of a place.
PLACE_FREE = {
    "password_reset_confirm",
    "orgs:import_template",
    "volunteers:claimable_board",
    "volunteers:claimable_create",
}


def is_api(key):
    return key.split(" ", 1)[1].startswith("/")


def has_other(key):
    name = key.split(" ", 1)[1]
    if is_api(key):
        return "{id}" in name
    return (name in PAGE_ARGS and name not in PLACE_FREE) or name in PERSONA_ARGS


def cells_of(key, columns):
    """The (persona, scope) cells of a row."""
    for persona in columns:
        scopes = (OWN, OTHER) if has_other(key) and persona in ROLE_PERSONAS else (OWN,)
        for scope in scopes:
            yield persona, scope


def ask(d, key, persona, scope, street_wide=(), commit=False, access_logs=False):
    """Answer one cell of the row ``key``."""
    method, name = key.split(" ", 1)
    wide = persona in street_wide
    if is_api(key):
        url = api_request(d, key, persona, scope, street_wide)
        return call(
            d,
            persona,
            method,
            url,
            json=method != "GET",
            street_wide=wide,
            commit=commit,
            access_logs=access_logs,
        )
    url, data = page_request(d, name, method, persona, scope, street_wide)
    return call(
        d,
        persona,
        method,
        url,
        data,
        street_wide=wide,
        commit=commit,
        access_logs=access_logs,
    )


def token_of(answer, persona):
    from django.conf import settings
    from django.shortcuts import resolve_url

    if (
        persona == AN
        and answer.status == 302
        and answer.location.startswith(resolve_url(settings.LOGIN_URL))
    ):
        return "login"
    return answer.token()


def handles_post(callback):
    """Whether a page's view does something on POST (a form, an action)."""
    import inspect

    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return hasattr(view_class, "post")
    try:
        return "POST" in inspect.getsource(inspect.unwrap(callback))
    except (OSError, TypeError):
        return False


def _walk_callbacks(patterns, namespace=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _walk_callbacks(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield (f"{namespace}:{p.name}" if namespace else p.name), p.callback


def required_rows():
    """Every row the matrix must have: pages (GET, and POST where handled)
    and every operation of the API schema. The admin is checked apart."""
    api_names = api_route_names()
    keys = set(api_operations())
    for name, callback in _walk_callbacks(get_resolver().url_patterns):
        if name.startswith("admin:") or name in api_names:
            continue
        keys.add(f"GET {name}")
        if handles_post(callback):
            keys.add(f"POST {name}")
    return keys
