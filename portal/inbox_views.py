"""The in-app inbox: every notice a user was sent, newest first."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import pages
from portal.notify import inbox_list, inbox_mark_read

PER_PAGE = 20


@login_required
def inbox(request):
    """List the user's messages; ``?show=unread`` keeps the unread ones."""
    unread_only = request.GET.get("show") == "unread"
    page = pages.page(
        request, inbox_list(user=request.user, unread_only=unread_only), PER_PAGE
    )
    return render(
        request,
        "portal/inbox.html",
        {"page": page, "unread_only": unread_only},
    )


@login_required
def inbox_open(request, pk):
    """Mark one message read and follow its link (another's message is a 404)."""
    notification = get_object_or_404(inbox_list(user=request.user), pk=pk)
    inbox_mark_read(user=request.user, pk=notification.pk)
    link = notification.link
    if link and url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(link)
    return redirect("inbox")


@login_required
@require_POST
def inbox_read_all(request):
    count = inbox_mark_read(user=request.user)
    if count:
        messages.success(request, _("已将 %s 条消息标为已读。") % count)
    return redirect("inbox")
