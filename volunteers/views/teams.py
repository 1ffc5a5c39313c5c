"""Volunteer teams (staff)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from orgs.models import OrgNode
from portal import pages
from portal.params import to_int
from portal.roles import can
from portal.scope import scope_for
from volunteers import selectors, services
from volunteers.forms import TeamForm
from volunteers.models import Volunteer
from volunteers.views._common import _query_without, _require_staff


@login_required
def team_list(request):
    _require_staff(request.user)
    queryset, sort = pages.sort(
        request,
        selectors.team_list(user=request.user),
        {"name": "name", "members": "member_count", "community": "community__name"},
        "name",
        then=("-pk",),
    )
    return render(
        request,
        "volunteers/team_list.html",
        {
            "page": pages.page(request, queryset),
            "sort": sort,
            "can_manage": can(request.user, "volunteers.manage"),
            "query": _query_without(request, "page"),
            "sort_query": _query_without(request, "page", "sort"),
        },
    )


@login_required
def team_create(request):
    if not can(request.user, "volunteers.manage"):
        raise PermissionDenied
    form = TeamForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        community = data["community"]
        scope = scope_for(request.user)
        street = community.street if community else None
        if street is None:
            street = OrgNode.objects.filter(pk__in=scope.street_ids).first()
        try:
            team = services.team_create(
                user=request.user,
                name=data["name"],
                street=street,
                community=community,
                service_area=data["service_area"],
                description=data["description"],
            )
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(request, _("已创建团队。"))
            return redirect("volunteers:team_detail", pk=team.pk)
    return render(request, "volunteers/team_form.html", {"form": form})


@login_required
def team_detail(request, pk):
    _require_staff(request.user)
    team = get_object_or_404(selectors.team_list(user=request.user), pk=pk)
    if request.method == "POST":
        volunteer = get_object_or_404(
            selectors.volunteer_list(user=request.user),
            pk=to_int(request.POST.get("volunteer"), 0),
        )
        try:
            if request.POST.get("action") == "leader":
                services.team_set_leader(
                    user=request.user, team=team, volunteer=volunteer
                )
                messages.success(request, _("已设为队长。"))
            else:
                services.team_member_add(
                    user=request.user, team=team, volunteer=volunteer
                )
                messages.success(request, _("已加入团队。"))
        except ValidationError as exc:
            pages.error_messages(request, exc)
        return redirect("volunteers:team_detail", pk=pk)
    members = (
        Volunteer.objects.filter(memberships__team=team)
        .select_related("person", "community", "account")
        .order_by("person__name", "id")
    )
    can_manage = can(request.user, "volunteers.manage", team.community or team.street)
    candidates = []
    if can_manage:
        # The team's community's volunteers not yet in it, to pick from.
        candidates = (
            selectors.volunteer_list(user=request.user)
            .filter(street_id=team.street_id)
            .exclude(memberships__team=team)
            .order_by("person__name", "id")
        )
        if team.community_id:
            candidates = candidates.filter(community_id=team.community_id)
        candidates = candidates[:300]
    return render(
        request,
        "volunteers/team_detail.html",
        {
            "team": team,
            "page": pages.page(request, members),
            "can_manage": can_manage,
            "candidates": candidates,
        },
    )
