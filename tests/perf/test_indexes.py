"""The hot queries reach their rows through indexes, and fact rows carry the
plain keys those indexes are built on (design.md, "Trees").

Each query is the one the code really sends (captured), explained by
PostgreSQL with sequential scans priced out (``enable_seqscan = off``): a
table still read by a sequential scan has no index the query can use. For
the monthly evaluation the index must also bound the month (the street's key
alone would read its whole history every month).
"""

import datetime
import json

import pytest
from django.db import connection
from django.db.models import ForeignKey
from django.test.utils import CaptureQueriesContext

from dashboard.stats import stats_for_scope
from evaluations import metrics
from orgs.models import OrgNode
from portal.scope import scope_for

pytestmark = pytest.mark.postgres

MONTH = (datetime.date(2026, 5, 1), datetime.date(2026, 6, 1))


def _plan(sql):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        (plan,) = cursor.fetchone()
        cursor.execute("SET LOCAL enable_seqscan = on")
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


def _scans(node):
    """Yield every node that reads a table, with its conditions as text."""
    if "Relation Name" in node:
        yield node
    for child in node.get("Plans", []):
        yield from _scans(child)


def _conditions(node, plan):
    """The index conditions bounding a scan (a bitmap heap scan's are below)."""
    text = node.get("Index Cond", "") + node.get("Recheck Cond", "")
    if node["Node Type"] == "Bitmap Heap Scan":
        for child in _walk(plan):
            if child.get("Node Type") == "Bitmap Index Scan":
                text += child.get("Index Cond", "")
    return text


def _walk(node):
    yield node
    for child in node.get("Plans", []):
        yield from _walk(child)


def _captured(fn):
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT")]


def _seq_scans(sql):
    plan = _plan(sql)
    return [n["Relation Name"] for n in _scans(plan) if n["Node Type"] == "Seq Scan"]


#: provider → (fact table, columns the index must bound).
MONTHLY = {
    metrics.unit_meetings: ("meetings_meeting", ["street_id", "month"]),
    metrics.unit_actions: ("meetings_actionitem", ["street_id", "due_on"]),
    metrics.unit_members_in_service: ("orgs_partymember", ["street_id", "status"]),
    metrics.unit_service: ("volunteers_checkin", ["street_id", "checked_in_at"]),
    metrics.unit_wishes_fulfilled: (
        "volunteers_microwish",
        ["street_id", "fulfilled_at"],
    ),
    metrics.unit_posts_fulfilled: (
        "volunteers_servicepost",
        ["street_id", "fulfilled_at"],
    ),
    metrics.unit_group_events: (
        "volunteers_groupserviceevent",
        ["street_id", "held_on"],
    ),
    metrics.committee_meetings: ("meetings_meeting", ["street_id", "month"]),
    metrics.committee_actions: ("meetings_actionitem", ["street_id", "due_on"]),
}


