"""Key figures of the grid (S5) for the caller's scope."""

from django.db.models import Count, Q
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
