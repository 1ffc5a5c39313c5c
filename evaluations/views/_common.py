"""What the evaluations pages share: the viewer's street, paging, filters."""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy

from evaluations import selectors
from evaluations.models import SubjectKind
from orgs.models import OrgKind, OrgNode, UnitKind
from portal.params import query_year
from portal.roles import require
from portal.scope import scope_for

PAGE_SIZE = 50

KIND_CHOICES = [
    ("", gettext_lazy("全部对象")),
    (SubjectKind.UNIT, gettext_lazy("全部单位")),
    ("in_system", gettext_lazy("体制内单位")),
    ("out_of_system", gettext_lazy("体制外单位")),
    *[(value, label) for value, label in UnitKind.choices],
    (SubjectKind.COMMITTEE, gettext_lazy("委员会（大工委/大党委）")),
]
SORTS = {
    "score": ("score", "id"),
    "-score": ("-score", "id"),
    "name": ("unit__code", "committee__name", "id"),
}


def _viewer(request):
    require(request.user, "evaluations.view")
    street = selectors.street_for(request.user)
    if street is None:
        raise Http404
    return street


def _querystring(request, **changes):
    """Return the current query string without the page (and with changes)."""
    params = request.GET.copy()
    params.pop("page", None)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


def _communities(request):
    return OrgNode.objects.filter(
        scope_for(request.user).org_q(), kind=OrgKind.COMMUNITY
    ).order_by("code")


def _year(request):
    today = timezone.localdate()
    return query_year(request.GET, default=today.year - (1 if today.month < 3 else 0))
