"""The API's permission classes (a module of its own: REST framework's
settings import it while its views are still loading)."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission


class RoleActionPermission(BasePermission):
    """A write none of the caller's roles may make is a 403 before its body is read.

    A viewset names, in ``write_actions``, the role action (``portal.roles``)
    each of its writes needs (``{"create": "evaluations.run"}``; a tuple: any
    of them). The check is whether any of the caller's roles allows it
    anywhere; the service still checks the object's scope (another scope's
    object stays a 404, one in scope but out of reach a 403). Writes a
    viewset does not name (a resident registering himself as a volunteer)
    are left to their service.
    """

    message = _("您没有执行此操作的权限。")

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        needed = getattr(view, "write_actions", {}).get(getattr(view, "action", None))
        if needed is None:
            return True
        from portal.roles import can

        actions = (needed,) if isinstance(needed, str) else needed
        return any(can(request.user, action) for action in actions)
