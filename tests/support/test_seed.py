"""The demo street's support figures (S18, S19) after ``seed_demo``."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from dashboard.stats import stats_for_scope
from portal.models import User
from portal.scope import Scope, scope_for
from support.models import Budget, SocialOrg, SpecialFund, Spending, Worker


@pytest.fixture
def seeded(db):
    call_command("seed_demo", "--password", "demo-pass-2019", stdout=StringIO())


def test_seed_gives_the_requirements_figures(seeded):
    figures = stats_for_scope(Scope(is_superuser=True))
    assert figures["workers"] >= 200
    assert 0 < figures["workers_under_training_requirement"] < figures["workers"] / 4
    assert figures["trainings_this_year"] > 0
    assert figures["social_orgs_incubated"] == 532
    assert figures["communities_underfunded"] == 1
    assert SocialOrg.objects.values("kind").distinct().count() == 4


def test_seed_gives_every_community_funds_spending_and_a_special_fund(seeded):
    today = timezone.localdate()
    communities = Budget.objects.filter(year=today.year).values("community").distinct()
    assert communities.count() == 11
    assert Spending.objects.exists()
    fund = SpecialFund.objects.get()
    kinds = set(fund.entries.values_list("kind", flat=True))
    assert kinds == {"contribution", "grant"}
    from support.selectors import special_fund_ledger

    assert all(e.balance >= 0 for e in special_fund_ledger(fund=fund))


def test_seeded_secretary_sees_her_community_only(seeded):
    secretary = User.objects.get(username="secretary1")
    figures = stats_for_scope(scope_for(secretary))
    community = secretary.role_assignments.get().org_node
    assert (
        figures["workers"]
        == Worker.objects.filter(community=community, left_on__isnull=True).count()
    )
    assert 0 < figures["workers"] < 40
    assert figures["communities_underfunded"] in (0, 1)


def test_seed_links_the_demo_grid_worker_to_his_cell(seeded):
    user = User.objects.get(username="gridworker1")
    worker = Worker.objects.get(person__user=user)
    assert worker.cells.count() == 1
