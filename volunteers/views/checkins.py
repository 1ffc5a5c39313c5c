"""Check-in by QR code, my check-ins, and attendance confirmed by staff."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import pages
from portal.roles import require
from volunteers import selectors, services
from volunteers.forms import ATTENDANCE_CHOICES
from volunteers.models import ATTENDED, ActivityStatus, Attendance, CheckIn
from volunteers.views._common import _checkin_url, _volunteer_or_redirect


@login_required
def activity_qr(request, pk):
    """Return the activity's check-in QR code as a PNG (organisers only)."""
    from volunteers.qrcodes import qr_png

    activity = get_object_or_404(selectors.activity_list(user=request.user), pk=pk)
    require(request.user, "volunteers.publish_activity", activity)
    response = HttpResponse(qr_png(_checkin_url(request, activity)), "image/png")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def checkin(request, token):
    """The page a scanned QR code opens: check in, later check out."""
    try:
        activity = services.activity_from_token(token)
    except ValidationError as exc:
        return render(
            request,
            "volunteers/checkin.html",
            {"error": exc.messages[0]},
            status=400,
        )
    volunteer = services.volunteer_of(request.user)
    if request.method == "POST" and volunteer is not None:
        action = request.POST.get("action")
        try:
            if action == "out":
                services.checkin_checkout(user=request.user, token=token)
                messages.success(request, _("签退成功，感谢您的服务！"))
            else:
                services.checkin_scan(user=request.user, token=token)
                messages.success(request, _("签到成功！活动结束时请再扫码签退。"))
        except ValidationError as exc:
            pages.error_messages(request, exc)
        return redirect("volunteers:checkin", token=token)
    existing = None
    if volunteer is not None:
        existing = CheckIn.objects.filter(
            activity=activity, volunteer=volunteer
        ).first()
    opens, closes = services.checkin_window(activity)
    now = timezone.now()
    return render(
        request,
        "volunteers/checkin.html",
        {
            "activity": activity,
            "volunteer": volunteer,
            "existing": existing,
            "opens": opens,
            "closes": closes,
            "open_now": opens <= now <= closes
            and activity.status == ActivityStatus.PUBLISHED,
            "register_url": reverse("volunteers:register"),
        },
    )


@login_required
def my_checkins(request):
    volunteer = _volunteer_or_redirect(request)
    if volunteer is None:
        return redirect("volunteers:register")
    queryset = volunteer.checkins.select_related("activity", "community").order_by(
        "-checked_in_at", "-id"
    )
    totals = volunteer.checkins.filter(attendance__in=ATTENDED).aggregate(
        n=Count("id"), minutes=Sum("minutes")
    )
    return render(
        request,
        "volunteers/my_checkins.html",
        {
            "page": pages.page(request, queryset, 20),
            "volunteer": volunteer,
            "total": totals["n"],
            "hours": round((totals["minutes"] or 0) / 60, 1),
            "tab": "checkins",
        },
    )


@login_required
@require_POST
def activity_attendance(request, pk):
    """Confirm attendance of the activity's pending check-ins (one form)."""
    activity = get_object_or_404(selectors.activity_list(user=request.user), pk=pk)
    require(request.user, "volunteers.publish_activity", activity)
    allowed = {value for value, _label in ATTENDANCE_CHOICES}
    confirmed = 0
    for checkin in activity.checkins.filter(attendance=Attendance.PENDING):
        value = request.POST.get(f"att-{checkin.pk}")
        if value not in allowed:
            continue
        try:
            services.attendance_confirm(
                user=request.user, checkin=checkin, attendance=value
            )
            confirmed += 1
        except ValidationError as exc:
            pages.error_messages(request, exc)
    if confirmed:
        messages.success(request, _("已确认 %s 人的出勤，积分已发放。") % confirmed)
    else:
        messages.info(request, _("没有选择要确认的签到。"))
    return redirect("volunteers:activity_manage", pk=pk)
