"""Home page per role, health check and error pages."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from portal import dashboard
from portal.models import Role
from portal.roles import require
from portal.scope import community_scope, scope_for
from portal.stats import stat_labels, stats_for_scope, stats_module

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
        "portal/home.html",
        {
            "scope": scope,
            "role": role,
            "role_label": role and Role(role).label,
            "figures": figures,
        },
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


def _communities(scope):
    """Return ``[(id, name)]`` of the communities the user sees whole."""
    orgs_stats = stats_module("orgs")
    if orgs_stats is None:
        return []
    return [
        c
        for c in orgs_stats.communities(scope)
        if scope.is_superuser or c[0] in scope.community_ids
    ]


def _street_dashboard(request, scope, role):
    return render(
        request,
        "portal/dashboard.html",
        {
            "role": role,
            "role_label": Role(role).label,
            "board": dashboard.street_dashboard(scope),
            "as_of": timezone.localtime(),
            "street_level": True,
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
        "portal/dashboard.html",
        {
            "role": role,
            "role_label": Role(role).label,
            "board": dashboard.community_dashboard(community_scope(pk)),
            "as_of": timezone.localtime(),
            "community": {"id": pk, "name": name},
            "own_communities": others if len(others) > 1 else [],
            "at_home": request.resolver_match.url_name == "home",
        },
    )


@never_cache
def healthz(request):
    """Answer 200 when the database answers; for load balancers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def error_400(request, exception=None, message=None):
    return render(
        request,
        "error.html",
        {
            "code": 400,
            "title": _("请求有误"),
            "message": message or _("请求无法处理：链接或提交的内容有误。"),
        },
        status=400,
    )


def error_403(request, exception=None):
    return render(
        request,
        "error.html",
        {"code": 403, "title": _("没有权限"), "message": _("您没有访问此页面的权限。")},
        status=403,
    )


def error_404(request, exception=None):
    return render(
        request,
        "error.html",
        {
            "code": 404,
            "title": _("页面不存在"),
            "message": _("您要找的页面不存在，或不在您的管辖范围内。"),
        },
        status=404,
    )


def error_500(request):
    return render(
        request,
        "error.html",
        {
            "code": 500,
            "title": _("系统错误"),
            "message": _("服务器出了点问题，我们已记录，请稍后再试。"),
        },
        status=500,
    )
