"""Pages of the volunteers app.

Phone-first pages for volunteers (activities near me, sign-up, check-in by
QR code, my check-ins, my points, the love station, the wishes wall) and
staff pages (activities, attendance, ledger, wishes and posts boards, love
station, group services, points rules, in-service party member reports).
Views are thin: selectors read (scoped: another scope's object is a 404),
services write (a forbidden action is a 403, a broken rule a message).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, Sum
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orgs.models import OrgKind, OrgNode
from orgs.selectors import community_list
from portal import pages
from portal.audit import log_access
from portal.exports import Sheet, xlsx_response
from portal.params import query_id, query_month, query_year, to_int
from portal.roles import can, require
from portal.scope import scope_for
from portal.uploads import upload_open
from volunteers import exports, selectors, services
from volunteers.forms import (
    ATTENDANCE_CHOICES,
    ActivityForm,
    ClaimForm,
    CorrectionForm,
    FulfilForm,
    GroupEventForm,
    ItemForm,
    PartyConfirmForm,
    PostForm,
    RegisterForm,
    RestockForm,
    ReverseForm,
    RuleForm,
    StaffRegisterForm,
    TeamForm,
    WishForm,
)
from volunteers.models import (
    ATTENDED,
    ActivityStatus,
    ActivityType,
    Attendance,
    CheckIn,
    ClaimStatus,
    GroupServiceType,
    LoveStation,
    MicroWish,
    PointsEntry,
    PointsRule,
    RedemptionStatus,
    ServicePost,
    SignUp,
    SignUpStatus,
    Volunteer,
    VolunteerKind,
)

KINDS = {"wishes": MicroWish, "posts": ServicePost}


# -- helpers ------------------------------------------------------------------------


def _require_staff(user):
    if not can(user, "volunteers.view"):
        raise PermissionDenied


def _query_without(request, *names):
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def _volunteer_or_redirect(request):
    volunteer = services.volunteer_of(request.user)
    if volunteer is None:
        messages.info(request, _("请先注册为志愿者。"))
    return volunteer


# -- home and registration ---------------------------------------------------------------


@login_required
def home(request):
    """The volunteers hub: a volunteer's phone home, and staff entry points."""
    from volunteers.stats import LABELS, stats

    user = request.user
    volunteer = services.volunteer_of(user)
    context = {"volunteer": volunteer, "staff": can(user, "volunteers.view")}
    if volunteer is not None:
        context["balance"] = services.points_balance(volunteer)
        context["upcoming"] = list(selectors.activities_near(volunteer=volunteer)[:5])
        context["checkins_count"] = volunteer.checkins.count()
    if context["staff"]:
        figures = stats(scope_for(user))
        context["figures"] = [
            {"key": key, "label": LABELS[key], "value": value}
            for key, value in figures.items()
        ]
        context["can_manage"] = can(user, "volunteers.manage")
        context["can_rules"] = can(user, "volunteers.points_rules")
        context["can_party"] = can(user, "volunteers.party_member_report")
        context["can_events"] = can(user, "volunteers.record_group_event")
    return render(request, "volunteers/home.html", context)


@login_required
def register(request):
    """Register the signed-in user as a volunteer, from a phone."""
    if services.volunteer_of(request.user) is not None:
        messages.info(request, _("您已经是注册志愿者。"))
        return redirect("volunteers:home")
    person = (
        getattr(request.user, "person", None) if _has_person(request.user) else None
    )
    initial = {}
    if person is not None:
        initial = {
            "name": person.name,
            "phone": person.phone,
            "community": person.community_id,
        }
    form = RegisterForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.volunteer_register_self(
                user=request.user,
                community=data["community"],
                name=data["name"],
                phone=data["phone"],
                kind=data["kind"],
                employer_unit=data["employer_unit"],
                skills=data["skills"],
            )
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(request, _("注册成功，欢迎加入志愿服务！"))
            return redirect("volunteers:home")
    return render(request, "volunteers/register.html", {"form": form})


def _has_person(user):
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return user.person is not None
    except ObjectDoesNotExist:
        return False


# -- activities (volunteer side) ----------------------------------------------------------


