"""Grid fixtures on top of ``world``: committees with seats, a small grid, two
grid workers on neighbouring cells, and helpers to make cases and photos.

Grid of community A (``world.cell_a`` is its level-1 cell):

    T-01                  甲网格            (grid_worker_a works it all)
      T-01-01             甲一片区          (worker1)
        T-01-01-001       甲单位网格        covers unit_a
      T-01-02             甲二片区          (worker2)
        T-01-02-001       甲二单位网格      covers unit_a2
    T-02                  乙网格
      T-02-01             乙一片区
        T-02-01-001       乙单位网格        covers unit_b
"""

import datetime
import io
from types import SimpleNamespace

import pytest
from PIL import Image

from grids import services
from grids.models import Case, CaseCategory, Cell
from orgs.models import Committee, CommitteeKind, OrgNode, Person, Seat, SeatOrigin
from portal.models import Role
from portal.services import role_assign, user_create
from tests.conftest import PASSWORD


def make_person(world, name, community=None, unit=None):
    return Person.objects.create(
        name=name, street=world.street, community=community, unit=unit
    )


def seat(committee, person, vacated_on=None):
    return Seat.objects.create(
        committee=committee,
        person=person,
        origin=SeatOrigin.APPOINTED,
        term_start=datetime.date(2024, 1, 1),
        vacated_on=vacated_on,
        street=committee.street,
        community=committee.community,
    )


def make_user(world, username, role, node, cell=None):
    user = user_create(username=username, password=PASSWORD, display_name=username)
    Person.objects.create(
        name=username,
        street=world.street,
        community=node if node.kind == "community" else None,
        user=user,
    )
    role_assign(user=user, role=role, org_node=node, cell=cell)
    return user


def assert_tree_valid():
    """Check the nested-set numbers against a rebuild from the parent links."""
    before = list(
        Cell.objects.order_by("pk").values_list(
            "pk", "tree_id", "lft", "rght", "mptt_level", "level"
        )
    )
    for _pk, _tree, _lft, _rght, depth, level in before:
        assert level == depth + 1
    Cell.objects.rebuild()
    after = list(
        Cell.objects.order_by("pk").values_list(
            "pk", "tree_id", "lft", "rght", "mptt_level", "level"
        )
    )
    assert before == after


@pytest.fixture
def committees(world):
    def committee(kind, org, name):
        return Committee.objects.create(
            kind=kind,
            org=org,
            street=world.street,
            community=org if org.kind == "community" else None,
            name=name,
        )

    c = SimpleNamespace(
        leadership=committee(CommitteeKind.LEADERSHIP, world.street, "班子"),
        big_working=committee(CommitteeKind.BIG_WORKING, world.street, "大工委"),
        two_a=committee(CommitteeKind.TWO_COMMITTEES, world.a, "甲两委"),
        two_b=committee(CommitteeKind.TWO_COMMITTEES, world.b, "乙两委"),
    )
    c.lead_member = make_person(world, "班子成员")
    seat(c.leadership, c.lead_member)
    c.former_lead = make_person(world, "前班子成员")
    seat(c.leadership, c.former_lead, vacated_on=datetime.date(2025, 1, 1))
    c.bw_member = make_person(world, "大工委委员")
    seat(c.big_working, c.bw_member)
    c.two_a_member = make_person(world, "甲两委委员", community=world.a)
    seat(c.two_a, c.two_a_member)
    c.two_b_member = make_person(world, "乙两委委员", community=world.b)
    seat(c.two_b, c.two_b_member)
    c.head_a = make_person(world, "甲单位负责人", community=world.a, unit=world.unit_a)
    OrgNode.objects.filter(pk=world.unit_a.pk).update(head=c.head_a)
    world.unit_a.refresh_from_db()
    c.resident_a = make_person(world, "甲社区居民", community=world.a)
    return c


@pytest.fixture
def grid(world, committees):
    g = SimpleNamespace(a=world.cell_a, b=world.cell_b, c=committees)
    g.a1 = services.cell_create(user=world.street_admin, name="甲一片区", parent=g.a)
    g.a2 = services.cell_create(user=world.street_admin, name="甲二片区", parent=g.a)
    g.u1 = services.cell_create(
        user=world.street_admin, name="甲单位网格", parent=g.a1, units=[world.unit_a]
    )
    g.u2 = services.cell_create(
        user=world.street_admin,
        name="甲二单位网格",
        parent=g.a2,
        units=[world.unit_a2],
    )
    g.b1 = services.cell_create(user=world.street_admin, name="乙一片区", parent=g.b)
    g.ub = services.cell_create(
        user=world.street_admin, name="乙单位网格", parent=g.b1, units=[world.unit_b]
    )
    g.worker1 = make_user(world, "worker1", Role.GRID_WORKER, world.a, cell=g.a1)
    g.worker2 = make_user(world, "worker2", Role.GRID_WORKER, world.a, cell=g.a2)
    for name in ("a", "b"):
        getattr(g, name).refresh_from_db()
    return g


@pytest.fixture
def make_case(world):
    def make(cell, user=None, **fields):
        fields.setdefault("category", CaseCategory.ENVIRONMENT)
        fields.setdefault("title", "垃圾清运不及时")
        fields.setdefault("description", "垃圾桶满溢两天。")
        return services.case_report(
            user=user or world.street_admin, cell=cell, **fields
        )

    return make


def image_bytes(fmt="PNG", size=(64, 48), color=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()


@pytest.fixture
def png():
    from django.core.files.uploadedfile import SimpleUploadedFile

    def make(name="photo.png", **kwargs):
        return SimpleUploadedFile(name, image_bytes(**kwargs), content_type="image/png")

    return make


def open_cases():
    return Case.objects.filter(status="open")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Keep uploaded test photos in a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
