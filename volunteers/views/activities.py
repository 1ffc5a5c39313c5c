"""Activities: near me, sign-up (volunteers); publish and manage (staff)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orgs.models import OrgKind
from portal import pages
from portal.roles import can, require
from volunteers import selectors, services
from volunteers.forms import ATTENDANCE_CHOICES, ActivityForm
from volunteers.models import (
    ActivityStatus,
    ActivityType,
    Attendance,
    CheckIn,
    SignUp,
    SignUpStatus,
)
from volunteers.views._common import (
    _checkin_url,
    _query_without,
    _require_staff,
    _volunteer_or_redirect,
)

# -- activities (volunteer side) ----------------------------------------------------------


@login_required
def activities(request):
    """Activities near me: my community first, then the street's."""
    volunteer = _volunteer_or_redirect(request)
    if volunteer is None:
        return redirect("volunteers:register")
    # Only activities the user may open (``activity_detail`` asks the same).
    queryset = selectors.activities_near(volunteer=volunteer).filter(
        pk__in=selectors.activity_list(user=request.user).values("pk")
    )
    activity_type = request.GET.get("type", "")
    if activity_type in ActivityType.values:
        queryset = queryset.filter(activity_type=activity_type)
    page = pages.page(request, queryset, 20)
    signed = set(
        SignUp.objects.filter(
            volunteer=volunteer,
            status=SignUpStatus.SIGNED,
            activity__in=[a.pk for a in page],
        ).values_list("activity_id", flat=True)
    )
    return render(
        request,
        "volunteers/activities.html",
        {
            "page": page,
            "signed": signed,
            "types": ActivityType.choices,
            "type": activity_type,
            "volunteer": volunteer,
            "query": _query_without(request, "page"),
            "tab": "activities",
        },
    )


@login_required
def activity_detail(request, pk):
    activity = get_object_or_404(selectors.activity_list(user=request.user), pk=pk)
    volunteer = services.volunteer_of(request.user)
    signup = checkin = None
    if volunteer is not None:
        signup = SignUp.objects.filter(activity=activity, volunteer=volunteer).first()
        checkin = CheckIn.objects.filter(activity=activity, volunteer=volunteer).first()
    can_manage = can(request.user, "volunteers.publish_activity", activity)
    share_url = request.build_absolute_uri(
        reverse("volunteers:activity_detail", args=[activity.pk])
    )
    opens, closes = services.checkin_window(activity)
    return render(
        request,
        "volunteers/activity_detail.html",
        {
            "activity": activity,
            "volunteer": volunteer,
            "signup": signup,
            "signed": signup is not None and signup.status == SignUpStatus.SIGNED,
            "checkin": checkin,
            "can_manage": can_manage,
            "share_url": share_url,
            "opens": opens,
            "closes": closes,
            "ended": timezone.now() >= activity.ends_at,
        },
    )


@login_required
@require_POST
def activity_signup(request, pk):
    activity = get_object_or_404(selectors.activity_list(user=request.user), pk=pk)
    try:
        services.signup_create(user=request.user, activity=activity)
    except ValidationError as exc:
        pages.error_messages(request, exc)
    else:
        messages.success(request, _("报名成功。"))
    return redirect("volunteers:activity_detail", pk=pk)


@login_required
@require_POST
def activity_signup_cancel(request, pk):
    activity = get_object_or_404(selectors.activity_list(user=request.user), pk=pk)
    try:
        services.signup_cancel(user=request.user, activity=activity)
    except ValidationError as exc:
        pages.error_messages(request, exc)
    else:
        messages.success(request, _("已取消报名。"))
    return redirect("volunteers:activity_detail", pk=pk)


# -- staff: activities ------------------------------------------------------------------


