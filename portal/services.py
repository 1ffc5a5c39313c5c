"""Writes on users and role assignments; API tokens and passwords."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from portal import nodes
from portal.models import Role, RoleAssignment, User
from portal.roles import require
from portal.scope import forget_scope
from portal.selectors import user_list

#: role → the kind of org node its scope must be.
SCOPE_KIND: dict[str, str] = {
    Role.STREET_ADMIN: nodes.STREET,
    Role.STREET_STAFF: nodes.STREET,
    Role.COMMUNITY_SECRETARY: nodes.COMMUNITY,
    Role.UNIT_HEAD: nodes.UNIT,
    Role.GRID_WORKER: nodes.COMMUNITY,
    Role.VOLUNTEER: nodes.COMMUNITY,
}


@transaction.atomic
def role_assign(
    *, user: User, role: str, org_node: Any, cell: Any = None
) -> RoleAssignment:
    """Give ``user`` the ``role`` over ``org_node`` (and ``cell`` for grid workers)."""
    expected = SCOPE_KIND[role]
    if org_node.kind != expected:
        raise ValidationError(
            _("角色“%(role)s”的范围必须是%(kind)s。")
            % {"role": Role(role).label, "kind": nodes.kind_label(expected)}
        )
    if role == Role.GRID_WORKER:
        if cell is None:
            raise ValidationError(_("网格员必须指定负责的网格。"))
        if cell.community_id != org_node.pk:
            raise ValidationError(_("网格不在所选社区内。"))
    elif cell is not None:
        raise ValidationError(_("只有网格员的角色带有网格范围。"))
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, org_node=org_node, cell=cell
    )
    if created and role in settings.PORTAL_OTP_REQUIRED_ROLES:
        # A token taken before the role came without a TOTP code: drop it, so
        # the new street admin's API access also passes two-factor sign-in.
        Token.objects.filter(user=user).delete()
    forget_scope(user)
    return assignment


@transaction.atomic
def role_revoke(*, assignment: RoleAssignment) -> None:
    """Remove a role assignment."""
    user = assignment.user
    assignment.delete()
    forget_scope(user)


@transaction.atomic
def user_create(
    *, username: str, password: str, display_name: str = "", email: str = ""
) -> User:
    """Create a user with a usable password (validated by the password rules)."""
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("用户名“%s”已被使用。") % username})
    user = User(username=username, display_name=display_name, email=email)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


# -- API tokens ------------------------------------------------------------------


def api_token_expired(token: Token) -> bool:
    """Return whether ``token`` is older than ``PORTAL_API_TOKEN_DAYS``."""
    age = timezone.now() - token.created
    return bool(age >= timedelta(days=settings.PORTAL_API_TOKEN_DAYS))


@transaction.atomic
def api_token_issue(*, user: User) -> Token:
    """Return ``user``'s API token: the current one, or a new one if it expired."""
    token, _created = Token.objects.get_or_create(user=user)
    if api_token_expired(token):
        token.delete()
        token = Token.objects.create(user=user)
    return token


def api_tokens_revoke(*, user: User) -> int:
    """Delete ``user``'s API tokens (sign-out, new password); return how many."""
    deleted, _rows = Token.objects.filter(user=user).delete()
    return deleted


# -- passwords ---------------------------------------------------------------------

#: What an audit entry about an account records (``additional_data["event"]``).
CHANGED_BY_SELF = "password_changed"
RESET_BY_LINK = "password_reset"
RESET_LINK_MADE = "password_reset_link_created"


def _audit_account(*, account: User, actor: User, event: str) -> None:
    """Write an audit entry about ``account`` (no password, not even masked)."""
    from auditlog.models import LogEntry

    LogEntry.objects.log_create(
        account,
        force_log=True,
        action=LogEntry.Action.UPDATE,
        changes={},
        actor=actor,
        additional_data={"event": event},
    )


@transaction.atomic
def user_password_set(
    *, user: User, password: str, event: str = CHANGED_BY_SELF
) -> User:
    """Give ``user`` a new password (the password rules apply), revoke his API
    tokens and audit it. ``event`` says how: changed by himself when signed in
    (``CHANGED_BY_SELF``) or through a reset link (``RESET_BY_LINK``).

    Other sessions of the user end by themselves (Django checks each session
    against the password); the caller keeps the current one
    (``update_session_auth_hash``) where it should.
    """
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password2": exc.messages}) from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    api_tokens_revoke(user=user)
    if event == RESET_BY_LINK:
        # Who forgot his password has often locked himself out trying: the
        # new password works at once.
        from axes.utils import reset

        reset(username=user.get_username())
    _audit_account(account=user, actor=user, event=event)
    return user


@transaction.atomic
def password_reset_link_create(*, user: User, account: User) -> tuple[str, str]:
    """Return ``(uidb64, token)`` of a one-time link that lets ``account`` set a
    new password, made by the street admin ``user`` (who hands it over).

    The caller fetched ``account`` through ``portal.selectors.user_get`` (an
    account outside ``user``'s streets is a 404). The link works once (a new
    password invalidates it) and for ``PASSWORD_RESET_TIMEOUT`` seconds
    (Django's ``PasswordResetTokenGenerator``). The account's API tokens are
    revoked now: whoever asked for a reset may have lost control of it.
    """
    require(user, "portal.reset_passwords")
    if not user_list(user=user).filter(pk=account.pk).exists():
        raise PermissionDenied(_("该账号不在您的管辖范围内。"))
    api_tokens_revoke(user=account)
    _audit_account(account=account, actor=user, event=RESET_LINK_MADE)
    uidb64 = urlsafe_base64_encode(force_bytes(account.pk))
    return uidb64, default_token_generator.make_token(account)
