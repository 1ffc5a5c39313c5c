"""Personas shared by every test: one street with two communities (A and B).

``world`` builds the organisations through the services, then one user per
role: a street admin and staff, the secretaries of A and of B, the head of a
unit in A, a grid worker of a cell in A, a volunteer of A, and an outsider
with no role at all.

Two-factor sign-in: street admins must pass a TOTP code (``portal.otp``).
``login(user)`` and ``client.force_login(user)`` skip every credential check,
the second factor included: they mark the session OTP-verified with a test
device (``otp_verify``). Mark a test ``@pytest.mark.otp_unverified`` to get the
plain ``force_login`` (a street admin who has not passed TOTP yet).
"""

from types import SimpleNamespace

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from grids.models import Cell, CellLevel
from orgs.models import OrgKind, Person, UnitKind
from orgs.services import org_node_create
from portal.models import Role
from portal.otp import SESSION_ENROLLED, role_requires_otp
from portal.services import role_assign, user_create
from tests import clock

PASSWORD = "correct-horse-battery-9"


def pytest_configure(config):
    """Run the whole suite on the stated date of ``tests/clock.py``."""
    clock.start()


#: Tests whose outcome depends on the date: months, deadlines, rotation,
#: reminders, retention. CI runs them again at other stated dates
#: (``make test-dates``); a module may also mark itself ``dates``.
DATE_SENSITIVE = (
    "tests/meetings/",
    "tests/evaluations/test_runs.py",
    "tests/evaluations/test_publish.py",
    "tests/evaluations/test_ratings.py",
    "tests/volunteers/test_checkins.py",
    "tests/volunteers/test_in_service.py",
    "tests/volunteers/test_retention.py",
    "tests/grids/test_cases.py",
    "tests/support/test_rules.py",
    "tests/dashboard/test_dashboard.py",
)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the group markers
def pytest_collection_modifyitems(config, items):
    """Keep tests that share one outside resource on one xdist worker.

    ``make test`` runs the suite on two workers (``--dist loadgroup``): the
    browser journeys share one live portal and its database, and the real
    Celery workers share one Redis queue, so each group runs on one worker.
    """
    for item in items:
        if any(part in str(item.fspath) for part in DATE_SENSITIVE):
            item.add_marker(pytest.mark.dates)
        if item.get_closest_marker("e2e") or "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.xdist_group("e2e"))
        elif item.get_closest_marker("celery_worker"):
            item.add_marker(pytest.mark.xdist_group("celery"))


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (cached key figures, sessions)."""
    from django.core.cache import cache

    cache.clear()


def _user(username, role=None, node=None, cell=None, street=None, community=None):
    user = user_create(username=username, password=PASSWORD, display_name=username)
    if street is not None:
        Person.objects.create(
            name=username,
            phone="13800138000",
            street=street,
            community=community,
            user=user,
        )
    if role:
        role_assign(user=user, role=role, org_node=node, cell=cell)
    return user


@pytest.fixture
def world(db):
    return build_world()


def build_world():
    """Build the personas' street (also for module-scoped fixtures)."""
    street = org_node_create(kind=OrgKind.STREET, name="测试街道", code="T")
    a = org_node_create(
        kind=OrgKind.COMMUNITY, name="甲社区", code="T-01", parent=street
    )
    b = org_node_create(
        kind=OrgKind.COMMUNITY, name="乙社区", code="T-02", parent=street
    )
    unit_a = org_node_create(
        kind=OrgKind.UNIT,
        name="甲单位",
        code="T-01-U001",
        parent=a,
        unit_kind=UnitKind.PRIVATE,
        headcount=120,
    )
    unit_a2 = org_node_create(
        kind=OrgKind.UNIT,
        name="甲二单位",
        code="T-01-U002",
        parent=a,
        unit_kind=UnitKind.AGENCY,
        headcount=20,
    )
    unit_b = org_node_create(
        kind=OrgKind.UNIT,
        name="乙单位",
        code="T-02-U001",
        parent=b,
        unit_kind=UnitKind.MERCHANT,
        headcount=8,
    )
    party_org_a = org_node_create(
        kind=OrgKind.PARTY_ORG,
        name="甲单位党支部",
        code="T-01-U001-P1",
        parent=unit_a,
        party_org_type="branch",
    )
    cell_a = Cell.objects.create(
        level=CellLevel.COMMUNITY,
        code="T-01",
        name="甲网格",
        street=street,
        community=a,
    )
    cell_b = Cell.objects.create(
        level=CellLevel.COMMUNITY,
        code="T-02",
        name="乙网格",
        street=street,
        community=b,
    )
    w = SimpleNamespace(
        street=street,
        a=a,
        b=b,
        unit_a=unit_a,
        unit_a2=unit_a2,
        unit_b=unit_b,
        party_org_a=party_org_a,
        cell_a=cell_a,
        cell_b=cell_b,
    )
    w.street_admin = _user("street_admin", Role.STREET_ADMIN, street, street=street)
    w.street_staff = _user("street_staff", Role.STREET_STAFF, street, street=street)
    w.secretary_a = _user(
        "secretary_a", Role.COMMUNITY_SECRETARY, a, street=street, community=a
    )
    w.secretary_b = _user(
        "secretary_b", Role.COMMUNITY_SECRETARY, b, street=street, community=b
    )
    w.unit_head_a = _user(
        "unit_head_a", Role.UNIT_HEAD, unit_a, street=street, community=a
    )
    w.grid_worker_a = _user(
        "grid_worker_a", Role.GRID_WORKER, a, cell=cell_a, street=street, community=a
    )
    w.volunteer_a = _user("volunteer_a", Role.VOLUNTEER, a, street=street, community=a)
    w.outsider = _user("outsider")
    return w


def otp_device(user):
    """Return the user's confirmed TOTP device, creating a test one if needed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="测试验证器", confirmed=True)
    return device


def totp_code(device, steps=0):
    """The device's current code (``steps`` time steps later), as typed."""
    code = totp(
        device.bin_key,
        step=device.step,
        t0=device.t0,
        digits=device.digits,
        drift=device.drift + steps,
    )
    return f"{code:0{device.digits}d}"


def otp_verify(client, user):
    """Mark ``client``'s session as OTP-verified for ``user``.

    What ``django_otp.login(request, device)`` does after a good code: the
    session holds the device's id. The client must already be signed in.
    """
    device = otp_device(user)
    session = client.session
    if session.get(DEVICE_ID_SESSION_KEY) != device.persistent_id:
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session[SESSION_ENROLLED] = True
        session.save()
    return device


_plain_force_login = Client.force_login


@pytest.fixture(autouse=True)
def _force_login_passes_two_factor(request, monkeypatch):
    """``force_login`` of a street admin also passes the TOTP step."""
    if request.node.get_closest_marker("otp_unverified"):
        return

    def force_login(self, user, backend=None):
        _plain_force_login(self, user, backend)
        if role_requires_otp(user):
            otp_verify(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


def login(user):
    """Return a test client signed in as ``user`` (TOTP passed where needed)."""
    client = Client()
    client.force_login(user)
    if role_requires_otp(user):
        otp_verify(client, user)
    return client


@pytest.fixture
def as_user():
    return login
