"""Campaigns and their sections (S11)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings import selectors, services
from meetings.forms import CampaignForm, SectionForm
from meetings.views._common import _forbidden, _viewer
from orgs.models import OrgKind, OrgNode
from orgs.selectors import community_list
from portal import pages
from portal.roles import can

# -- campaign sections (S11) --------------------------------------------------------------------


@login_required
def campaign_list(request):
    """Campaigns per community: sections, owner units, recent inspection results."""
    _viewer(request)
    user = request.user
    communities = community_list(user=user)
    manageable = [
        c
        for c in communities
        if can(user, "meetings.manage", street_id=c.street_id, community_id=c.pk)
    ]
    form = None
    status = 200
    if manageable:
        form = CampaignForm(
            communities=communities.filter(pk__in=[c.pk for c in manageable]),
            initial={"starts_on": timezone.localdate()},
        )
    if request.method == "POST":
        if not manageable:
            raise _forbidden()
        form = CampaignForm(
            request.POST,
            communities=communities.filter(pk__in=[c.pk for c in manageable]),
        )
        if form.is_valid():
            try:
                campaign = services.campaign_create(user=user, **form.cleaned_data)
            except ValidationError as exc:
                pages.form_errors(form, exc)
            else:
                messages.success(request, _("专项活动已创建，请划分包保片段。"))
                return redirect("meetings:campaign", pk=campaign.pk)
        status = 400
    return render(
        request,
        "meetings/campaigns.html",
        {"page": pages.page(request, selectors.campaign_list(user=user)), "form": form},
        status=status,
    )


@login_required
def campaign_detail(request, pk):
    _viewer(request)
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    can_manage = can(
        request.user,
        "meetings.manage",
        street_id=campaign.street_id,
        community_id=campaign.community_id,
    )
    units = OrgNode.objects.filter(
        kind=OrgKind.UNIT, community_id=campaign.community_id
    ).order_by("code")
    form = SectionForm(units=units) if can_manage else None
    status = 200
    if request.method == "POST":
        if not can_manage:
            raise _forbidden()
        form = SectionForm(request.POST, units=units)
        if form.is_valid():
            try:
                services.campaign_section_create(
                    user=request.user, campaign=campaign, **form.cleaned_data
                )
            except ValidationError as exc:
                pages.form_errors(form, exc)
            else:
                messages.success(request, _("包保片段已添加。"))
                return redirect("meetings:campaign", pk=campaign.pk)
        status = 400
    meetings, rows = selectors.campaign_inspections(campaign)
    return render(
        request,
        "meetings/campaign.html",
        {"campaign": campaign, "meetings": meetings, "rows": rows, "form": form},
        status=status,
    )
