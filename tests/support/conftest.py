"""Factories for the support tests, on top of the shared ``world`` personas."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from orgs.models import Person
from support.models import (
    AttendanceStatus,
    Budget,
    BudgetLine,
    SocialOrg,
    SocialOrgKind,
    SpecialFund,
    Spending,
    Training,
    TrainingAttendance,
    Worker,
    WorkerType,
)

_counter = {"n": 0}


def _next():
    _counter["n"] += 1
    return _counter["n"]


def make_worker(
    community,
    *,
    worker_type=WorkerType.SOCIAL_WORKER,
    hired_on=None,
    left_on=None,
    name=None,
    employer="社区居委会",
):
    n = _next()
    person = Person.objects.create(
        name=name or f"工作者{n}",
        phone=f"139{n:08d}",
        street_id=community.street_id,
        community=community,
    )
    return Worker.objects.create(
        person=person,
        worker_type=worker_type,
        street_id=community.street_id,
        community=community,
        employer=employer,
        hired_on=hired_on or datetime.date(2020, 1, 1),
        left_on=left_on,
    )


def make_training(street, *, community=None, held_on=None, topic=None, audience=""):
    return Training.objects.create(
        street=street,
        community=community,
        topic=topic or f"轮训{_next()}",
        held_on=held_on or timezone.localdate(),
        trainer="区委党校",
        audience=audience,
    )


def attend(worker, training, status=AttendanceStatus.PRESENT):
    return TrainingAttendance.objects.create(
        training=training,
        worker=worker,
        street_id=worker.street_id,
        community_id=worker.community_id,
        status=status,
    )


def make_budgets(community, year, operating, party, service):
    rows = []
    for line, amount in (
        (BudgetLine.OPERATING, operating),
        (BudgetLine.PARTY_BUILDING, party),
        (BudgetLine.SERVICE, service),
    ):
        rows.append(
            Budget.objects.create(
                street_id=community.street_id,
                community=community,
                year=year,
                line=line,
                amount=Decimal(str(amount)),
            )
        )
    return rows


def make_spending(budget, amount="100.00", purpose="办公用品", spent_on=None):
    return Spending.objects.create(
        street_id=budget.street_id,
        community_id=budget.community_id,
        budget=budget,
        amount=Decimal(amount),
        spent_on=spent_on or datetime.date(budget.year, 1, 2),
        purpose=purpose,
    )


def make_social_org(street, community=None, *, name=None, kind=None):
    return SocialOrg.objects.create(
        street=street,
        community=community,
        name=name or f"兴趣队{_next()}",
        kind=kind or SocialOrgKind.INTEREST_GROUP,
        activity="广场舞",
        incubated_on=datetime.date(2024, 5, 1),
    )


def make_fund(street, name="专项基金"):
    return SpecialFund.objects.create(
        street=street,
        name=name,
        manager="第三方社工机构",
        established_on=datetime.date(2020, 1, 1),
    )


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Keep uploaded files of each test in its own directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
