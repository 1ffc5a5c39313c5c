"""Demo logins: one user per role, scoped to the demo street's first communities.

A step of ``config.demo`` (after the org tree and the grid it scopes them to).

The demo street's logins are ``admin``, ``staff``, …; a generated street
number n ≥ 2 gets ``s<n>-admin``, ``s<n>-staff``, … with the same password
(its hash is computed once and reused: hashing is slow by design).
"""

from orgs.models import Person
from portal.demo import mobile, person_name
from portal.models import Role, User
from portal.services import role_assign, user_create


def _person_for(ctx, key, community, unit=None):
    person = ctx.data.get("login_persons", {}).get(key)
    if person is None:
        person = Person.objects.create(
            name=person_name(ctx.rng),
            phone=mobile(ctx.rng),
            street=ctx.data["street"],
            community=community,
            unit=unit,
        )
    return person


def seed(ctx):
    street = ctx.data["street"]
    c1, c2 = ctx.data["communities"][:2]
    unit = ctx.data["unit_head_unit"]
    cell = ctx.data.get("grid_worker_cell")
    logins = [
        ("admin", Role.STREET_ADMIN, street, None, None),
        ("staff", Role.STREET_STAFF, street, None, None),
        ("secretary1", Role.COMMUNITY_SECRETARY, c1, None, None),
        ("secretary2", Role.COMMUNITY_SECRETARY, c2, None, None),
        ("unithead1", Role.UNIT_HEAD, unit, None, unit),
        ("gridworker1", Role.GRID_WORKER, c1, cell, None),
        ("volunteer1", Role.VOLUNTEER, c1, None, None),
    ]
    ctx.data.setdefault("logins", [])
    ctx.data.setdefault("users", {})
    for username, role, node, cell_scope, unit_of in logins:
        if role == Role.GRID_WORKER and cell_scope is None:
            continue  # no grid yet
        community = (
            node
            if node.kind == "community"
            else (node.community if node.community_id else None)
        )
        person = _person_for(ctx, username, community, unit_of)
        user = _user(ctx, username, person.name)
        person.user = user
        person.save(update_fields=["user", "updated_at"])
        role_assign(user=user, role=role, org_node=node, cell=cell_scope)
        ctx.data["users"][username] = user
        ctx.data["logins"].append((user.username, f"{Role(role).label} · {node.name}"))
    if ctx.street_index == 0:
        _enrol_demo_admin(ctx)


def _user(ctx, key, display_name):
    """Return the login ``key`` of this street (``s<n>-key`` after the first)."""
    if ctx.street_index == 0:
        user = user_create(
            username=key, password=ctx.password, display_name=display_name
        )
        ctx.shared.setdefault("password_hash", user.password)
        return user
    user = User(username=f"s{ctx.street_index + 1}-{key}", display_name=display_name)
    if "password_hash" in ctx.shared:
        user.password = ctx.shared["password_hash"]
    else:
        user.set_password(ctx.password)
        ctx.shared["password_hash"] = user.password
    user.save()
    return user


def _enrol_demo_admin(ctx):
    """Give the demo street admin a TOTP device and say how to use it.

    Street admins must pass two-factor sign-in; the secret is printed into
    ``var/demo-logins.txt`` (next to the password) so the demo stays usable.
    It is a credential like the password: random, never from ``ctx.rng``.
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from portal.otp import secret_b32

    admin = ctx.data["users"].get("admin")
    if admin is None:
        return
    device = TOTPDevice.objects.create(user=admin, name="演示验证器", confirmed=True)
    ctx.data.setdefault("login_notes", []).extend(
        [
            "admin 是街道管理员，登录时还需输入两步验证码：",
            f"  用手机验证器添加密钥 {secret_b32(device)}",
            f"  （或扫码/导入 {device.config_url}）",
            "  或在本机运行 DEBUG=1 python manage.py totp_code admin 查看当前验证码。",
        ]
    )
