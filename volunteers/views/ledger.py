"""Points: my points, corrections and reversals, the ledger, the rules."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import pages
from portal.roles import can, require
from volunteers import selectors, services
from volunteers.forms import CorrectionForm, ReverseForm, RuleForm
from volunteers.models import ActivityType, PointsRule
from volunteers.views._common import (
    _query_without,
    _require_staff,
    _volunteer_or_redirect,
)


@login_required
def my_points(request):
    volunteer = _volunteer_or_redirect(request)
    if volunteer is None:
        return redirect("volunteers:register")
    entries = volunteer.points_entries.order_by("-created_at", "-id")
    redemptions = volunteer.redemptions.select_related("item").order_by(
        "-redeemed_at", "-id"
    )[:20]
    return render(
        request,
        "volunteers/my_points.html",
        {
            "volunteer": volunteer,
            "balance": services.points_balance(volunteer),
            "page": pages.page(request, entries, 20),
            "redemptions": redemptions,
            "tab": "points",
        },
    )


# -- staff: corrections and the ledger ------------------------------------------------


@login_required
@require_POST
def points_correct(request, pk):
    volunteer = selectors.volunteer_get(user=request.user, pk=pk)
    # The permission before the body: a refusal says nothing about the form.
    require(request.user, "volunteers.correct_points", volunteer)
    form = CorrectionForm(request.POST)
    if form.is_valid():
        try:
            services.points_correct(
                user=request.user,
                volunteer=volunteer,
                points=form.cleaned_data["points"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            pages.error_messages(request, exc)
        else:
            messages.success(request, _("已记入调整。"))
    else:
        messages.error(request, _("请填写调整的积分和原因。"))
    return redirect("volunteers:volunteer_detail", pk=pk)


@login_required
@require_POST
def entry_reverse(request, pk):
    entry = get_object_or_404(selectors.entry_list(user=request.user), pk=pk)
    require(request.user, "volunteers.correct_points", entry.volunteer)
    form = ReverseForm(request.POST)
    if form.is_valid():
        try:
            services.points_reverse(
                user=request.user, entry=entry, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            pages.error_messages(request, exc)
        else:
            messages.success(request, _("已冲正。"))
    else:
        messages.error(request, _("冲正须填写原因。"))
    return redirect("volunteers:volunteer_detail", pk=entry.volunteer_id)


@login_required
def ledger(request):
    """Points by community, by team or by person."""
    _require_staff(request.user)
    by = request.GET.get("by", "community")
    context = {"by": by, "query": _query_without(request, "page")}
    if by == "team":
        context["page"] = pages.page(
            request, selectors.ledger_by_team(user=request.user)
        )
    elif by == "person":
        queryset = selectors.account_list(user=request.user)
        search = request.GET.get("q", "").strip()
        if search:
            queryset = queryset.filter(volunteer__person__name__icontains=search)
        queryset, sort = pages.sort(
            request,
            queryset,
            {
                "balance": "balance",
                "earned": "earned",
                "name": "volunteer__person__name",
            },
            "-balance",
            then=("-pk",),
        )
        context.update(page=pages.page(request, queryset), sort=sort, q=search)
        context["sort_query"] = _query_without(request, "page", "sort")
    else:
        context["by"] = "community"
        rows = list(selectors.ledger_by_community(user=request.user))
        context["rows"] = rows
        context["totals"] = {
            key: sum(r[key] for r in rows)
            for key in ("awarded", "redeemed", "adjusted", "net", "entries")
        }
    return render(request, "volunteers/ledger.html", context)


# -- staff: points rules ------------------------------------------------------------------


@login_required
def rules(request):
    """Points per activity type, editable by street staff."""
    _require_staff(request.user)
    editable = can(request.user, "volunteers.points_rules")
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        activity_type = request.POST.get("activity_type")
        if activity_type not in ActivityType.values:
            raise Http404
        rule = services.points_rule_for(activity_type)
        form = RuleForm(request.POST, instance=rule)
        if form.is_valid():
            try:
                services.points_rule_update(
                    user=request.user, activity_type=activity_type, **form.cleaned_data
                )
            except ValidationError as exc:
                pages.error_messages(request, exc)
            else:
                messages.success(request, _("积分规则已保存。"))
        else:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        return redirect("volunteers:rules")
    existing = {
        r.activity_type: r for r in PointsRule.objects.select_related("updated_by")
    }
    # A type without a saved rule shows its default; a GET writes nothing.
    for activity_type in ActivityType.values:
        if activity_type not in existing:
            existing[activity_type] = services.points_rule_default(activity_type)
    rows = [(ActivityType(t).label, existing[t]) for t in ActivityType.values]
    return render(
        request, "volunteers/rules.html", {"rows": rows, "editable": editable}
    )
