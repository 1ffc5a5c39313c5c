"""The city-scale generator: fast inserts that keep every value, and further
streets that are their own trees with their own codes and logins."""

import datetime
import io
import random

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from evaluations.models import ScoringPolicy
from orgs.models import OrgKind, OrgNode, Person
from portal.bulk import RowCounter, bulk_insert, copy_rows, foreign_key_problems
from portal.demo import SeedContext
from portal.models import RoleAssignment, User

pytestmark = pytest.mark.postgres

AWKWARD = "制表\t换行\n回车\r反斜杠\\N 和 \\ 结尾\\"


def test_bulk_insert_keeps_every_value_and_gives_the_rows_their_ids(db):
    # given a street and people whose text needs escaping
    assert connection.vendor == "postgresql", "CI runs this on PostgreSQL"
    street = OrgNode.objects.create(kind=OrgKind.STREET, name="街", code="B")
    people = [
        Person(name=AWKWARD, phone="", street=street, birth_year=None),
        Person(name="王伟", phone="13800138000", street=street, birth_year=1970),
    ]
    # when they are inserted in bulk, counted
    with RowCounter() as counter:
        bulk_insert(Person, people)
    # then each has its id and reads back exactly
    assert counter.rows == 2
    assert all(p.pk for p in people)
    awkward, plain = (Person.objects.get(pk=p.pk) for p in people)
    assert awkward.name == AWKWARD and awkward.birth_year is None
    assert (plain.name, plain.phone, plain.birth_year) == ("王伟", "13800138000", 1970)
    assert plain.street_id == street.pk and plain.created_at is not None


def test_json_decimal_and_dates_survive_a_bulk_insert(db):
    street = OrgNode.objects.create(kind=OrgKind.STREET, name="街", code="B")
    policy = ScoringPolicy(
        street=street,
        version=1,
        effective_month=datetime.date(2026, 1, 1),
        unit_weights={"attendance": 25, "备注": AWKWARD},
        committee_weights={},
        targets={"co_building": 2},
        excellent_min="85.50",
        good_min=70,
        fair_min=50,
    )
    bulk_insert(ScoringPolicy, [policy])
    stored = ScoringPolicy.objects.get(pk=policy.pk)
    assert stored.unit_weights == {"attendance": 25, "备注": AWKWARD}
    assert str(stored.excellent_min) == "85.50"
    assert stored.effective_month == datetime.date(2026, 1, 1)
    assert timezone.is_aware(stored.created_at)


def test_copy_rows_returns_the_ids_in_row_order(db):
    street = OrgNode.objects.create(kind=OrgKind.STREET, name="街", code="B")
    ids = copy_rows(
        Person,
        ("name", "phone", "gender", "street_id", "created_at", "updated_at"),
        [
            (f"人{i}", "", "", street.pk, timezone.now(), timezone.now())
            for i in range(12)
        ],
        batch_size=5,
    )
    assert [Person.objects.get(pk=pk).name for pk in ids] == [
        f"人{i}" for i in range(12)
    ]


def test_a_key_pointing_nowhere_is_found(db):
    # given a row written with the triggers off (as the generator loads)
    street = OrgNode.objects.create(kind=OrgKind.STREET, name="街", code="B")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role TO replica")
    bulk_insert(Person, [Person(name="甲", street_id=street.pk + 1000)])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role TO DEFAULT")
    # then the set-based check names the table and the column
    assert ("orgs_person", "street_id", 1) in foreign_key_problems()


def _street(index, shared):
    from config.demo_logins import seed as logins_seed
    from grids.seed import seed as grids_seed
    from orgs.seed import seed as orgs_seed

    ctx = SeedContext(
        rng=random.Random(20190601 + index),  # noqa: S311
        stdout=io.StringIO(),
        password="demo-pass-2026",
        street_index=index,
        shared=shared,
        data={"today": datetime.date(2026, 6, 1)},
    )
    orgs_seed(ctx)
    grids_seed(ctx)
    logins_seed(ctx)
    return ctx


def test_a_second_street_is_its_own_tree_with_its_own_codes_and_logins(db):
    # given the demo street and a second one built after it
    shared = {}
    first = _street(0, shared)
    second = _street(1, shared)
    # then each street is its own tree, the second's codes and names marked
    a, b = first.data["street"], second.data["street"]
    assert (a.code, a.name) == ("ZW", "张湾街道")
    assert (b.code, b.name) == ("ZW2", "张湾街道（2）")
    assert a.tree_id != b.tree_id
    assert not OrgNode.objects.filter(tree_id=b.tree_id).exclude(code__startswith="ZW2")
    for street in (a, b):
        assert OrgNode.objects.filter(street=street, kind=OrgKind.UNIT).count() == 533
    # and its logins are prefixed, with the same password, scoped to it
    staff = User.objects.get(username="s2-staff")
    assert staff.check_password("demo-pass-2026")
    assert RoleAssignment.objects.get(user=staff).org_node == b
    assert User.objects.filter(username="staff").exists()
    call_command("check_trees", stdout=io.StringIO())
