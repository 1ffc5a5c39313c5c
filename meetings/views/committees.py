"""A committee's channel between meetings and its rotation of chairs."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings import selectors, services
from meetings.forms import PostForm, ReplyForm, SwapForm
from meetings.models import RotationSwap
from meetings.rotation import rotation_plan, rotation_pool, unit_secretaries_only
from meetings.views._common import _forbidden, _url, _viewer
from orgs.models import Seat
from portal import pages
from portal.params import query_year
from portal.roles import can

# -- committee channel and rotation -----------------------------------------------------------


@login_required
def committee_channel(request, pk):
    """The committee's notice board: posts and replies between meetings (S13)."""
    _viewer(request)
    committee = selectors.committee_get(user=request.user, pk=pk)
    can_post = services.can_post_channel(request.user, committee)
    post_form, reply_form, reply_to = PostForm(), ReplyForm(), None
    status = 200
    if request.method == "POST":
        if not can_post:
            raise _forbidden()
        parent_id = request.POST.get("parent")
        parent = None
        if parent_id:
            try:
                parent = selectors.channel_post_get(
                    committee=committee, pk=int(parent_id)
                )
            except ValueError as exc:
                raise Http404 from exc
            reply_form, reply_to = ReplyForm(request.POST), parent.pk
            form = reply_form
        else:
            post_form = PostForm(request.POST)
            form = post_form
        if form.is_valid():
            try:
                services.channel_post_create(
                    user=request.user,
                    committee=committee,
                    parent=parent,
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                pages.form_errors(form, exc)
            else:
                messages.success(request, _("已发布。"))
                return redirect("meetings:channel", pk=committee.pk)
        status = 400
    return render(
        request,
        "meetings/channel.html",
        {
            "committee": committee,
            "page": pages.page(request, selectors.channel_posts(committee)),
            "can_post": can_post,
            "post_form": post_form,
            "reply_form": reply_form,
            "reply_to": reply_to,
        },
        status=status,
    )


@login_required
def committee_rotation(request, pk):
    """The year's rotation of chairs, the swaps with their reasons, and a swap form."""
    _viewer(request)
    committee = selectors.committee_get(user=request.user, pk=pk)
    today = timezone.localdate()
    year = query_year(request.GET, default=today.year)
    can_manage = can(
        request.user, "meetings.manage", **services.committee_target(committee)
    )
    form = SwapForm()
    status = 200
    if request.method == "POST":
        if not can_manage:
            raise _forbidden()
        form = SwapForm(request.POST)
        if form.is_valid():
            try:
                services.rotation_swap_record(
                    user=request.user, committee=committee, **form.cleaned_data
                )
            except ValidationError as exc:
                pages.form_errors(form, exc)
            else:
                messages.success(request, _("调换已登记，两个月的会议和提醒已更新。"))
                return redirect(
                    "%s?year=%s" % (_url("meetings:rotation", committee.pk), year)
                )
        status = 400
    seats = list(
        Seat.objects.filter(committee=committee).select_related("person", "represents")
    )
    swaps = list(
        RotationSwap.objects.filter(committee=committee).select_related("created_by")
    )
    months = [date(year, m, 1) for m in range(1, 13)]
    plan = rotation_plan(seats, swaps, months, unit_secretaries_only(committee))
    held = {
        m.month: m
        for m in committee.meetings.filter(month__year=year).select_related(
            "chair__person"
        )
    }
    for row in plan:
        row.meeting = held.get(row.month)
    return render(
        request,
        "meetings/rotation.html",
        {
            "committee": committee,
            "plan": plan,
            "year": year,
            "swaps": swaps,
            "form": form,
            "can_manage": can_manage,
            "seats": rotation_pool(seats, unit_secretaries_only(committee)),
        },
        status=status,
    )
