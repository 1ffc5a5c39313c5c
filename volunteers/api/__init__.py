"""REST API of the volunteers app: parse input → selector/service → output.

Every list comes from the same scoped selector as the pages (another scope's
object is a 404, lists show none of it); every write calls a service (a
forbidden action is a 403, a broken rule a 400 with the Chinese message).
``serializers`` holds the shapes in and out, ``viewsets`` the endpoints;
``ROUTES`` (here) is what ``config.api`` registers.
"""

from volunteers.api.viewsets import (
    ActivityViewSet,
    CheckInViewSet,
    PointsViewSet,
    RedemptionViewSet,
    ServicePostViewSet,
    TeamViewSet,
    VolunteerViewSet,
    WishViewSet,
)

ROUTES = [
    ("volunteers", VolunteerViewSet, "volunteers"),
    ("teams", TeamViewSet, "teams"),
    ("activities", ActivityViewSet, "activities"),
    ("checkins", CheckInViewSet, "checkins"),
    ("points", PointsViewSet, "points"),
    ("wishes", WishViewSet, "wishes"),
    ("service-posts", ServicePostViewSet, "service-posts"),
    ("redemptions", RedemptionViewSet, "redemptions"),
]
