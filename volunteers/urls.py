"""Pages of the volunteers app, mounted at /volunteers/."""

from django.urls import path, register_converter

from volunteers.views import (
    activities,
    checkins,
    claims,
    group_events,
    in_service,
    ledger,
    registration,
    station,
    teams,
)


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
    path("", registration.home, name="home"),
    path("register/", registration.register, name="register"),
    # Volunteers, on a phone.
    path("activities/", activities.activities, name="activities"),
    path("activities/<int:pk>/", activities.activity_detail, name="activity_detail"),
    path(
        "activities/<int:pk>/signup/",
        activities.activity_signup,
        name="activity_signup",
    ),
    path(
        "activities/<int:pk>/signup/cancel/",
        activities.activity_signup_cancel,
        name="activity_signup_cancel",
    ),
    path("activities/<int:pk>/qr.png", checkins.activity_qr, name="activity_qr"),
    path("c/<str:token>/", checkins.checkin, name="checkin"),
    path("me/checkins/", checkins.my_checkins, name="my_checkins"),
    path("me/points/", ledger.my_points, name="my_points"),
    path("station/", station.station, name="station"),
    path("station/items/<int:pk>/redeem/", station.redeem, name="redeem"),
    path("wall/", claims.wishes_wall, name="wishes_wall"),
    path(
        "public/<int:community_id>/wishes/", claims.public_wishes, name="public_wishes"
    ),
    path(
        "<claimkind:kind>/<int:pk>/", claims.claimable_detail, name="claimable_detail"
    ),
    path(
        "<claimkind:kind>/<int:pk>/claim/",
        claims.claimable_claim,
        name="claimable_claim",
    ),
    path(
        "<claimkind:kind>/<int:pk>/fulfil/",
        claims.claimable_fulfil,
        name="claimable_fulfil",
    ),
    path(
        "<claimkind:kind>/<int:pk>/confirm/",
        claims.claimable_confirm,
        name="claimable_confirm",
    ),
    path(
        "<claimkind:kind>/<int:pk>/cancel/",
        claims.claimable_cancel,
        name="claimable_cancel",
    ),
    path(
        "<claimkind:kind>/<int:pk>/photo/",
        claims.claimable_photo,
        name="claimable_photo",
    ),
    # Staff.
    path("manage/activities/", activities.manage_activities, name="manage_activities"),
    path("manage/activities/new/", activities.activity_create, name="activity_create"),
    path(
        "manage/activities/<int:pk>/",
        activities.activity_manage,
        name="activity_manage",
    ),
    path(
        "manage/activities/<int:pk>/attendance/",
        checkins.activity_attendance,
        name="activity_attendance",
    ),
    path(
        "manage/activities/<int:pk>/cancel/",
        activities.activity_cancel,
        name="activity_cancel",
    ),
    path(
        "manage/activities/<int:pk>/qr-renew/",
        activities.activity_qr_renew,
        name="activity_qr_renew",
    ),
    path("manage/volunteers/", registration.volunteer_list, name="volunteer_list"),
    path(
        "manage/volunteers/new/", registration.volunteer_create, name="volunteer_create"
    ),
    path(
        "manage/volunteers/<int:pk>/",
        registration.volunteer_detail,
        name="volunteer_detail",
    ),
    path(
        "manage/volunteers/<int:pk>/leave/",
        registration.volunteer_leave,
        name="volunteer_leave",
    ),
    path(
        "manage/volunteers/<int:pk>/correct/",
        ledger.points_correct,
        name="points_correct",
    ),
    path(
        "manage/entries/<int:pk>/reverse/", ledger.entry_reverse, name="entry_reverse"
    ),
    path("manage/ledger/", ledger.ledger, name="ledger"),
    path("manage/teams/", teams.team_list, name="team_list"),
    path("manage/teams/new/", teams.team_create, name="team_create"),
    path("manage/teams/<int:pk>/", teams.team_detail, name="team_detail"),
    path(
        "manage/board/<claimkind:kind>/", claims.claimable_board, name="claimable_board"
    ),
    path(
        "manage/board/<claimkind:kind>/new/",
        claims.claimable_create,
        name="claimable_create",
    ),
    path("manage/station/", station.station_manage, name="station_manage"),
    path("manage/events/", group_events.group_events, name="group_events"),
    path(
        "manage/events/new/", group_events.group_event_create, name="group_event_create"
    ),
    path("manage/rules/", ledger.rules, name="rules"),
    path("manage/in-service/", in_service.inservice_report, name="inservice_report"),
    path(
        "manage/in-service/export.xlsx",
        in_service.inservice_report_xlsx,
        name="inservice_report_xlsx",
    ),
    path(
        "manage/in-service/confirm/",
        in_service.inservice_confirm,
        name="inservice_confirm",
    ),
    path(
        "manage/in-service/card/<int:unit_id>/<year:year>/<int:quarter>/",
        in_service.service_card,
        name="service_card",
    ),
    path(
        "manage/in-service/card/<int:unit_id>/<year:year>/<int:quarter>.xlsx",
        in_service.service_card_xlsx,
        name="service_card_xlsx",
    ),
]
