"""Pages of the volunteers app, mounted at /volunteers/."""

from django.urls import path, register_converter

from volunteers import views


class KindConverter:
    """``wishes`` (micro-wishes) or ``posts`` (service posts)."""

    regex = "wishes|posts"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(KindConverter, "claimkind")

app_name = "volunteers"

urlpatterns = [
    path("", views.home, name="home"),
    path("register/", views.register, name="register"),
    # Volunteers, on a phone.
    path("activities/", views.activities, name="activities"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/signup/", views.activity_signup, name="activity_signup"),
    path(
        "activities/<int:pk>/signup/cancel/",
        views.activity_signup_cancel,
        name="activity_signup_cancel",
    ),
    path("activities/<int:pk>/qr.png", views.activity_qr, name="activity_qr"),
    path("c/<str:token>/", views.checkin, name="checkin"),
    path("me/checkins/", views.my_checkins, name="my_checkins"),
    path("me/points/", views.my_points, name="my_points"),
    path("station/", views.station, name="station"),
    path("station/items/<int:pk>/redeem/", views.redeem, name="redeem"),
    path("wall/", views.wishes_wall, name="wishes_wall"),
    path(
        "public/<int:community_id>/wishes/", views.public_wishes, name="public_wishes"
    ),
    path("<claimkind:kind>/<int:pk>/", views.claimable_detail, name="claimable_detail"),
    path(
        "<claimkind:kind>/<int:pk>/claim/",
        views.claimable_claim,
        name="claimable_claim",
    ),
    path(
        "<claimkind:kind>/<int:pk>/fulfil/",
        views.claimable_fulfil,
        name="claimable_fulfil",
    ),
    path(
        "<claimkind:kind>/<int:pk>/confirm/",
        views.claimable_confirm,
        name="claimable_confirm",
    ),
    path(
        "<claimkind:kind>/<int:pk>/cancel/",
        views.claimable_cancel,
        name="claimable_cancel",
    ),
    path(
        "<claimkind:kind>/<int:pk>/photo/",
        views.claimable_photo,
        name="claimable_photo",
    ),
    # Staff.
    path("manage/activities/", views.manage_activities, name="manage_activities"),
    path("manage/activities/new/", views.activity_create, name="activity_create"),
    path("manage/activities/<int:pk>/", views.activity_manage, name="activity_manage"),
    path(
        "manage/activities/<int:pk>/attendance/",
        views.activity_attendance,
        name="activity_attendance",
    ),
    path(
        "manage/activities/<int:pk>/cancel/",
        views.activity_cancel,
        name="activity_cancel",
    ),
    path(
        "manage/activities/<int:pk>/qr-renew/",
        views.activity_qr_renew,
        name="activity_qr_renew",
    ),
    path("manage/volunteers/", views.volunteer_list, name="volunteer_list"),
    path("manage/volunteers/new/", views.volunteer_create, name="volunteer_create"),
    path(
        "manage/volunteers/<int:pk>/", views.volunteer_detail, name="volunteer_detail"
    ),
    path(
        "manage/volunteers/<int:pk>/leave/",
        views.volunteer_leave,
        name="volunteer_leave",
    ),
    path(
        "manage/volunteers/<int:pk>/correct/",
        views.points_correct,
        name="points_correct",
    ),
    path("manage/entries/<int:pk>/reverse/", views.entry_reverse, name="entry_reverse"),
    path("manage/ledger/", views.ledger, name="ledger"),
    path("manage/teams/", views.team_list, name="team_list"),
    path("manage/teams/new/", views.team_create, name="team_create"),
    path("manage/teams/<int:pk>/", views.team_detail, name="team_detail"),
    path(
        "manage/board/<claimkind:kind>/", views.claimable_board, name="claimable_board"
    ),
    path(
        "manage/board/<claimkind:kind>/new/",
        views.claimable_create,
        name="claimable_create",
    ),
    path("manage/station/", views.station_manage, name="station_manage"),
    path("manage/events/", views.group_events, name="group_events"),
    path("manage/events/new/", views.group_event_create, name="group_event_create"),
    path("manage/rules/", views.rules, name="rules"),
    path("manage/in-service/", views.inservice_report, name="inservice_report"),
    path(
        "manage/in-service/export.xlsx",
        views.inservice_report_xlsx,
        name="inservice_report_xlsx",
    ),
    path(
        "manage/in-service/confirm/",
        views.inservice_confirm,
        name="inservice_confirm",
    ),
    path(
        "manage/in-service/card/<int:unit_id>/<year:year>/<int:quarter>/",
        views.service_card,
        name="service_card",
    ),
    path(
        "manage/in-service/card/<int:unit_id>/<year:year>/<int:quarter>.xlsx",
        views.service_card_xlsx,
        name="service_card_xlsx",
    ),
]
