"""Template helpers of the kernel: ask the permission table as the views do.

``{% load portal_tags %}`` then ``{% can "volunteers.manage" as may_manage %}``,
``{% can "meetings.manage" meeting as may_edit %}`` (on an object) or
``{% can "orgs.edit" community_id=c.pk as may_edit %}`` (on a target): the
same ``portal.roles.can`` the view behind the link calls, so a link is shown
only when the user may follow it.
"""

from typing import Any

from django import template

from portal.roles import can as _can

register = template.Library()


@register.simple_tag(takes_context=True)
def can(
    context: template.Context, action: str, obj: object | None = None, **target: Any
) -> bool:
    """Return whether the signed-in user may perform ``action`` (on ``obj``)."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return _can(user, action, obj, **target)
