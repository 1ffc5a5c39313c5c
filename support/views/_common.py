"""Helpers shared by the support pages."""

from django.utils import timezone

from portal.roles import require

PAGE_SIZE = 50


def _require_view(request):
    require(request.user, "support.view")


def _today():
    return timezone.localdate()
