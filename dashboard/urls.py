"""The home page and the dashboards, at the top of the site (no namespace:
``home``, ``street-dashboard``, ``community-dashboard``)."""

from django.urls import path

from dashboard import views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.street_dashboard, name="street-dashboard"),
    path(
        "dashboard/communities/<int:pk>/",
        views.community_dashboard,
        name="community-dashboard",
    ),
]
