from django.urls import path

from orgs import views

app_name = "orgs"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("units/", views.unit_list, name="units"),
    path("units/export.xlsx", views.unit_export, name="units_export"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("nodes/<int:pk>/", views.node_detail, name="node_detail"),
    path("nodes/<int:pk>/delete/", views.node_delete, name="node_delete"),
    path(
        "nodes/<int:pk>/party-orgs/new/",
        views.party_org_create,
        name="party_org_create",
    ),
    path("party-orgs/<int:pk>/edit/", views.party_org_edit, name="party_org_edit"),
    path(
        "nodes/<int:pk>/compounds/new/", views.compound_create, name="compound_create"
    ),
    path("compounds/<int:pk>/edit/", views.compound_edit, name="compound_edit"),
    path("people/", views.people, name="people"),
    path("people/export.xlsx", views.people_export, name="people_export"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("committees/", views.committee_list, name="committees"),
    path("committees/<int:pk>/", views.committee_detail, name="committee_detail"),
    path("committees/<int:pk>/seats/", views.seat_add, name="seat_add"),
    path(
        "committees/<int:pk>/export.xlsx",
        views.committee_export,
        name="committee_export",
    ),
    path("seats/<int:pk>/vacate/", views.seat_vacate, name="seat_vacate"),
    path("import/", views.import_page, name="import"),
    path("import/jobs/<int:pk>/", views.import_job, name="import_job"),
    path(
        "import/jobs/<int:pk>/status/",
        views.import_job_status,
        name="import_job_status",
    ),
    path(
        "import/template/<slug:kind>.xlsx",
        views.import_template,
        name="import_template",
    ),
]
