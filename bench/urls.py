"""The portal's URLs plus a trivial view, the floor of a request's cost."""

from django.http import HttpResponse
from django.urls import path

from config.urls import (  # noqa: F401
    handler400,
    handler403,
    handler404,
    handler500,
    urlpatterns,
)


def constant(request):
    """Return a constant: what a request costs before any work of the portal's."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/constant/", constant, name="bench-constant"), *urlpatterns]
