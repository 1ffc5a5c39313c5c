"""The action-item board, a unit head's to-do list, and an item's page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings import selectors, services
from meetings.forms import ActionItemUpdateForm, RescheduleForm
from meetings.models import ActionItemStatus
from meetings.uploads import MAX_FILES
from meetings.views._common import _viewer
from orgs.models import OrgKind, OrgNode
from orgs.selectors import community_list
from portal import pages
from portal.params import query_id
from portal.roles import can, require
from portal.scope import scope_for
from portal.uploads import upload_limit

# -- action items -------------------------------------------------------------------------


def _item_filters(request):
    status = request.GET.get("status", "")
    if status not in ActionItemStatus.values:
        status = ""
    overdue = {"1": True, "0": False}.get(request.GET.get("overdue", ""))
    return status, overdue


@login_required
def action_item_board(request):
    """The action-item board: by unit, by status, overdue first."""
    _viewer(request)
    user = request.user
    status, overdue = _item_filters(request)
    communities = list(community_list(user=user))
    community_id = query_id(request.GET, "community")
    community = next((c for c in communities if c.pk == community_id), None)
    unit_id = query_id(request.GET, "unit")
    base = selectors.action_item_list(user=user, community=community)
    qs = selectors.action_item_list(
        user=user, community=community, status=status or None, overdue=overdue
    )
    unit = None
    if unit_id:
        unit = OrgNode.objects.filter(
            pk=unit_id, kind=OrgKind.UNIT, pk__in=base.values("unit_id")
        ).first()
        qs = qs.filter(unit_id=unit_id)
    qs, sort = pages.sort(
        request,
        qs,
        {
            "due_on": "due_on",
            "unit": "unit__name",
            "status": "status",
            "progress": "progress",
        },
        "due_on",
    )
    return render(
        request,
        "meetings/board.html",
        {
            "page": pages.page(request, qs),
            "summary": selectors.action_item_summary(base),
            "by_unit": selectors.action_items_by_unit(base),
            "communities": communities,
            "community": community,
            "unit": unit,
            "status": status,
            "overdue": request.GET.get("overdue", ""),
            "statuses": ActionItemStatus.choices,
            "sort": sort,
            "today": timezone.localdate(),
        },
    )


@login_required
def action_item_todo(request):
    """A unit head's own to-do list: their units' items, what is due first."""
    _viewer(request)
    scope = scope_for(request.user)
    units = sorted(scope.unit_ids)
    qs = selectors.action_item_list(user=request.user, units=units)
    show = request.GET.get("show", "open")
    if show != "all":
        qs = qs.exclude(status=ActionItemStatus.DONE)
    return render(
        request,
        "meetings/todo.html",
        {
            "page": pages.page(request, qs.order_by("due_on", "id")),
            "summary": selectors.action_item_summary(
                selectors.action_item_list(user=request.user, units=units)
            ),
            "has_units": bool(units),
            "show": show,
            "today": timezone.localdate(),
        },
    )


@upload_limit(MAX_FILES)
@login_required
def action_item_detail(request, pk):
    """An action item: its history, and the form to report progress or completion."""
    _viewer(request)
    item = selectors.action_item_get(user=request.user, pk=pk)
    target = {
        "street_id": item.street_id,
        "community_id": item.community_id,
        "unit_id": item.unit_id,
    }
    can_update = item.status != ActionItemStatus.DONE and can(
        request.user, "meetings.update_action_item", **target
    )
    can_reschedule = item.status != ActionItemStatus.DONE and can(
        request.user, "meetings.manage", **services.committee_target(item.committee)
    )
    form = ActionItemUpdateForm(initial={"progress": item.progress})
    reschedule_form = RescheduleForm(initial={"due_on": item.due_on})
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "update")
        # The permission before the body: a refusal says nothing about the form.
        if action == "reschedule":
            require(
                request.user,
                "meetings.manage",
                **services.committee_target(item.committee),
            )
        else:
            require(request.user, "meetings.update_action_item", **target)
        if action == "reschedule":
            reschedule_form = RescheduleForm(request.POST)
            if reschedule_form.is_valid():
                try:
                    services.action_item_reschedule(
                        user=request.user, item=item, **reschedule_form.cleaned_data
                    )
                except ValidationError as exc:
                    pages.form_errors(reschedule_form, exc)
                else:
                    messages.success(request, _("完成时限已调整。"))
                    return redirect("meetings:item", pk=item.pk)
        else:
            form = ActionItemUpdateForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    services.action_item_update(
                        user=request.user, item=item, **form.cleaned_data
                    )
                except ValidationError as exc:
                    pages.form_errors(form, exc)
                else:
                    messages.success(request, _("进展已更新。"))
                    return redirect("meetings:item", pk=item.pk)
        status = 400
    return render(
        request,
        "meetings/item.html",
        {
            "item": item,
            "updates": selectors.action_item_updates(item),
            "attachments": list(item.attachments.order_by("id")),
            "form": form,
            "reschedule_form": reschedule_form,
            "can_update": can_update,
            "can_reschedule": can_reschedule,
            "overdue": item.status != ActionItemStatus.DONE
            and item.due_on < timezone.localdate(),
        },
        status=status,
    )
