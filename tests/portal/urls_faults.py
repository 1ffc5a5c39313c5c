"""Test-only routes: the portal's URLs plus views that fail or enqueue on purpose."""

from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone

from config.urls import (  # noqa: F401
    handler400,
    handler403,
    handler404,
    handler500,
    urlpatterns,
)
from portal.notify import reminder_schedule
from portal.tasks import enqueue, send_due_reminders


def boom(request):
    raise ZeroDivisionError("secret internals: password=hunter2")


def remind_me(request):
    """Like a view that files something and wants its reminder sent soon."""
    reminder = reminder_schedule(
        key=f"test:faults:{request.user.pk}",
        due_at=timezone.now(),
        recipient=request.user,
        subject="会议提醒",
        body="明天上午九点召开联席会议",
    )
    result = enqueue(send_due_reminders)
    return JsonResponse({"reminder": reminder.pk, "queued": result is not None})


def assign_role(request):
    """Like a page that changes role assignments (audited with its actor)."""
    from orgs.models import OrgNode
    from portal.models import Role, User
    from portal.services import role_assign

    user = User.objects.get(username=request.GET["user"])
    node = OrgNode.objects.get(code=request.GET["node"])
    role_assign(user=user, role=Role.COMMUNITY_SECRETARY, org_node=node)
    return HttpResponse("ok")


urlpatterns = [
    path("test/boom/", boom),
    path("test/remind-me/", remind_me),
    path("test/assign-role/", assign_role),
    *urlpatterns,
]
