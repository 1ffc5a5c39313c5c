"""Audit: who changed what (django-auditlog) and who looked at whom (AccessLog).

Changes: an app registers each model that matters once, in its
``AppConfig.ready()``::

    from portal import audit
    audit.register(Person, mask_fields=["phone", "id_number"])

Every create, update and delete then writes an ``auditlog.LogEntry`` with the
actor (the signed-in user, set by ``AuditlogMiddleware``; in a task or command
wrap the work in ``auditlog.context.set_actor(user)``), the time and the
changed fields, masked fields shown as ``138****8000``. An API call signed
with a token is authenticated only inside the view; its authentication class
(``portal.authentication``) makes the token's user the actor (``actor_set``).

Reads: a page, API list or export that shows personal data lists (names with
phones, party membership, volunteers…) calls ``log_access(request, what,
count)`` once per response.
"""

import logging

from auditlog.registry import auditlog
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured

log = logging.getLogger("portal.audit")


def mask_value(value):
    """Mask a personal value for the audit log: keep only its ends.

    A mobile number keeps its first three and last four digits (the way
    Chinese services show them: ``138****8000``); anything shorter than eight
    characters is masked whole.
    """
    text = str(value)
    if text in ("", "None"):
        return text
    if len(text) < 8:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


#: Bookkeeping fields left out of every diff (they change on every save).
DEFAULT_EXCLUDE = ("created_at", "updated_at")


def register(model, *, mask_fields=(), exclude_fields=(), **options):
    """Register ``model`` with the audit log, ``mask_fields`` masked.

    Checks that the named fields exist, so a typo cannot leave a phone number
    unmasked. ``created_at``/``updated_at`` are left out of the diffs. Returns
    the model.
    """
    names = {f.name for f in model._meta.get_fields()}
    exclude_fields = [
        *exclude_fields,
        *(n for n in DEFAULT_EXCLUDE if n in names and n not in exclude_fields),
    ]
    for name in (*mask_fields, *exclude_fields):
        try:
            model._meta.get_field(name)
        except FieldDoesNotExist as exc:
            raise ImproperlyConfigured(
                f"audit.register({model.__name__}): no field {name!r}"
            ) from exc
    if auditlog.contains(model):
        return model
    auditlog.register(
        model,
        mask_fields=list(mask_fields),
        exclude_fields=list(exclude_fields),
        **options,
    )
    return model


def actor_set(request, user):
    """Make ``user`` the actor of the audit entries ``request`` writes from now on.

    ``AuditlogMiddleware`` keeps the request's audit context on the request;
    without it (a view called outside the middleware) nothing changes. Returns
    whether the actor was set.
    """
    context = getattr(request, AUDIT_CONTEXT_ATTR, None)
    if context is None or user is None or not user.is_authenticated:
        return False
    context["actor"] = user
    return True


#: Where ``portal.middleware.AuditlogMiddleware`` keeps a request's audit context.
AUDIT_CONTEXT_ATTR = "_portal_audit_context"
#: Set on a request that showed personal data (``NoStoreMiddleware``).
NO_STORE_ATTR = "_portal_no_store"


def log_access(request, what, count, *, export=False):
    """Record that the signed-in user viewed (or exported) a personal-data list.

    ``what`` names the list (``"orgs.person"``, ``"volunteers.volunteer"``…),
    ``count`` how many people it showed. Anonymous requests are not logged
    (they never see personal data). Returns the row or ``None``.
    """
    from portal.models import AccessLog
    from portal.security import client_ip

    # Personal data never stays in a browser's or proxy's cache.
    setattr(getattr(request, "_request", request), NO_STORE_ATTR, True)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return AccessLog.objects.create(
        user=user,
        username=user.get_username(),
        what=what[:100],
        count=max(int(count), 0),
        action=AccessLog.Action.EXPORT if export else AccessLog.Action.VIEW,
        path=request.path[:300],
        # Query strings name filters only (no personal data in URLs).
        query=request.META.get("QUERY_STRING", "")[:500],
        ip_address=client_ip(request),
    )


def register_portal_models():
    """The foundation's own registrations (called from PortalConfig.ready)."""
    from portal.models import RoleAssignment

    register(RoleAssignment)
