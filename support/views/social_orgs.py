"""Pages of the social organisations."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from portal import pages
from portal.roles import can, require
from portal.scope import scope_for
from support import forms, selectors, services
from support.models import SocialOrgKind
from support.views._common import PAGE_SIZE, _require_view

SOCIAL_ORG_SORTS = {
    "name": ["name", "id"],
    "community": ["community__code", "name", "id"],
    "kind": ["kind", "name", "id"],
    "status": ["status", "name", "id"],
    "incubated": ["incubated_on", "id"],
    "members": ["members", "id"],
}


@login_required
def social_org_list(request):
    _require_view(request)
    form = forms.SocialOrgFilterForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.social_org_list(
        user=request.user,
        community=data.get("community"),
        kind=data.get("kind", ""),
        status=data.get("status", ""),
        search=data.get("q", ""),
    )
    qs, sort = pages.sort(request, qs, SOCIAL_ORG_SORTS, "community", then=())
    summary = selectors.social_org_summary(scope_for(request.user))
    return render(
        request,
        "support/social_org_list.html",
        {
            "form": form,
            "page": pages.page(request, qs, PAGE_SIZE),
            "sort": sort,
            "summary": summary,
            "kind_counts": [
                (label, summary["kind"].get(value, 0))
                for value, label in SocialOrgKind.choices
            ],
            "can_manage": can(request.user, "support.manage"),
        },
    )


@login_required
def social_org_create(request):
    require(request.user, "support.manage")
    form = forms.SocialOrgForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        community = data.pop("community")
        data.pop("street", None)
        try:
            org = services.social_org_create(
                user=request.user,
                community=community,
                street=None if community else form.street(),
                **data,
            )
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(request, _("已登记%s。") % org.name)
            return redirect("support:social_org_detail", pk=org.pk)
    return render(
        request,
        "support/form.html",
        {
            "form": form,
            "title": _("登记社会组织"),
            "back": reverse("support:social_orgs"),
        },
    )


@login_required
def social_org_detail(request, pk):
    """A social organisation; managers edit it and change its status here."""
    _require_view(request)
    org = selectors.social_org_get(user=request.user, pk=pk)
    may_manage = can(
        request.user,
        "support.manage",
        street_id=org.street_id,
        community_id=org.community_id,
    )
    initial = {name: getattr(org, name) for name in services.SOCIAL_ORG_FIELDS}
    edit_form = forms.SocialOrgForm(
        initial=initial, user=request.user, editing=True, prefix="edit"
    )
    status_form = forms.SocialOrgStatusForm(prefix="status")
    if request.method == "POST":
        if not may_manage:
            require(request.user, "support.manage", org)
        try:
            if "status-status" in request.POST:
                status_form = forms.SocialOrgStatusForm(request.POST, prefix="status")
                if status_form.is_valid():
                    services.social_org_set_status(
                        user=request.user, org=org, **status_form.cleaned_data
                    )
                    messages.success(request, _("状态已变更。"))
                    return redirect("support:social_org_detail", pk=org.pk)
            else:
                edit_form = forms.SocialOrgForm(
                    request.POST, user=request.user, editing=True, prefix="edit"
                )
                if edit_form.is_valid():
                    data = dict(edit_form.cleaned_data)
                    data.pop("street", None)
                    services.social_org_update(user=request.user, org=org, **data)
                    messages.success(request, _("已保存。"))
                    return redirect("support:social_org_detail", pk=org.pk)
        except ValidationError as exc:
            target = status_form if "status-status" in request.POST else edit_form
            pages.form_errors(target, exc)
    return render(
        request,
        "support/social_org_detail.html",
        {
            "org": org,
            "changes": org.status_changes.select_related("changed_by"),
            "may_manage": may_manage,
            "edit_form": edit_form,
            "status_form": status_form,
        },
    )
