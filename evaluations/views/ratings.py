"""Pages of the credit ratings, plaques and appeals."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from evaluations import forms, selectors, services
from evaluations.models import AppealStatus, CreditLevel
from evaluations.views._common import PAGE_SIZE, _communities, _querystring, _viewer
from portal import pages
from portal.params import query_id
from portal.roles import can, require

# -- credit ratings, plaques and appeals ---------------------------------------------------


@login_required
@require_GET
def ratings(request):
    """Current credit levels and stars of the out-of-system units in scope."""
    street = _viewer(request)
    queryset = selectors.rating_list(user=request.user)
    level = request.GET.get("level", "")
    if level in CreditLevel.values:
        queryset = queryset.filter(level=level)
    community = query_id(request.GET, "community")
    if community:
        queryset = queryset.filter(community_id=community)
    queryset = queryset.order_by("level", "-stars", "unit__code")
    return render(
        request,
        "evaluations/ratings.html",
        {
            "street": street,
            "page": pages.page(request, queryset, PAGE_SIZE),
            "levels": CreditLevel.choices,
            "communities": _communities(request),
            "filters": {"level": level, "community": community},
            "qs": _querystring(request),
        },
    )


@login_required
@require_GET
def plaques(request):
    """The plaque list (挂牌): every rated unit with its level and stars."""
    street = _viewer(request)
    queryset = selectors.rating_list(user=request.user).order_by(
        "community__code", "level", "-stars", "unit__code"
    )
    return render(
        request,
        "evaluations/plaques.html",
        {"street": street, "ratings": queryset},
    )


@login_required
def rating_detail(request, unit_pk):
    """A unit's rating history, its appeals, and the forms that change them."""
    require(request.user, "evaluations.view")
    unit = selectors.rated_unit_get(user=request.user, pk=unit_pk)
    current = selectors.rating_current(unit=unit)
    decide_form = forms.RatingDecisionForm(
        initial={"level": current.level, "stars": current.stars} if current else None
    )
    appeal_form = forms.AppealForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "decide":
                require(request.user, "evaluations.rate", unit)
                decide_form = forms.RatingDecisionForm(request.POST)
                if decide_form.is_valid():
                    services.credit_rating_decide(
                        user=request.user, unit=unit, **decide_form.cleaned_data
                    )
                    messages.success(request, _("评级已调整，记录已保存。"))
                    return redirect("evaluations:rating", unit_pk=unit.pk)
            elif action == "appeal":
                require(request.user, "evaluations.appeal", unit)
                appeal_form = forms.AppealForm(request.POST, request.FILES)
                if appeal_form.is_valid():
                    appeal = services.appeal_submit(
                        user=request.user,
                        unit=unit,
                        reason=appeal_form.cleaned_data["reason"],
                        attachment=appeal_form.cleaned_data["attachment"],
                    )
                    messages.success(request, _("申诉已提交，街道处理后会通知您。"))
                    return redirect("evaluations:appeal", pk=appeal.pk)
            else:
                raise Http404
        except ValidationError as exc:
            pages.error_messages(request, exc)
    appeals = selectors.appeal_list(user=request.user).filter(unit=unit)
    return render(
        request,
        "evaluations/rating_detail.html",
        {
            "unit": unit,
            "current": current,
            "history": selectors.rating_history(unit=unit),
            "appeals": appeals,
            "decide_form": decide_form,
            "appeal_form": appeal_form,
            "can_decide": current and can(request.user, "evaluations.rate", unit),
            "can_appeal": current
            and can(request.user, "evaluations.appeal", unit)
            and not any(a.status == AppealStatus.OPEN for a in appeals),
        },
    )


@login_required
@require_GET
def appeals(request):
    _viewer(request)
    queryset = selectors.appeal_list(user=request.user)
    status = request.GET.get("status", "")
    if status in AppealStatus.values:
        queryset = queryset.filter(status=status)
    return render(
        request,
        "evaluations/appeals.html",
        {
            "page": pages.page(request, queryset, PAGE_SIZE),
            "statuses": AppealStatus.choices,
            "status": status,
            "qs": _querystring(request),
        },
    )


@login_required
def appeal_detail(request, pk):
    """An appeal's history, seen alike by the unit and the street."""
    require(request.user, "evaluations.view")
    appeal = selectors.appeal_get(user=request.user, pk=pk)
    can_decide = appeal.status == AppealStatus.OPEN and can(
        request.user, "evaluations.decide_appeal", appeal
    )
    form = forms.AppealDecisionForm(
        initial={"level": appeal.rating.level, "stars": appeal.rating.stars}
    )
    if request.method == "POST":
        if not can(request.user, "evaluations.decide_appeal", appeal):
            raise PermissionDenied
        form = forms.AppealDecisionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.appeal_decide(
                    user=request.user,
                    appeal=appeal,
                    accept=data["decision"] == "accept",
                    reason=data["reason"],
                    level=data.get("level"),
                    stars=data.get("stars"),
                )
            except ValidationError as exc:
                pages.error_messages(request, exc)
            else:
                messages.success(request, _("申诉已处理，已通知该单位。"))
                return redirect("evaluations:appeal", pk=appeal.pk)
    return render(
        request,
        "evaluations/appeal_detail.html",
        {
            "appeal": appeal,
            "events": appeal.events.select_related("actor"),
            "history": selectors.rating_history(unit=appeal.unit),
            "form": form,
            "can_decide": can_decide,
        },
    )


@login_required
@require_GET
def appeal_attachment(request, pk):
    """Serve an appeal's attachment to those who may see the appeal."""
    require(request.user, "evaluations.view")
    appeal = selectors.appeal_get(user=request.user, pk=pk)
    if not appeal.attachment or not default_storage.exists(appeal.attachment):
        raise Http404
    extension = appeal.attachment.rsplit(".", 1)[-1]
    response = FileResponse(
        default_storage.open(appeal.attachment, "rb"),
        content_type=appeal.attachment_type or "application/octet-stream",
        as_attachment=True,
        filename=f"appeal-{appeal.pk}.{extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