@login_required
def manage_activities(request):
    _require_staff(request.user)
    queryset = selectors.activity_list(user=request.user)
    status = request.GET.get("status", "")
    if status in ActivityStatus.values:
        queryset = queryset.filter(status=status)
    activity_type = request.GET.get("type", "")
    if activity_type in ActivityType.values:
        queryset = queryset.filter(activity_type=activity_type)
    when = request.GET.get("when", "")
    now = timezone.now()
    if when == "upcoming":
        queryset = queryset.filter(ends_at__gt=now)
    elif when == "past":
        queryset = queryset.filter(ends_at__lte=now)
    search = request.GET.get("q", "").strip()
    if search:
        queryset = queryset.filter(
            Q(title__icontains=search) | Q(place__icontains=search)
        )
    queryset, sort = pages.sort(
        request,
        queryset,
        {
            "starts_at": "starts_at",
            "title": "title",
            "signed": "signed_up_count",
        },
        "-starts_at",
        then=("-pk",),
    )
    page = pages.page(request, queryset)
    # Check-ins counted for this page's activities only (not the whole year).
    counts = dict(
        CheckIn.objects.filter(activity__in=[a.pk for a in page.object_list])
        .order_by()
        .values_list("activity")
        .annotate(n=Count("id"))
    )
    for activity in page.object_list:
        activity.checkin_count = counts.get(activity.pk, 0)
    return render(
        request,
        "volunteers/manage_activities.html",
        {
            "page": page,
            "sort": sort,
            "status": status,
            "type": activity_type,
            "when": when,
            "q": search,
            "types": ActivityType.choices,
            "statuses": ActivityStatus.choices,
            "can_publish": can(request.user, "volunteers.publish_activity"),
            "query": _query_without(request, "page"),
            "sort_query": _query_without(request, "page", "sort"),
        },
    )


@login_required
def activity_create(request):
    """Publish an activity or project in one step."""
    if not can(request.user, "volunteers.publish_activity"):
        raise PermissionDenied
    form = ActivityForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        publisher = data["publisher"]
        where = {}
        if publisher.kind == OrgKind.UNIT:
            where["unit"] = publisher
        elif publisher.kind == OrgKind.COMMUNITY:
            where["community"] = publisher
        else:
            where["street"] = publisher
        try:
            activity = services.activity_publish(
                user=request.user,
                title=data["title"],
                category=data["category"],
                activity_type=data["activity_type"],
                service_mode=data["service_mode"],
                place=data["place"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                capacity=data["capacity"],
                points_per_hour=data["points_per_hour"],
                team=data["team"],
                description=data["description"],
                **where,
            )
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(
                request, _("已发布。签到二维码和分享链接见下方，可打印张贴。")
            )
            return redirect("volunteers:activity_manage", pk=activity.pk)
    return render(request, "volunteers/activity_form.html", {"form": form})


@login_required
def activity_manage(request, pk):
    """One activity for its organisers: QR code, share link, sign-ups, attendance."""
    _require_staff(request.user)
    activity = get_object_or_404(selectors.activity_list(user=request.user), pk=pk)
    require(request.user, "volunteers.publish_activity", activity)
    checkins = activity.checkins.select_related(
        "volunteer__person", "confirmed_by"
    ).order_by("checked_in_at", "id")
    checked_ids = {c.volunteer_id for c in checkins}
    signups = [
        s
        for s in activity.signups.filter(status=SignUpStatus.SIGNED).select_related(
            "volunteer__person"
        )
        if s.volunteer_id not in checked_ids
    ]
    return render(
        request,
        "volunteers/activity_manage.html",
        {
            "activity": activity,
            "checkins": checkins,
            "no_shows": signups,
            "checkin_url": _checkin_url(request, activity),
            "share_url": request.build_absolute_uri(
                reverse("volunteers:activity_detail", args=[activity.pk])
            ),
            "choices": ATTENDANCE_CHOICES,
            "pending": sum(1 for c in checkins if c.attendance == Attendance.PENDING),
        },
    )


@login_required
@require_POST
def activity_cancel(request, pk):
    activity = get_object_or_404(selectors.activity_list(user=request.user), pk=pk)
    try:
        services.activity_cancel(user=request.user, activity=activity)
    except ValidationError as exc:
        pages.error_messages(request, exc)
    else:
        messages.success(request, _("活动已取消。"))
    return redirect("volunteers:activity_manage", pk=pk)


@login_required
@require_POST
def activity_qr_renew(request, pk):
    activity = get_object_or_404(selectors.activity_list(user=request.user), pk=pk)
    services.activity_qr_renew(user=request.user, activity=activity)
    messages.success(request, _("已生成新的签到二维码，旧二维码已失效。"))
    return redirect("volunteers:activity_manage", pk=pk)
