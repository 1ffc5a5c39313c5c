"""Writes on users and role assignments."""

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from orgs.models import OrgKind
from portal.models import Role, RoleAssignment, User
from portal.scope import forget_scope

#: role → the kind of org node its scope must be.
SCOPE_KIND = {
    Role.STREET_ADMIN: OrgKind.STREET,
    Role.STREET_STAFF: OrgKind.STREET,
    Role.COMMUNITY_SECRETARY: OrgKind.COMMUNITY,
    Role.UNIT_HEAD: OrgKind.UNIT,
    Role.GRID_WORKER: OrgKind.COMMUNITY,
    Role.VOLUNTEER: OrgKind.COMMUNITY,
}


@transaction.atomic
def role_assign(*, user, role, org_node, cell=None):
    """Give ``user`` the ``role`` over ``org_node`` (and ``cell`` for grid workers)."""
    expected = SCOPE_KIND[role]
    if org_node.kind != expected:
        raise ValidationError(
            _("角色“%(role)s”的范围必须是%(kind)s。")
            % {"role": Role(role).label, "kind": OrgKind(expected).label}
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
def role_revoke(*, assignment):
    """Remove a role assignment."""
    user = assignment.user
    assignment.delete()
    forget_scope(user)


@transaction.atomic
def user_create(*, username, password, display_name="", email=""):
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
