"""Fixtures of the evaluations tests: committees, in-service party members,
helpers that run, publish and rate months of the ``world`` street."""

from datetime import date
from types import SimpleNamespace

import pytest

from evaluations import services
from evaluations.models import Evaluation
from orgs.models import (
    Committee,
    CommitteeKind,
    MemberStatus,
    OrgKind,
    PartyMember,
    Person,
    UnitKind,
)
from orgs.services import org_node_create
from portal.models import Role
from tests.conftest import _user

#: A month long past, so every test month is over whatever today is.
MAY = date(2024, 5, 1)
JUNE = date(2024, 6, 1)
JULY = date(2024, 7, 1)
AUGUST = date(2024, 8, 1)
SEPTEMBER = date(2024, 9, 1)
OCTOBER = date(2024, 10, 1)


@pytest.fixture
def committees(world):
    """The street's 大工委 and the 大党委 of communities A and B."""
    street = world.street
    return SimpleNamespace(
        big=Committee.objects.create(
            kind=CommitteeKind.BIG_WORKING,
            org=street,
            street=street,
            name="测试街道大工委",
        ),
        a=Committee.objects.create(
            kind=CommitteeKind.BIG_PARTY,
            org=world.a,
            street=street,
            community=world.a,
            name="甲社区大党委",
        ),
        b=Committee.objects.create(
            kind=CommitteeKind.BIG_PARTY,
            org=world.b,
            street=street,
            community=world.b,
            name="乙社区大党委",
        ),
    )


@pytest.fixture
def unit_head_b(world):
    """The head of unit B (community B), for scope tests."""
    return _user(
        "unit_head_b",
        Role.UNIT_HEAD,
        world.unit_b,
        street=world.street,
        community=world.b,
    )


def in_service_members(world, unit, count):
    """Give ``unit`` ``count`` in-service party members (S15)."""
    people = Person.objects.bulk_create(
        Person(
            name=f"党员{i}", street=world.street, community=unit.community, unit=unit
        )
        for i in range(count)
    )
    PartyMember.objects.bulk_create(
        PartyMember(
            person=person,
            party_org=world.party_org_a,
            status=MemberStatus.IN_SERVICE,
            employer_unit=unit,
            street=world.street,
            community=unit.community,
        )
        for person in people
    )


def more_units(world, count, community=None, kind=UnitKind.PRIVATE, prefix="X"):
    community = community or world.a
    return [
        org_node_create(
            kind=OrgKind.UNIT,
            name=f"{prefix}单位{i:03d}",
            code=f"{community.code}-{prefix}{i:03d}",
            parent=community,
            unit_kind=kind,
            headcount=10,
        )
        for i in range(count)
    ]


def run_month(street, month, user=None):
    """Run a month synchronously (the task's body) and return the run."""
    run = services.evaluation_run_start(
        user=user, street=street, month=month, enqueue=False
    )
    services.evaluation_run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


def publish_month(world, month):
    run_month(world.street, month, world.street_admin)
    return services.month_publish(
        user=world.street_admin, street=world.street, month=month
    )


def results_snapshot(month):
    """The month's results as comparable tuples (what a rerun must reproduce)."""
    return sorted(
        (
            e.kind,
            e.unit_id or 0,
            e.committee_id or 0,
            e.community_id or 0,
            tuple(sorted(e.metrics.items())),
            str(e.score),
            e.computed_grade,
            e.grade,
        )
        for e in Evaluation.objects.filter(month=month)
    )


def set_grades(month, grades):
    """Force computed grades of a month's unit rows (to shape credit histories)."""
    for unit, grade in grades.items():
        Evaluation.objects.filter(month=month, unit=unit).update(
            grade=grade, computed_grade=grade
        )
