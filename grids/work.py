"""The grids' part of each user's work centre (``portal.work``).

Read only, like the selectors: a fixed number of queries whatever the number
of cells and cases.
"""

from datetime import date

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import LED_LEVELS, Case, CaseLevel, CaseStatus, Cell
from grids.services import case_may_handle
from portal.models import User
from portal.roles import can
from portal.scope import Scope, scope_for
from portal.work import WorkItem


def work_items(user: User) -> list[WorkItem]:
    """Return the street's cells without a leader and overdue cases (street
    roles), the cases to handle in a grid worker's cells, and the cases the
    user reported that wait for his confirmation."""
    scope = scope_for(user)
    today = timezone.localdate()
    items: list[WorkItem] = []
    if scope.street_ids:
        items += _cells_without_leader(user, scope)
        items += _overdue_cases(user, scope, today)
    if scope.cells:
        items += _cases_in_my_cells(user, scope, today)
    items += _cases_to_confirm(user)
    return items


def _case_item(user: User, case: Case, kind: str, title: str, reason: str) -> WorkItem:
    url = reverse("grids:case", args=[case.pk])
    return WorkItem(
        kind=kind,
        title=title % case.title,
        reason=reason,
        url=url if case_may_handle(user, case) else None,
        due=case.deadline,
    )


def _cells_without_leader(user: User, scope: Scope) -> list[WorkItem]:
    cells = Cell.objects.filter(
        street_id__in=scope.street_ids, level__in=LED_LEVELS, leader__isnull=True
    ).order_by("tree_id", "lft")
    return [
        WorkItem(
            kind="grids.leader",
            title=_("配备网格长：%s") % cell.name,
            reason=_("%s缺网格长。") % cell.get_level_display(),
            url=reverse("grids:cell", args=[cell.pk])
            if can(
                user,
                "grids.manage",
                street_id=cell.street_id,
                community_id=cell.community_id,
            )
            else None,
        )
        for cell in cells
    ]


def _overdue_cases(user: User, scope: Scope, today: date) -> list[WorkItem]:
    cases = (
        Case.objects.filter(
            street_id__in=scope.street_ids,
            status=CaseStatus.OPEN,
            deadline__lt=today,
        )
        .select_related("cell")
        .order_by("deadline", "pk")
    )
    return [
        _case_item(
            user,
            case,
            "grids.overdue_case",
            _("督办超期事件：%s"),
            _("已超过办理期限，尚未办结。"),
        )
        for case in cases
    ]


def _cases_in_my_cells(user: User, scope: Scope, today: date) -> list[WorkItem]:
    mine = Q(pk__in=[])
    for tree_id, lft, rght, _id, _community in scope.cells:
        mine |= Q(cell__tree_id=tree_id, cell__lft__gte=lft, cell__rght__lte=rght)
    cases = (
        Case.objects.filter(mine, status=CaseStatus.OPEN, level=CaseLevel.CELL)
        .select_related("cell")
        .order_by("deadline", "pk")
    )
    return [
        _case_item(
            user,
            case,
            "grids.case",
            _("办理网格事件：%s"),
            _("本网格的事件，请办理或上报。"),
        )
        for case in cases
    ]


def _cases_to_confirm(user: User) -> list[WorkItem]:
    cases = Case.objects.filter(reporter_id=user.pk, status=CaseStatus.CLOSED).order_by(
        "pk"
    )
    return [
        WorkItem(
            kind="grids.confirm_case",
            title=_("确认办理结果：%s") % case.title,
            reason=_("您反映的事件已办结，请确认是否解决。"),
            url=reverse("grids:case", args=[case.pk]),
        )
        for case in cases
    ]
