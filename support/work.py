"""The support part of the street's work centre (``portal.work``): communities
short of funds and of trainings.

Read only, like the selectors: two queries whatever the number of
communities and workers.
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import User
from portal.roles import can
from portal.scope import scope_for
from portal.work import WorkItem
from support.models import MIN_COMMUNITY_FUNDS_YUAN, REQUIRED_TRAININGS_PER_YEAR
from support.selectors import (
    communities_underfunded,
    worker_compliance_list,
    workers_count_by_community,
)


def work_items(user: User) -> list[WorkItem]:
    """Return, for street staff and admins, each community of the street whose
    funds this year are under the minimum, and each with workers trained
    fewer than the required times this year."""
    scope = scope_for(user)
    if not scope.street_ids:
        return []
    today = timezone.localdate()
    items: list[WorkItem] = []
    budget_url = "%s?year=%s" % (reverse("support:budget_set"), today.year)
    for community in communities_underfunded(scope, today.year).order_by("code"):
        items.append(
            WorkItem(
                kind="support.funds",
                title=_("落实社区经费：%s") % community.name,
                reason=_("今年经费合计 %(total)s 元，不足 %(minimum)s 元。")
                % {
                    "total": f"{community.funds_total:,.0f}",
                    "minimum": f"{MIN_COMMUNITY_FUNDS_YUAN:,.0f}",
                },
                url=budget_url
                if can(user, "support.manage", community_id=community.pk)
                else None,
                due=today.replace(month=12, day=31),
            )
        )
    under = workers_count_by_community(worker_compliance_list(user=user, today=today))
    for community_id, name, n in under:
        items.append(
            WorkItem(
                kind="support.trainings",
                title=_("组织轮训：%s") % name,
                reason=_("%(n)s 名社区工作者今年参加轮训不足 %(required)s 次。")
                % {"n": n, "required": REQUIRED_TRAININGS_PER_YEAR},
                url="%s?community=%s" % (reverse("support:compliance"), community_id),
                due=today.replace(month=12, day=31),
            )
        )
    return items