def _leading_indexes(table):
    """Return the column lists of the table's indexes."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [c["columns"] for c in constraints.values() if c["index"]]


@pytest.mark.parametrize("provider", MONTHLY, ids=lambda p: p.__name__)
def test_the_monthly_evaluation_reads_one_month_of_one_street_by_index(world, provider):
    # given an index that bounds both the street and the month
    table, columns = MONTHLY[provider]
    assert any(ix[: len(columns)] == columns for ix in _leading_indexes(table)), (
        f"{provider.__name__}: no index on {table} leads with {columns}"
    )
    # then the query, for all units and for a batch, reads the table by index
    for ids in (None, [world.unit_a.pk, world.unit_b.pk]):
        (sql,) = _captured(lambda ids=ids: provider(world.street.pk, *MONTH, ids))
        plan = _plan(sql)
        scans = [n for n in _scans(plan) if n["Relation Name"] == table]
        assert scans, f"{provider.__name__} does not read {table}"
        for scan in scans:
            assert scan["Node Type"] != "Seq Scan", (
                f"{provider.__name__}: no index on {table} serves its filter"
            )
            bound = _conditions(scan, plan)
            assert "street_id" in bound, (
                f"{provider.__name__}: {table} is not read by street: {bound}"
            )


@pytest.mark.parametrize(
    "persona", ["street_staff", "secretary_a", "unit_head_a", "grid_worker_a"]
)
def test_the_dashboard_figures_use_indexes(world, persona, settings):
    settings.PORTAL_STATS_CACHE_SECONDS = 0  # the queries, not the cache
    scope = scope_for(getattr(world, persona))
    queries = _captured(lambda: stats_for_scope(scope))
    assert queries
    for sql in queries:
        assert not _seq_scans(sql), f"{persona}'s dashboard scans: {sql}"


def test_subtree_reads_use_the_tree_index(world):
    # given a unit head, whose scope is the unit's subtree (lft/rght range)
    scope = scope_for(world.unit_head_a)
    queries = _captured(
        lambda: list(OrgNode.objects.filter(scope.org_q()).values_list("pk"))
    )
    # then the range is read through (tree_id, lft)
    for sql in queries:
        plan = _plan(sql)
        conditions = " ".join(_conditions(n, plan) for n in _scans(plan))
        assert "tree_id" in conditions and "lft" in conditions, sql
    # and a grid worker's cells (his cells' subtrees) likewise
    from grids.models import Cell

    scope = scope_for(world.grid_worker_a)
    queries = _captured(
        lambda: list(Cell.objects.filter(scope.cell_q()).values_list("pk"))
    )
    for sql in queries:
        plan = _plan(sql)
        conditions = " ".join(_conditions(n, plan) for n in _scans(plan))
        assert "tree_id" in conditions and "lft" in conditions, sql


#: Fact tables (counted by the dashboard and the evaluation): model → the
#: plain keys each row carries besides its own parent.
FACTS = {
    "volunteers.CheckIn": ["street", "community", "unit", "employer_unit"],
    "volunteers.PointsEntry": ["street", "community"],
    "volunteers.Activity": ["street", "community", "unit"],
    "volunteers.SignUp": ["street", "community"],
    "volunteers.Redemption": ["street", "community"],
    "volunteers.MicroWish": ["street", "community", "claimed_by_unit"],
    "volunteers.ServicePost": ["street", "community", "claimed_by_unit"],
    "volunteers.GroupServiceEvent": ["street", "community", "unit"],
    "meetings.Meeting": ["street", "community"],
    "meetings.Attendance": ["street", "community", "unit"],
    "meetings.Problem": ["street", "community"],
    "meetings.ActionItem": ["street", "community", "unit"],
    "meetings.SectionInspection": ["street", "community", "unit"],
    "grids.Case": ["street", "community", "unit"],
    "grids.CaseEvent": ["street", "community"],
    "grids.Visit": ["street", "community"],
    "grids.CellAssignment": ["street", "community"],
    "evaluations.Evaluation": ["street", "community", "unit"],
    "evaluations.CreditRating": ["street", "community", "unit"],
    "evaluations.SurveyAnswer": ["street", "community", "unit"],
    "orgs.PartyMember": ["street", "community", "employer_unit"],
    "orgs.Seat": ["street", "community"],
    "support.SpecialFundEntry": ["street", "community", "unit"],
    "support.Spending": ["street", "community"],
}


@pytest.mark.parametrize("label", FACTS)
def test_fact_rows_carry_their_street_community_and_unit_as_indexed_keys(label):
    from django.apps import apps

    model = apps.get_model(label)
    indexed = {f.column for f in model._meta.fields if f.db_index}
    for index in model._meta.indexes:
        indexed.add(model._meta.get_field(index.fields[0].lstrip("-")).column)
    for constraint in model._meta.constraints:  # unique ones are indexes too
        if getattr(constraint, "fields", None):
            indexed.add(model._meta.get_field(constraint.fields[0]).column)
    for name in FACTS[label]:
        field = model._meta.get_field(name)
        assert isinstance(field, ForeignKey), f"{label}.{name} is not a foreign key"
        assert field.related_model is OrgNode, f"{label}.{name} is not an org node"
        assert field.column in indexed, f"{label}.{name} leads no index"


def test_rerunning_a_month_rewrites_its_results_in_place(world):
    # given a month evaluated once
    from tests.evaluations.conftest import MAY, run_month

    run_month(world.street, MAY, world.street_admin)

    def updates():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables"
                " WHERE relname = 'evaluations_evaluation'"
            )
            return cursor.fetchone()

    before = updates()
    # when it is evaluated again (a new run id in every row, same figures)
    run_month(world.street, MAY, world.street_admin)
    updated, in_place = (a - b for a, b in zip(updates(), before, strict=True))
    # then the rows were updated without writing any index again (HOT):
    # no index holds a column a rerun changes
    assert updated >= 3
    assert in_place == updated
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reloptions FROM pg_class WHERE relname = 'evaluations_evaluation'"
        )
        assert "fillfactor=70" in (cursor.fetchone()[0] or [])
