"""Template context shared by every page: the navigation for the user's roles
and the number of unread messages in the inbox."""

from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from portal.notify import inbox_unread_count
from portal.roles import can

#: (label, url name, action that makes it visible)
NAVIGATION = [
    (_("首页"), "home", None),
    (_("组织"), "orgs:tree", "orgs.view"),
    (_("网格"), "grids:tree", "grids.view"),
    (_("联席会议"), "meetings:list", "meetings.view"),
    (_("志愿服务"), "volunteers:home", "volunteers.participate"),
    (_("评议考核"), "evaluations:runs", "evaluations.view"),
    (_("保障"), "support:home", "support.view"),
]


def portal(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for label, url_name, action in NAVIGATION:
        if action and not can(user, action):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue  # the app's pages have not landed yet
        active = request.path == url if url == "/" else request.path.startswith(url)
        items.append({"label": label, "url": url, "active": active})
    return {
        "nav_items": items,
        # Counted only when a template shows it (the header does).
        "inbox_unread": SimpleLazyObject(lambda: inbox_unread_count(user=user)),
    }
