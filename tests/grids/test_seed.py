"""The demo grid: 11 / 67 / 325 cells, qualified leaders, cases in every state."""

import datetime
import io
import random
import time

from django.db.models import Count

from dashboard.stats import stats_for_scope
from grids.models import Case, CaseEvent, Cell, CellAssignment, Visit
from grids.selectors import cell_gaps, map_geojson
from grids.services import cadre_check
from orgs.models import OrgKind, OrgNode
from portal.demo import SeedContext
from portal.models import RoleAssignment
from portal.scope import Scope
from tests.grids.conftest import assert_tree_valid


def run_seed():
    ctx = SeedContext(
        rng=random.Random(20190601),  # noqa: S311
        stdout=io.StringIO(),
        password="demo-password-123",
        data={"today": datetime.date(2026, 6, 1)},
    )
    from config.demo_logins import seed as logins_seed
    from grids.seed import seed as grids_seed
    from orgs.seed import seed as orgs_seed

    orgs_seed(ctx)
    started = time.monotonic()
    grids_seed(ctx)
    elapsed = time.monotonic() - started
    logins_seed(ctx)
    return ctx, elapsed


def test_demo_grid_has_the_articles_figures_and_every_case_state(db):
    # given / when the orgs, grids and portal seeds run
    ctx, elapsed = run_seed()
    # then street_stats shows 11 / 67 / 325
    figures = stats_for_scope(Scope(is_superuser=True))
    assert figures["grid_cells_level_1"] == 11
    assert figures["grid_cells_level_2"] == 67
    assert figures["grid_cells_level_3"] == 325
    assert figures["grid_cases_open"] > 0
    assert figures["grid_cases_overdue"] > 0
    # every unit sits in exactly one level-3 cell
    units = OrgNode.objects.filter(kind=OrgKind.UNIT)
    placed = Cell.units.through.objects.filter(cell__level=3)
    assert placed.count() == units.count()
    assert placed.values("orgnode").distinct().count() == units.count()
    # no cell lacks a qualified leader
    assert figures["grid_cells_without_leader"] == 0
    assert not cell_gaps(user=ctx.data["users"]["admin"]).exists()
    # compounds extend to buildings, entrances and households
    levels = dict(Cell.objects.values_list("level").annotate(n=Count("id")))
    if ctx.data.get("compounds"):
        assert levels[4] > 0 and levels[5] > 0 and levels[6] > 0
    # a few hundred visits and cases, in every state and at every level
    assert Visit.objects.count() >= 200
    assert Case.objects.count() >= 300
    pairs = set(Case.objects.values_list("status", "level").distinct())
    for status in ("open", "closed", "confirmed"):
        for level in ("cell", "community", "street"):
            assert (status, level) in pairs
    assert Case.objects.filter(reopen_count__gt=0, status="open").exists()
    assert CaseEvent.objects.filter(kind="escalated", to_level="street").exists()
    assert not CaseEvent.objects.filter(
        at__gt=datetime.datetime.now(datetime.UTC)
    ).exists()
    # people are assigned: grid workers, community workers and cadres
    roles = set(CellAssignment.objects.values_list("role", flat=True))
    assert roles == {"grid_worker", "community_worker", "cadre"}
    # cadres (包网格, S6) are street-office staff, as the service requires
    cadres = CellAssignment.objects.filter(role="cadre").select_related(
        "cell", "person"
    )
    for assignment in cadres:
        cadre_check(cell=assignment.cell, person=assignment.person)
    # the demo grid worker is scoped to a level-2 cell of the first community
    cell = ctx.data["grid_worker_cell"]
    assert cell.level == 2 and cell.community_id == ctx.data["communities"][0].pk
    assignment = RoleAssignment.objects.get(user__username="gridworker1")
    assert assignment.cell_id == cell.pk
    # every level-1..3 cell has a boundary the map can draw
    assert not Cell.objects.filter(level__lte=3, boundary__isnull=True).exists()
    assert len(map_geojson(user=ctx.data["users"]["admin"], level=2)["features"]) == 67
    # and the trees are sound
    assert_tree_valid()
