"""Home page per role, the street dashboard and a community's dashboard."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dashboard import boards
from dashboard.stats import communities, stat_labels, stats_for_scope
from dashboard.work import request_work_items
from portal.models import Role
from portal.roles import require
from portal.scope import community_scope, scope_for

#: Roles from most to least senior: the home page follows the first one held.
ROLE_ORDER = [
    Role.STREET_ADMIN,
    Role.STREET_STAFF,
    Role.COMMUNITY_SECRETARY,
    Role.UNIT_HEAD,
    Role.GRID_WORKER,
    Role.VOLUNTEER,
]


def primary_role(scope):
    """Return the user's most senior role, or ``None``."""
    if scope.is_superuser:
        return Role.STREET_ADMIN
    return next((role for role in ROLE_ORDER if role in scope.roles), None)


@login_required
def home(request):
    """Render the home page of the user's most senior role."""
    scope = scope_for(request.user)
    role = primary_role(scope)
    if role == Role.VOLUNTEER:
        # A volunteer's home is the phone page of activities, points and wishes.
        return redirect("volunteers:home")
    if role in (Role.STREET_ADMIN, Role.STREET_STAFF):
        return _street_dashboard(request, scope, role)
    if role == Role.COMMUNITY_SECRETARY:
        own = scope.role_communities[Role.COMMUNITY_SECRETARY]
        communities = [c for c in _communities(scope) if c[0] in own]
        if communities:
            return _community_dashboard(request, scope, role, communities[0])
    figures = []
    if role is not None:
        labels = stat_labels()
        stats = stats_for_scope(scope)
        figures = [
            {"key": key, "label": labels.get(key, key), "value": value}
            for key, value in stats.items()
            if not isinstance(value, dict) and key in labels
        ]
    return render(
        request,
        "dashboard/home.html",
        {
            "scope": scope,
            "role": role,
            "role_label": role and Role(role).label,
            "figures": figures,
            **_work_context(request),
        },
    )


@login_required
@require_GET
def work(request):
    """List the user's work (我的待办): what, why, by when, and where to do it."""
    return render(
        request,
        "dashboard/work.html",
        {"items": request_work_items(request)},
    )


@login_required
def street_dashboard(request):
    """Render the street dashboard (street staff and admins only)."""
    require(request.user, "portal.street_dashboard")
    scope = scope_for(request.user)
    return _street_dashboard(request, scope, primary_role(scope))


@login_required
def community_dashboard(request, pk):
    """Render one community's dashboard: 403 for other roles, 404 out of scope."""
    require(request.user, "portal.community_dashboard")
    scope = scope_for(request.user)
    community = next((c for c in _communities(scope) if c[0] == pk), None)
    if community is None:
        raise Http404
    return _community_dashboard(request, scope, primary_role(scope), community)


def _work_context(request):
    """Show the work centre on the home page (its items come from
    ``dashboard.context_processors.work``)."""
    if request.resolver_match.url_name != "home":
        return {}
    return {"show_work": True}


def _communities(scope):
    """Return ``[(id, name)]`` of the communities the user sees whole."""
    return [
        c
        for c in communities(scope)
        if scope.is_superuser or c[0] in scope.community_ids
    ]


def _street_dashboard(request, scope, role):
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "role": role,
            "role_label": Role(role).label,
            "board": boards.street_dashboard(scope),
            "as_of": timezone.localtime(),
            "street_level": True,
            **_work_context(request),
        },
    )


def _community_dashboard(request, scope, role, community):
    pk, name = community
    others = []
    if role == Role.COMMUNITY_SECRETARY:
        own = scope.role_communities[Role.COMMUNITY_SECRETARY]
        others = [c for c in _communities(scope) if c[0] in own]
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "role": role,
            "role_label": Role(role).label,
            "board": boards.community_dashboard(community_scope(pk)),
            "as_of": timezone.localtime(),
            "community": {"id": pk, "name": name},
            "own_communities": others if len(others) > 1 else [],
            "at_home": request.resolver_match.url_name == "home",
            **_work_context(request),
        },
    )
