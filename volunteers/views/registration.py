"""The volunteers hub, registration, and the staff's volunteer pages."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orgs.selectors import community_list
from portal import pages
from portal.audit import log_access
from portal.params import query_id
from portal.roles import can
from portal.scope import scope_for
from volunteers import selectors, services
from volunteers.forms import (
    CorrectionForm,
    RegisterForm,
    ReverseForm,
    StaffRegisterForm,
)
from volunteers.models import PointsEntry, VolunteerKind
from volunteers.stats import LABELS, stats
from volunteers.views._common import _query_without, _require_staff

# -- home and registration ---------------------------------------------------------------


@login_required
def home(request):
    """The volunteers hub: a volunteer's phone home, and staff entry points."""
    user = request.user
    volunteer = services.volunteer_of(user)
    context = {"volunteer": volunteer, "staff": can(user, "volunteers.view")}
    if volunteer is not None:
        context["balance"] = services.points_balance(volunteer)
        # Only activities the user may open: an in-service member registered
        # without the volunteer role sees his unit's, not the street's.
        near = selectors.activities_near(volunteer=volunteer).filter(
            pk__in=selectors.activity_list(user=user).values("pk")
        )
        context["upcoming"] = list(near[:5])
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
    try:
        return user.person is not None
    except ObjectDoesNotExist:
        return False


# -- staff: volunteers --------------------------------------------------------


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
