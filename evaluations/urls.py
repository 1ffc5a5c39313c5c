from django.urls import path

from evaluations.views import (
    commitments,
    deliveries,
    notices,
    ratings,
    results,
    runs,
)

app_name = "evaluations"

urlpatterns = [
    path("", runs.runs, name="runs"),
    path("runs/start/", runs.run_start, name="run_start"),
    path("runs/<int:pk>/status/", runs.run_status, name="run_status"),
    path("results/", results.results, name="results"),
    path("results/publish/", results.publish, name="publish"),
    path("results/deliveries/", deliveries.deliveries, name="deliveries"),
    path(
        "results/deliveries/retry/",
        deliveries.deliveries_retry,
        name="deliveries_retry",
    ),
    path(
        "results/deliveries/print/",
        deliveries.deliveries_print,
        name="deliveries_print",
    ),
    path("results/<int:pk>/", results.evaluation_detail, name="evaluation"),
    path(
        "results/<int:pk>/notice/", deliveries.feedback_notice, name="feedback_notice"
    ),
    path("units/<int:pk>/history/", results.unit_history, name="unit_history"),
    path("policy/", runs.policy, name="policy"),
    path("ratings/", ratings.ratings, name="ratings"),
    path("ratings/plaques/", ratings.plaques, name="plaques"),
    path("ratings/units/<int:unit_pk>/", ratings.rating_detail, name="rating"),
    path("appeals/", ratings.appeals, name="appeals"),
    path("appeals/<int:pk>/", ratings.appeal_detail, name="appeal"),
    path(
        "appeals/<int:pk>/attachment/",
        ratings.appeal_attachment,
        name="appeal_attachment",
    ),
    path("notices/", notices.notices, name="notices"),
    path("notices/<int:pk>/download/", notices.notice_download, name="notice_download"),
    path("annual/", notices.annual, name="annual"),
    path(
        "annual/<int:unit_pk>/<year:year>/", notices.annual_report, name="annual_report"
    ),
    path(
        "annual/<int:unit_pk>/<year:year>/xlsx/",
        notices.annual_report_xlsx,
        name="annual_report_xlsx",
    ),
    path("commitments/", commitments.commitments, name="commitments"),
    path("surveys/<int:pk>/", commitments.survey_detail, name="survey"),
]
