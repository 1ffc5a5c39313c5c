"""Key figures of guarantee integration (S18, S19), scoped to the caller.

- ``workers``: social workers and grid workers in post;
- ``workers_under_training_requirement``: of those, how many attended fewer
  than ``REQUIRED_TRAININGS_PER_YEAR`` rotation trainings this calendar year;
- ``trainings_this_year``: training sessions held from 1 January to today;
- ``social_orgs_incubated``: social organisations the street has incubated
  (all of them, whatever their status now: incubation is an achievement);
- ``communities_underfunded``: communities whose three budget lines for this
  year total under ``MIN_COMMUNITY_FUNDS_YUAN`` (none recorded counts as 0).
"""

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from support import selectors
from support.models import MIN_COMMUNITY_FUNDS_YUAN

LABELS = {
    "workers": _("社工和网格员"),
    "workers_under_training_requirement": _("今年轮训不足两次"),
    "trainings_this_year": _("今年轮训场次"),
    "social_orgs_incubated": _("孵化社会组织"),
    "communities_underfunded": _("经费不足30万元的社区"),
}


WATCH = ("workers_under_training_requirement", "communities_underfunded")

COMMUNITY_LABELS = {
    "workers": _("社工和网格员"),
    "funds_total": _("今年三项经费（元）"),
}


def by_community(scope, months):
    """Return per community: workers in post, this year's three lines' total.

    ``warn`` names the total where it is under the S19 minimum (a community
    with no budget recorded totals 0). Two GROUP BY queries.
    """
    year = timezone.localdate().year
    rows = {}
    workers = (
        selectors.workers_visible(scope)
        .filter(left_on__isnull=True)
        .order_by()
        .values_list("community")
        .annotate(n=Count("pk"))
    )
    for community, n in workers:
        rows.setdefault(community, {})["workers"] = n
    for community in selectors.communities_with_totals(scope, year).values(
        "pk", "funds_total"
    ):
        row = rows.setdefault(community["pk"], {})
        row["funds_total"] = community["funds_total"]
        if community["funds_total"] < MIN_COMMUNITY_FUNDS_YUAN:
            row["warn"] = {"funds_total"}
    return rows


def stats(scope):
    today = timezone.localdate()
    return {
        "workers": selectors.workers_visible(scope)
        .filter(left_on__isnull=True)
        .count(),
        "workers_under_training_requirement": (
            selectors.workers_under_requirement_count(scope, today)
        ),
        "trainings_this_year": selectors.trainings_this_year_count(scope, today),
        "social_orgs_incubated": selectors.social_orgs_visible(scope).count(),
        "communities_underfunded": selectors.communities_underfunded(
            scope, today.year
        ).count(),
    }
