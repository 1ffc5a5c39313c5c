"""The REST API's router at /api/v1/: every app's ``ROUTES``, imported plainly.

Each app's ``api.py`` exposes ``ROUTES = [(prefix, viewset, basename), ...]``;
a new app's routes are one import and one line of ``APPS_ROUTES`` here. The
kernel's own API views (the token, error handling) live in ``portal.api``.
"""

from rest_framework.routers import DefaultRouter

from evaluations import api as evaluations_api
from grids import api as grids_api
from meetings import api as meetings_api
from orgs import api as orgs_api
from support import api as support_api
from volunteers import api as volunteers_api

#: The apps' routes, in the order the router registers them.
APPS_ROUTES = (
    orgs_api.ROUTES,
    grids_api.ROUTES,
    meetings_api.ROUTES,
    volunteers_api.ROUTES,
    evaluations_api.ROUTES,
    support_api.ROUTES,
)


def build_router():
    router = DefaultRouter()
    for routes in APPS_ROUTES:
        for prefix, viewset, basename in routes:
            router.register(prefix, viewset, basename=basename)
    return router
