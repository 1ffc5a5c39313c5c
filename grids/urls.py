"""Pages of the grid, mounted at /grids/."""

from django.urls import path

from grids import views

app_name = "grids"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("map/", views.map_view, name="map"),
    path("gaps/", views.gaps, name="gaps"),
    path("cells/<int:pk>/", views.cell_detail, name="cell"),
    path("cells/<int:pk>/leader/", views.cell_leader, name="cell_leader"),
    path("cells/<int:pk>/assign/", views.cell_assign, name="cell_assign"),
    path(
        "cells/<int:pk>/assignments/<int:assignment_pk>/end/",
        views.cell_unassign,
        name="cell_unassign",
    ),
    path("people/<int:pk>/", views.person_cells, name="person_cells"),
    path("cases/", views.case_list, name="cases"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/<slug:action>/", views.case_action, name="case_action"),
    path("visits/", views.visit_list, name="visits"),
    path("visits/new/", views.visit_new, name="visit_new"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("photos/<int:pk>/", views.photo, name="photo"),
]
