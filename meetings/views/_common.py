"""Helpers shared by the meetings pages."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.rotation import month_start, parse_month
from orgs.models import CommitteeKind, OrgKind, OrgNode
from portal.roles import require


def _viewer(request):
    require(request.user, "meetings.view")


def _month_arg(request, default=None):
    raw = request.GET.get("month", "")
    if raw:
        try:
            return parse_month(raw)
        except ValueError:
            messages.warning(request, _("月份格式应为 YYYY-MM，已显示本月。"))
    return default or month_start(timezone.localdate())


def _units_for(committee):
    qs = OrgNode.objects.filter(kind=OrgKind.UNIT, street_id=committee.street_id)
    if committee.kind == CommitteeKind.BIG_PARTY:
        qs = qs.filter(community_id=committee.community_id)
    return qs.order_by("community__code", "code")


def _url(name, *args):
    return reverse(name, args=args)


def _forbidden():
    return PermissionDenied(_("您没有执行此操作的权限。"))
