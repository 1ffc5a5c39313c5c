"""Key figures of the organisations (extended by the orgs issue)."""

from django.utils.translation import gettext_lazy as _

from orgs.models import OrgKind, OrgNode

LABELS = {"communities": _("社区")}


def stats(scope):
    communities = OrgNode.objects.filter(scope.org_q(), kind=OrgKind.COMMUNITY)
    return {"communities": communities.count()}
