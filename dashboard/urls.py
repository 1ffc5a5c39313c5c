"""The home page and the dashboards, at the top of the site (no namespace:
``home``, ``work``, ``street-dashboard``, ``community-dashboard``)."""

from django.urls import path

from dashboard import views

urlpatterns = [
    path("", views.home, name="home"),
    path("work/", views.work, name="work"),
    path("dashboard/", views.street_dashboard, name="street-dashboard"),
    path(
        "dashboard/communities/<int:pk>/",
        views.community_dashboard,
        name="community-dashboard",
    ),
]
