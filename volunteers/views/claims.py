"""Micro-wishes and service posts: the wall, claims, the staff boards."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orgs.models import OrgKind, OrgNode
from orgs.selectors import community_list
from portal import pages
from portal.audit import log_access
from portal.params import query_id
from portal.roles import can, require
from portal.uploads import upload_open
from volunteers import selectors, services
from volunteers.forms import ClaimForm, FulfilForm, PostForm, WishForm
from volunteers.models import ClaimStatus, MicroWish
from volunteers.views._common import (
    _kind_model,
    _query_without,
    _require_staff,
    _with_residents,
)

# -- wishes and posts --------------------------------------------------------------------


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