@login_required
def activities(request):
    """Activities near me: my community first, then the street's."""
    volunteer = _volunteer_or_redirect(request)
    if volunteer is None:
        return redirect("volunteers:register")
    queryset = selectors.activities_near(volunteer=volunteer)
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


def _checkin_url(request, activity):
    token = services.activity_checkin_token(activity)
    return request.build_absolute_uri(reverse("volunteers:checkin", args=[token]))


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
def my_points(request):
    volunteer = _volunteer_or_redirect(request)
    if volunteer is None:
        return redirect("volunteers:register")
    entries = volunteer.points_entries.order_by("-created_at", "-id")
    redemptions = volunteer.redemptions.select_related("item").order_by(
        "-redeemed_at", "-id"
    )[:20]
    return render(
        request,
        "volunteers/my_points.html",
        {
            "volunteer": volunteer,
            "balance": services.points_balance(volunteer),
            "page": pages.page(request, entries, 20),
            "redemptions": redemptions,
            "tab": "points",
        },
    )


@login_required
def station(request):
    """The love station of my community: items, prices, stock; redeem."""
    volunteer = _volunteer_or_redirect(request)
    if volunteer is None:
        return redirect("volunteers:register")
    the_station = LoveStation.objects.filter(community=volunteer.community).first()
    items = []
    if the_station is not None:
        items = the_station.items.filter(active=True).order_by("price", "id")
    return render(
        request,
        "volunteers/station.html",
        {
            "volunteer": volunteer,
            "station": the_station,
            "items": items,
            "balance": services.points_balance(volunteer),
            "tab": "station",
        },
    )


@login_required
@require_POST
def redeem(request, pk):
    item = get_object_or_404(selectors.item_list(user=request.user), pk=pk)
    try:
        quantity = max(to_int(request.POST.get("quantity"), 1), 1)
        services.redemption_create(user=request.user, item=item, quantity=quantity)
    except ValidationError as exc:
        pages.error_messages(request, exc)
    else:
        messages.success(request, _("兑换成功，请到爱心加油站领取。"))
    return redirect("volunteers:station")


# -- wishes and posts --------------------------------------------------------------------


def _kind_model(kind):
    model = KINDS.get(kind)
    if model is None:
        raise Http404
    return model


def _with_residents(objs, user):
    for obj in objs:
        obj.resident = selectors.resident_view(obj, user)
    return objs


@login_required
def wishes_wall(request):
    """The phone wishes wall: open wishes and posts to claim, and mine."""
    kind = request.GET.get("tab", "wishes")
    model = _kind_model(kind)
    queryset = selectors.claimable_list(user=request.user, model=model)
    status = request.GET.get("status", ClaimStatus.OPEN)
    if status == "mine":
        queryset = queryset.filter(claimed_by_user=request.user)
    elif status in ClaimStatus.values:
        queryset = queryset.filter(status=status)
    page = pages.page(request, queryset.order_by("-published_at", "-id"), 20)
    _with_residents(page.object_list, request.user)
    return render(
        request,
        "volunteers/wishes_wall.html",
        {
            "page": page,
            "kind": kind,
            "status": status,
            "can_claim": can(request.user, "volunteers.claim"),
            "query": _query_without(request, "page"),
            "tab": "wishes",
        },
    )


@login_required
def claimable_detail(request, kind, pk):
    model = _kind_model(kind)
    obj = get_object_or_404(
        selectors.claimable_list(user=request.user, model=model), pk=pk
    )
    resident = selectors.resident_view(obj, request.user, detail=True)
    if not resident["masked"] and obj.resident_name:
        log_access(request, f"volunteers.{model._meta.model_name}.resident", 1)
    return render(
        request,
        "volunteers/claimable_detail.html",
        {
            "obj": obj,
            "kind": kind,
            "resident": resident,
            "is_claimant": services.is_claimant(obj, request.user),
            "can_manage": can(request.user, "volunteers.manage", obj),
            "claim_form": ClaimForm(user=request.user),
            "can_claim": obj.status == ClaimStatus.OPEN
            and can(request.user, "volunteers.claim"),
        },
    )


