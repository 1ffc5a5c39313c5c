from django.urls import path

from evaluations import views

app_name = "evaluations"

urlpatterns = [
    path("", views.runs, name="runs"),
    path("runs/start/", views.run_start, name="run_start"),
    path("runs/<int:pk>/status/", views.run_status, name="run_status"),
    path("results/", views.results, name="results"),
    path("results/publish/", views.publish, name="publish"),
    path("results/deliveries/", views.deliveries, name="deliveries"),
    path("results/deliveries/retry/", views.deliveries_retry, name="deliveries_retry"),
    path("results/deliveries/print/", views.deliveries_print, name="deliveries_print"),
    path("results/<int:pk>/", views.evaluation_detail, name="evaluation"),
    path("results/<int:pk>/notice/", views.feedback_notice, name="feedback_notice"),
    path("units/<int:pk>/history/", views.unit_history, name="unit_history"),
    path("policy/", views.policy, name="policy"),
    path("ratings/", views.ratings, name="ratings"),
    path("ratings/plaques/", views.plaques, name="plaques"),
    path("ratings/units/<int:unit_pk>/", views.rating_detail, name="rating"),
    path("appeals/", views.appeals, name="appeals"),
    path("appeals/<int:pk>/", views.appeal_detail, name="appeal"),
    path(
        "appeals/<int:pk>/attachment/",
        views.appeal_attachment,
        name="appeal_attachment",
    ),
    path("notices/", views.notices, name="notices"),
    path("notices/<int:pk>/download/", views.notice_download, name="notice_download"),
    path("annual/", views.annual, name="annual"),
    path(
        "annual/<int:unit_pk>/<year:year>/", views.annual_report, name="annual_report"
    ),
    path(
        "annual/<int:unit_pk>/<year:year>/xlsx/",
        views.annual_report_xlsx,
        name="annual_report_xlsx",
    ),
    path("commitments/", views.commitments, name="commitments"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey"),
]
