"""Pages of the joint meetings, mounted at /meetings/ (``meetings:list`` in the nav)."""

from django.urls import path

from meetings import views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("schedule/", views.meeting_schedule, name="schedule"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/edit/", views.meeting_edit, name="edit"),
    path("<int:pk>/cancel/", views.meeting_cancel, name="cancel"),
    path("<int:pk>/attendance/", views.meeting_attendance, name="attendance"),
    path("<int:pk>/minutes/", views.meeting_minutes, name="minutes"),
    path("<int:pk>/inspections/", views.meeting_inspections, name="inspections"),
    path("<int:pk>/problems/new/", views.problem_add, name="problem_add"),
    path("problems/<int:pk>/", views.problem_detail, name="problem"),
    path("problems/<int:pk>/items/", views.problem_item_add, name="problem_item_add"),
    path(
        "problems/<int:pk>/escalate/", views.problem_escalate, name="problem_escalate"
    ),
    path("problems/<int:pk>/answer/", views.problem_answer, name="problem_answer"),
    path("items/", views.action_item_board, name="board"),
    path("items/mine/", views.action_item_todo, name="todo"),
    path("items/<int:pk>/", views.action_item_detail, name="item"),
    path("committees/<int:pk>/channel/", views.committee_channel, name="channel"),
    path("committees/<int:pk>/rotation/", views.committee_rotation, name="rotation"),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
]
