"""The overview page of guarantee integration: key figures and shortfalls."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from portal.roles import can
from portal.scope import scope_for
from support import selectors
from support.models import MIN_COMMUNITY_FUNDS_YUAN, REQUIRED_TRAININGS_PER_YEAR
from support.stats import LABELS
from support.stats import stats as support_stats
from support.views._common import _require_view, _today


@login_required
def home(request):
    """Overview: the key figures, the shortfalls, recent trainings."""
    _require_view(request)
    scope = scope_for(request.user)
    today = _today()
    figures = support_stats(scope)
    cards = [
        {"key": key, "label": LABELS[key], "value": value}
        for key, value in figures.items()
    ]
    underfunded = list(
        selectors.communities_underfunded(scope, today.year).only("pk", "name")
    )
    under_by_community = selectors.workers_count_by_community(
        selectors.worker_compliance_list(user=request.user, today=today)
    )
    recent = selectors.training_list(user=request.user).order_by("-held_on", "-id")[:5]
    return render(
        request,
        "support/home.html",
        {
            "cards": cards,
            "underfunded": underfunded,
            "under_by_community": under_by_community,
            "recent_trainings": recent,
            "year": today.year,
            "min_funds": MIN_COMMUNITY_FUNDS_YUAN,
            "required": REQUIRED_TRAININGS_PER_YEAR,
            "can_manage": can(request.user, "support.manage"),
            "can_notice": can(request.user, "support.notices"),
        },
    )