@login_required
@require_POST
def claimable_claim(request, kind, pk):
    model = _kind_model(kind)
    obj = get_object_or_404(
        selectors.claimable_list(user=request.user, model=model), pk=pk
    )
    # Only units' heads and volunteers claim: refused before the body is read.
    require(request.user, "volunteers.claim")
    form = ClaimForm(request.POST, user=request.user)
    if not form.is_valid():
        raise Http404
    try:
        services.claimable_claim(
            user=request.user, obj=obj, as_unit=form.cleaned_data["as_unit"]
        )
    except ValidationError as exc:
        pages.error_messages(request, exc)
    else:
        messages.success(request, _("认领成功，请尽快联系居民并完成。"))
    return redirect("volunteers:claimable_detail", kind=kind, pk=pk)


@login_required
def claimable_fulfil(request, kind, pk):
    model = _kind_model(kind)
    obj = get_object_or_404(
        selectors.claimable_list(user=request.user, model=model), pk=pk
    )
    if not services.is_claimant(obj, request.user):
        raise PermissionDenied
    form = FulfilForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.claimable_fulfil(
                user=request.user,
                obj=obj,
                photo=form.cleaned_data["photo"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(request, _("已登记完成，等待社区确认。"))
            return redirect("volunteers:claimable_detail", kind=kind, pk=pk)
    return render(
        request, "volunteers/fulfil.html", {"obj": obj, "kind": kind, "form": form}
    )


@login_required
@require_POST
def claimable_confirm(request, kind, pk):
    model = _kind_model(kind)
    obj = get_object_or_404(
        selectors.claimable_list(user=request.user, model=model), pk=pk
    )
    try:
        services.claimable_confirm(user=request.user, obj=obj)
    except ValidationError as exc:
        pages.error_messages(request, exc)
    else:
        messages.success(request, _("已确认完成。"))
    return redirect("volunteers:claimable_detail", kind=kind, pk=pk)


@login_required
@require_POST
def claimable_cancel(request, kind, pk):
    model = _kind_model(kind)
    obj = get_object_or_404(
        selectors.claimable_list(user=request.user, model=model), pk=pk
    )
    try:
        services.claimable_cancel(user=request.user, obj=obj)
    except ValidationError as exc:
        pages.error_messages(request, exc)
    else:
        messages.success(request, _("已撤销。"))
    return redirect("volunteers:claimable_detail", kind=kind, pk=pk)


@login_required
def claimable_photo(request, kind, pk):
    """Serve a proof photo to those who may see the wish or post."""
    model = _kind_model(kind)
    obj = get_object_or_404(
        selectors.claimable_list(user=request.user, model=model), pk=pk
    )
    if not obj.photo:
        raise Http404
    try:
        handle = upload_open(obj.photo)
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


def public_wishes(request, community_id):
    """A community's open wishes for anyone with a phone (masked data only)."""
    community = get_object_or_404(OrgNode, pk=community_id, kind=OrgKind.COMMUNITY)
    queryset = selectors.public_open_wishes(community=community).order_by(
        "-published_at", "-id"
    )
    page = pages.page(request, queryset, 20)
    for obj in page.object_list:
        obj.resident = selectors.resident_view(obj, None)
    return render(
        request,
        "volunteers/public_wishes.html",
        {"community": community, "page": page},
    )


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


# -- staff: volunteers, teams, ledger --------------------------------------------------------


@login_required
def volunteer_list(request):
    _require_staff(request.user)
    queryset = selectors.volunteer_list(user=request.user)
    kind = request.GET.get("kind", "")
    if kind in VolunteerKind.values:
        queryset = queryset.filter(kind=kind)
    community = query_id(request.GET, "community")
    if community:
        queryset = queryset.filter(community_id=community)
    search = request.GET.get("q", "").strip()
    if search:
        queryset = queryset.filter(person__name__icontains=search)
    queryset, sort = pages.sort(
        request,
        queryset,
        {
            "name": "person__name",
            "community": "community__name",
            "registered": "registered_on",
            "balance": "account__balance",
        },
        "-registered",
        then=("-pk",),
    )
    page = pages.page(request, queryset)
    log_access(request, "volunteers.volunteer", len(page.object_list))
    return render(
        request,
        "volunteers/volunteer_list.html",
        {
            "page": page,
            "sort": sort,
            "kind": kind,
            "kinds": VolunteerKind.choices,
            "community": community,
            "communities": community_list(user=request.user),
            "q": search,
            "can_manage": can(request.user, "volunteers.manage"),
            "query": _query_without(request, "page"),
            "sort_query": _query_without(request, "page", "sort"),
        },
    )


@login_required
def volunteer_create(request):
    """Staff register a resident as a volunteer (no account needed)."""
    if not can(request.user, "volunteers.manage"):
        raise PermissionDenied
    form = StaffRegisterForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            volunteer = services.volunteer_register(
                user=request.user,
                community=data["community"],
                name=data["name"],
                phone=data["phone"],
                kind=data["kind"],
                employer_unit=data["employer_unit"],
                skills=data["skills"],
            )
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(request, _("已登记志愿者“%s”。") % volunteer.person.name)
            return redirect("volunteers:volunteer_detail", pk=volunteer.pk)
    return render(request, "volunteers/volunteer_form.html", {"form": form})


@login_required
def volunteer_detail(request, pk):
    """A volunteer's ledger (by person): entries, balance, corrections."""
    _require_staff(request.user)
    volunteer = selectors.volunteer_get(user=request.user, pk=pk)
    log_access(request, "volunteers.volunteer", 1)
    entries = volunteer.points_entries.select_related(
        "created_by", "reverses"
    ).order_by("-created_at", "-id")
    page = pages.page(request, entries, 20)
    reversed_ids = set(
        PointsEntry.objects.filter(
            reverses__in=[e.pk for e in page.object_list]
        ).values_list("reverses_id", flat=True)
    )
    return render(
        request,
        "volunteers/volunteer_detail.html",
        {
            "volunteer": volunteer,
            "balance": services.points_balance(volunteer),
            "page": page,
            "reversed_ids": reversed_ids,
            "checkins": volunteer.checkins.select_related("activity").order_by(
                "-checked_in_at"
            )[:10],
            "can_correct": can(request.user, "volunteers.correct_points", volunteer),
            "can_manage": can(request.user, "volunteers.manage", volunteer),
            "correction_form": CorrectionForm(),
            "reverse_form": ReverseForm(),
        },
    )


@login_required
@require_POST
def volunteer_leave(request, pk):
    """Record that a volunteer has left (his data is anonymised later)."""
    volunteer = selectors.volunteer_get(user=request.user, pk=pk)
    try:
        services.volunteer_leave(user=request.user, volunteer=volunteer)
    except ValidationError as exc:
        pages.error_messages(request, exc)
    else:
        messages.success(
            request,
            _("已登记“%(name)s”退出；%(days)s 天后其个人信息将被匿名化。")
            % {
                "name": volunteer.person.name,
                "days": settings.PORTAL_RETENTION_DAYS,
            },
        )
    return redirect("volunteers:volunteer_detail", pk=pk)


@login_required
@require_POST
def points_correct(request, pk):
    volunteer = selectors.volunteer_get(user=request.user, pk=pk)
    # The permission before the body: a refusal says nothing about the form.
    require(request.user, "volunteers.correct_points", volunteer)
    form = CorrectionForm(request.POST)
    if form.is_valid():
        try:
            services.points_correct(
                user=request.user,
                volunteer=volunteer,
                points=form.cleaned_data["points"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            pages.error_messages(request, exc)
        else:
            messages.success(request, _("已记入调整。"))
    else:
        messages.error(request, _("请填写调整的积分和原因。"))
    return redirect("volunteers:volunteer_detail", pk=pk)


@login_required
@require_POST
def entry_reverse(request, pk):
    entry = get_object_or_404(selectors.entry_list(user=request.user), pk=pk)
    require(request.user, "volunteers.correct_points", entry.volunteer)
    form = ReverseForm(request.POST)
    if form.is_valid():
        try:
            services.points_reverse(
                user=request.user, entry=entry, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            pages.error_messages(request, exc)
        else:
            messages.success(request, _("已冲正。"))
    else:
        messages.error(request, _("冲正须填写原因。"))
    return redirect("volunteers:volunteer_detail", pk=entry.volunteer_id)


@login_required
def ledger(request):
    """Points by community, by team or by person."""
    _require_staff(request.user)
    by = request.GET.get("by", "community")
    context = {"by": by, "query": _query_without(request, "page")}
    if by == "team":
        context["page"] = pages.page(
            request, selectors.ledger_by_team(user=request.user)
        )
    elif by == "person":
        queryset = selectors.account_list(user=request.user)
        search = request.GET.get("q", "").strip()
        if search:
            queryset = queryset.filter(volunteer__person__name__icontains=search)
        queryset, sort = pages.sort(
            request,
            queryset,
            {
                "balance": "balance",
                "earned": "earned",
                "name": "volunteer__person__name",
            },
            "-balance",
            then=("-pk",),
        )
        context.update(page=pages.page(request, queryset), sort=sort, q=search)
        context["sort_query"] = _query_without(request, "page", "sort")
    else:
        context["by"] = "community"
        rows = list(selectors.ledger_by_community(user=request.user))
        context["rows"] = rows
        context["totals"] = {
            key: sum(r[key] for r in rows)
            for key in ("awarded", "redeemed", "adjusted", "net", "entries")
        }
    return render(request, "volunteers/ledger.html", context)


@login_required
def team_list(request):
    _require_staff(request.user)
    queryset, sort = pages.sort(
        request,
        selectors.team_list(user=request.user),
        {"name": "name", "members": "member_count", "community": "community__name"},
        "name",
        then=("-pk",),
    )
    return render(
        request,
        "volunteers/team_list.html",
        {
            "page": pages.page(request, queryset),
            "sort": sort,
            "can_manage": can(request.user, "volunteers.manage"),
            "query": _query_without(request, "page"),
            "sort_query": _query_without(request, "page", "sort"),
        },
    )


@login_required
def team_create(request):
    if not can(request.user, "volunteers.manage"):
        raise PermissionDenied
    form = TeamForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        community = data["community"]
        scope = scope_for(request.user)
        street = community.street if community else None
        if street is None:
            street = OrgNode.objects.filter(pk__in=scope.street_ids).first()
        try:
            team = services.team_create(
                user=request.user,
                name=data["name"],
                street=street,
                community=community,
                service_area=data["service_area"],
                description=data["description"],
            )
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(request, _("已创建团队。"))
            return redirect("volunteers:team_detail", pk=team.pk)
    return render(request, "volunteers/team_form.html", {"form": form})


@login_required
def team_detail(request, pk):
    _require_staff(request.user)
    team = get_object_or_404(selectors.team_list(user=request.user), pk=pk)
    if request.method == "POST":
        volunteer = get_object_or_404(
            selectors.volunteer_list(user=request.user),
            pk=to_int(request.POST.get("volunteer"), 0),
        )
        try:
            if request.POST.get("action") == "leader":
                services.team_set_leader(
                    user=request.user, team=team, volunteer=volunteer
                )
                messages.success(request, _("已设为队长。"))
            else:
                services.team_member_add(
                    user=request.user, team=team, volunteer=volunteer
                )
                messages.success(request, _("已加入团队。"))
        except ValidationError as exc:
            pages.error_messages(request, exc)
        return redirect("volunteers:team_detail", pk=pk)
    members = (
        Volunteer.objects.filter(memberships__team=team)
        .select_related("person", "community", "account")
        .order_by("person__name", "id")
    )
    can_manage = can(request.user, "volunteers.manage", team.community or team.street)
    candidates = []
    if can_manage:
        # The team's community's volunteers not yet in it, to pick from.
        candidates = (
            selectors.volunteer_list(user=request.user)
            .filter(street_id=team.street_id)
            .exclude(memberships__team=team)
            .order_by("person__name", "id")
        )
        if team.community_id:
            candidates = candidates.filter(community_id=team.community_id)
        candidates = candidates[:300]
    return render(
        request,
        "volunteers/team_detail.html",
        {
            "team": team,
            "page": pages.page(request, members),
            "can_manage": can_manage,
            "candidates": candidates,
        },
    )


# -- staff: wishes and posts boards -------------------------------------------------------


@login_required
def claimable_board(request, kind):
    _require_staff(request.user)
    model = _kind_model(kind)
    queryset = selectors.claimable_list(user=request.user, model=model)
    status = request.GET.get("status", "")
    if status in ClaimStatus.values:
        queryset = queryset.filter(status=status)
    community = query_id(request.GET, "community")
    if community:
        queryset = queryset.filter(community_id=community)
    queryset, sort = pages.sort(
        request,
        queryset,
        {
            "published": "published_at",
            "claimed": "claimed_at",
            "fulfilled": "fulfilled_at",
            "title": "title",
        },
        "-published",
        then=("-pk",),
    )
    page = pages.page(request, queryset)
    _with_residents(page.object_list, request.user)
    counts = dict(
        selectors.claimable_list(user=request.user, model=model)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    return render(
        request,
        "volunteers/claimable_board.html",
        {
            "page": page,
            "kind": kind,
            "sort": sort,
            "status": status,
            "statuses": ClaimStatus.choices,
            "counts": [
                (value, label, counts.get(value, 0))
                for value, label in ClaimStatus.choices
            ],
            "community": community,
            "communities": community_list(user=request.user),
            "can_manage": can(request.user, "volunteers.manage"),
            "query": _query_without(request, "page"),
            "sort_query": _query_without(request, "page", "sort"),
        },
    )


@login_required
def claimable_create(request, kind):
    model = _kind_model(kind)
    if not can(request.user, "volunteers.manage"):
        raise PermissionDenied
    form_class = WishForm if model is MicroWish else PostForm
    form = form_class(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        community = data.pop("community")
        try:
            obj = services.claimable_create(
                user=request.user, model=model, community=community, **data
            )
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(request, _("已发布。"))
            return redirect("volunteers:claimable_detail", kind=kind, pk=obj.pk)
    return render(
        request, "volunteers/claimable_form.html", {"form": form, "kind": kind}
    )


# -- staff: love station ---------------------------------------------------------------


@login_required
def station_manage(request):
    _require_staff(request.user)
    communities = list(community_list(user=request.user))
    if not communities:
        raise PermissionDenied
    community_id = query_id(request.GET, "community", communities[0].pk)
    community = next((c for c in communities if c.pk == community_id), None)
    if community is None:
        raise Http404
    if request.method == "POST":
        try:
            action = request.POST.get("action")
            if action == "open":
                services.station_get_or_create(user=request.user, community=community)
            elif action == "item":
                form = ItemForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("请完整填写物品、积分和库存。"))
                the_station = get_object_or_404(LoveStation, community=community)
                services.station_item_create(
                    user=request.user, station=the_station, **form.cleaned_data
                )
            elif action == "restock":
                item = get_object_or_404(
                    selectors.item_list(user=request.user),
                    pk=to_int(request.POST.get("item"), 0),
                )
                form = RestockForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("补充数量须大于 0。"))
                services.station_item_restock(
                    user=request.user,
                    item=item,
                    quantity=form.cleaned_data["quantity"],
                )
            elif action == "cancel":
                redemption = get_object_or_404(
                    selectors.redemption_list(user=request.user),
                    pk=to_int(request.POST.get("redemption"), 0),
                )
                services.redemption_cancel(
                    user=request.user,
                    redemption=redemption,
                    reason=request.POST.get("reason", ""),
                )
        except ValidationError as exc:
            pages.error_messages(request, exc)
        else:
            messages.success(request, _("已保存。"))
        return redirect(
            f"{reverse('volunteers:station_manage')}?community={community.pk}"
        )
    the_station = LoveStation.objects.filter(community=community).first()
    items = the_station.items.order_by("price", "id") if the_station else []
    redemptions = (
        selectors.redemption_list(user=request.user)
        .filter(community=community)
        .order_by("-redeemed_at", "-id")
    )
    return render(
        request,
        "volunteers/station_manage.html",
        {
            "communities": communities,
            "community": community,
            "station": the_station,
            "items": items,
            "page": pages.page(request, redemptions, 20),
            "item_form": ItemForm(),
            "can_manage": can(request.user, "volunteers.manage", community),
            "done": RedemptionStatus.DONE,
            "query": f"community={community.pk}",
        },
    )


# -- staff: group service events ---------------------------------------------------------


@login_required
def group_events(request):
    _require_staff(request.user)
    queryset = selectors.group_event_list(user=request.user)
    service_type = request.GET.get("type", "")
    if service_type in GroupServiceType.values:
        queryset = queryset.filter(service_type=service_type)
    year = query_year(request.GET)
    if year:
        queryset = queryset.filter(held_on__year=year)
    totals = queryset.aggregate(n=Count("id"), served=Sum("residents_served"))
    by_type = {
        row["service_type"]: row
        for row in queryset.order_by()
        .values("service_type")
        .annotate(n=Count("id"), served=Sum("residents_served"))
    }
    queryset, sort = pages.sort(
        request,
        queryset,
        {"held_on": "held_on", "served": "residents_served", "unit": "unit__name"},
        "-held_on",
        then=("-pk",),
    )
    return render(
        request,
        "volunteers/group_events.html",
        {
            "page": pages.page(request, queryset),
            "sort": sort,
            "totals": totals,
            "by_type": [
                (
                    label,
                    by_type.get(value, {}).get("n", 0),
                    by_type.get(value, {}).get("served") or 0,
                )
                for value, label in GroupServiceType.choices
            ],
            "types": GroupServiceType.choices,
            "type": service_type,
            "year": year,
            "can_record": can(request.user, "volunteers.record_group_event"),
            "query": _query_without(request, "page"),
            "sort_query": _query_without(request, "page", "sort"),
        },
    )


@login_required
def group_event_create(request):
    if not can(request.user, "volunteers.record_group_event"):
        raise PermissionDenied
    form = GroupEventForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.group_event_record(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(request, _("已登记组团式服务。"))
            return redirect("volunteers:group_events")
    return render(request, "volunteers/group_event_form.html", {"form": form})


# -- staff: points rules ------------------------------------------------------------------


@login_required
def rules(request):
    """Points per activity type, editable by street staff."""
    _require_staff(request.user)
    editable = can(request.user, "volunteers.points_rules")
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        activity_type = request.POST.get("activity_type")
        if activity_type not in ActivityType.values:
            raise Http404
        rule = services.points_rule_for(activity_type)
        form = RuleForm(request.POST, instance=rule)
        if form.is_valid():
            try:
                services.points_rule_update(
                    user=request.user, activity_type=activity_type, **form.cleaned_data
                )
            except ValidationError as exc:
                pages.error_messages(request, exc)
            else:
                messages.success(request, _("积分规则已保存。"))
        else:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        return redirect("volunteers:rules")
    existing = {
        r.activity_type: r for r in PointsRule.objects.select_related("updated_by")
    }
    # A type without a saved rule shows its default; a GET writes nothing.
    for activity_type in ActivityType.values:
        if activity_type not in existing:
            existing[activity_type] = services.points_rule_default(activity_type)
    rows = [(ActivityType(t).label, existing[t]) for t in ActivityType.values]
    return render(
        request, "volunteers/rules.html", {"rows": rows, "editable": editable}
    )


# -- staff: in-service party members (S15) --------------------------------------------------


def _report_params(request):
    today = timezone.localdate()
    year = query_year(request.GET, default=today.year)
    if year > today.year + 1:
        year = today.year
    month = query_month(request.GET, default=today.month if year == today.year else 12)
    unit = query_id(request.GET, "unit")
    return year, month, unit


def _report_unit(request, unit_id):
    if unit_id is None:
        return None
    if (
        not selectors.in_service_volunteers(user=request.user)
        .filter(employer_unit_id=unit_id)
        .exists()
    ):
        raise Http404
    return get_object_or_404(OrgNode, pk=unit_id, kind=OrgKind.UNIT)


@login_required
def inservice_report(request):
    """Monthly services of in-service party members, per employer unit."""
    if not can(request.user, "volunteers.party_member_report"):
        raise PermissionDenied
    year, month, unit_id = _report_params(request)
    unit = _report_unit(request, unit_id)
    context = {
        "year": year,
        "month": month,
        "unit": unit,
        "months": range(1, 13),
        "years": range(timezone.localdate().year, timezone.localdate().year - 5, -1),
        "closed": selectors.year_is_closed(year),
        "quarter": (month - 1) // 3 + 1,
        "query": _query_without(request, "page"),
    }
    if unit is None:
        units = selectors.in_service_units(user=request.user, year=year, month=month)
        context["page"] = pages.page(request, units, 50)
        context["totals"] = {
            k: sum(u[k] for u in units)
            for k in ("members", "services", "below_month", "below_year")
        }
    else:
        rows = selectors.in_service_members(
            user=request.user, year=year, unit_id=unit.pk, month=month
        )
        context["below_month"] = sum(1 for r in rows if r["below_month"])
        context["below_year"] = sum(1 for r in rows if r["below_year"])
        context["only_below"] = request.GET.get("below") == "1"
        if context["only_below"]:
            rows = [r for r in rows if r["below_month"]]
        context["page"] = pages.page(request, rows, 50)
        log_access(request, "volunteers.in_service", len(context["page"].object_list))
    return render(request, "volunteers/inservice_report.html", context)


@login_required
def inservice_report_xlsx(request):
    """The same report as the page (same selector, same filters) as .xlsx."""
    if not can(request.user, "volunteers.party_member_report"):
        raise PermissionDenied
    year, month, unit_id = _report_params(request)
    unit = _report_unit(request, unit_id)
    if unit is None:
        header, rows = exports.in_service_units_rows(
            selectors.in_service_units(user=request.user, year=year, month=month)
        )
        filename = f"in-service-{year}-{month:02d}.xlsx"
    else:
        members = selectors.in_service_members(
            user=request.user, year=year, unit_id=unit.pk, month=month
        )
        if request.GET.get("below") == "1":
            # The page's "only those below this month" filter, as on the page.
            members = [r for r in members if r["below_month"]]
        header, rows = exports.in_service_members_rows(members)
        filename = f"in-service-{unit.code}-{year}.xlsx"
        log_access(request, "volunteers.in_service", len(rows), export=True)
    return xlsx_response(
        filename, Sheet(title=_("在职党员服务"), headers=header, rows=rows)
    )


@login_required
def inservice_confirm(request):
    """Check-ins of the party org's members waiting for its points (S15)."""
    if not can(request.user, "volunteers.confirm_party_points"):
        raise PermissionDenied
    queryset = (
        selectors.checkin_list(user=request.user)
        .filter(
            in_service=True,
            party_confirmed_at__isnull=True,
            attendance__in=ATTENDED,
        )
        .select_related("employer_unit")
        .order_by("-checked_in_at", "-id")
    )
    if request.method == "POST":
        ids = [to_int(i) for i in request.POST.getlist("checkin")]
        form = PartyConfirmForm(request.POST)
        points = form.cleaned_data["points"] if form.is_valid() else None
        done = 0
        if points is None:
            messages.error(request, _("积分须在 0 到 100 之间。"))
        else:
            for checkin in queryset.filter(pk__in=[i for i in ids if i]):
                try:
                    services.party_points_confirm(
                        user=request.user, checkin=checkin, points=points
                    )
                    done += 1
                except ValidationError as exc:
                    pages.error_messages(request, exc)
            messages.success(request, _("已确认 %s 条服务记录。") % done)
        return redirect("volunteers:inservice_confirm")
    return render(
        request,
        "volunteers/inservice_confirm.html",
        {
            "page": pages.page(request, queryset, 50),
            "default_points": services.DEFAULT_PARTY_POINTS,
        },
    )


def _card(request, unit_id, year, quarter):
    if not can(request.user, "volunteers.party_member_report"):
        raise PermissionDenied
    if not 1 <= quarter <= 4:
        raise Http404
    unit = _report_unit(request, unit_id)
    return unit, selectors.service_card(
        user=request.user, unit_id=unit.pk, year=year, quarter=quarter
    )


@login_required
def service_card(request, unit_id, year, quarter):
    """The quarter's service record card of one employer unit (printable)."""
    unit, card = _card(request, unit_id, year, quarter)
    log_access(request, "volunteers.in_service", len(card["members"]))
    return render(
        request,
        "volunteers/service_card.html",
        {
            "unit": unit,
            "card": card,
            "year": year,
            "quarter": quarter,
            "issued": timezone.localdate(),
        },
    )


@login_required
def service_card_xlsx(request, unit_id, year, quarter):
    unit, card = _card(request, unit_id, year, quarter)
    header, rows = exports.service_card_rows(card)
    log_access(request, "volunteers.in_service", len(rows), export=True)
    return xlsx_response(
        f"service-card-{unit.code}-{year}Q{quarter}.xlsx",
        Sheet(title=_("服务记录卡"), headers=header, rows=rows),
    )
