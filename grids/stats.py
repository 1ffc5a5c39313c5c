"""Key figures of the grid (S5) for the caller's scope."""

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import LED_LEVELS, Case, CaseStatus, Cell, CellLevel
from grids.selectors import case_visible_q, cell_visible_q

LABELS = {
    "grid_cells_level_1": _("一级网格"),
    "grid_cells_level_2": _("二级网格"),
    "grid_cells_level_3": _("三级网格"),
    "grid_cells_without_leader": _("缺网格长的网格"),
    "grid_cases_open": _("办理中的网格事件"),
    "grid_cases_overdue": _("超期未办结的网格事件"),
}


WATCH = ("grid_cells_without_leader", "grid_cases_overdue")

COMMUNITY_LABELS = {
    "grid_cells_level_3": _("三级网格"),
    "grid_cases_open": _("办理中的网格事件"),
}


def by_community(scope, months):
    """Return per community: level-3 cells and open grid cases."""
    rows = {}
    cells = (
        Cell.objects.filter(
            cell_visible_q(scope), level=CellLevel.UNIT, community__isnull=False
        )
        .order_by()
        .values_list("community")
        .annotate(n=Count("pk"))
    )
    for community, n in cells:
        rows.setdefault(community, {})["grid_cells_level_3"] = n
    cases = (
        Case.objects.filter(
            case_visible_q(scope, own=False),
            status=CaseStatus.OPEN,
            community__isnull=False,
        )
        .order_by()
        .values_list("community")
        .annotate(n=Count("pk"))
    )
    for community, n in cases:
        rows.setdefault(community, {})["grid_cases_open"] = n
    return rows


def areas(scope):
    """Return the level-2 cells (片区) in scope with their leader and figures.

    Each row: ``cell`` (with ``leader``), ``units`` (level-3 cells below it)
    and ``cases_open`` (open cases anywhere in its subtree); one query.
    """
    below = Cell.objects.filter(
        tree_id=OuterRef("tree_id"), lft__gt=OuterRef("lft"), rght__lt=OuterRef("rght")
    )
    units = (
        below.filter(level=CellLevel.UNIT)
        .order_by()
        .values("tree_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    cases = (
        Case.objects.filter(
            status=CaseStatus.OPEN,
            cell__tree_id=OuterRef("tree_id"),
            cell__lft__gte=OuterRef("lft"),
            cell__rght__lte=OuterRef("rght"),
        )
        .order_by()
        .values("cell__tree_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return list(
        Cell.objects.filter(cell_visible_q(scope), level=CellLevel.AREA)
        .select_related("leader")
        .annotate(
            units_below=Coalesce(Subquery(units), 0),
            cases_open=Coalesce(Subquery(cases), 0),
        )
        .order_by("community__code", "code")
    )


def stats(scope):
    cells = Cell.objects.filter(cell_visible_q(scope)).aggregate(
        level_1=Count("id", filter=Q(level=CellLevel.COMMUNITY)),
        level_2=Count("id", filter=Q(level=CellLevel.AREA)),
        level_3=Count("id", filter=Q(level=CellLevel.UNIT)),
        without_leader=Count("id", filter=Q(level__in=LED_LEVELS, leader__isnull=True)),
    )
    today = timezone.localdate()
    cases = Case.objects.filter(
        case_visible_q(scope, own=False), status=CaseStatus.OPEN
    ).aggregate(
        open=Count("id"),
        overdue=Count("id", filter=Q(deadline__lt=today)),
    )
    return {
        "grid_cells_level_1": cells["level_1"],
        "grid_cells_level_2": cells["level_2"],
        "grid_cells_level_3": cells["level_3"],
        "grid_cells_without_leader": cells["without_leader"],
        "grid_cases_open": cases["open"],
        "grid_cases_overdue": cases["overdue"],
    }
