"""Helpers shared by the volunteers app's pages."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.roles import can
from volunteers import selectors, services
from volunteers.models import MicroWish, ServicePost

KINDS = {"wishes": MicroWish, "posts": ServicePost}


def _require_staff(user):
    if not can(user, "volunteers.view"):
        raise PermissionDenied


def _query_without(request, *names):
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def _volunteer_or_redirect(request):
    volunteer = services.volunteer_of(request.user)
    if volunteer is None:
        messages.info(request, _("请先注册为志愿者。"))
    return volunteer


def _checkin_url(request, activity):
    token = services.activity_checkin_token(activity)
    return request.build_absolute_uri(reverse("volunteers:checkin", args=[token]))


def _kind_model(kind):
    model = KINDS.get(kind)
    if model is None:
        raise Http404
    return model


def _with_residents(objs, user):
    for obj in objs:
        obj.resident = selectors.resident_view(obj, user)
    return objs
