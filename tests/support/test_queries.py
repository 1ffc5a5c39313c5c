"""List pages and API lists: the number of queries does not grow with rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from support.models import Budget
from tests.conftest import login
from tests.support.conftest import (
    attend,
    make_budgets,
    make_fund,
    make_social_org,
    make_spending,
    make_training,
    make_worker,
)

_years = iter(range(1999, 1000, -1))  # never this year


def _this_year_budget(community, today):
    budget = Budget.objects.filter(
        community=community, year=today.year, line="operating"
    ).first()
    return budget or make_budgets(community, today.year, "100000", "0", "0")[0]


def _add_rows(world, today, n):
    """Add ``n`` of each kind of row, spread over communities A and B."""
    fund = make_fund(world.street, name=f"基金{n}") if n else None
    for i in range(n):
        community = world.a if i % 2 else world.b
        worker = make_worker(community)
        worker.cells.add(world.cell_a if community == world.a else world.cell_b)
        training = make_training(world.street, community=community, held_on=today)
        attend(worker, training)
        make_social_org(world.street, community)
        make_budgets(community, next(_years), "1000", "0", "0")
        make_spending(_this_year_budget(community, today))
        from support import services

        services.special_fund_contribute(
            user=world.street_admin,
            fund=fund,
            amount="10",
            occurred_on=today,
            counterparty="x",
        )


def _count(fn):
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
    assert response.status_code == 200
    return len(ctx.captured_queries)


PAGES = [
    ("support:home", {}),
    ("support:workers", {}),
    ("support:compliance", {}),
    ("support:trainings", {}),
    ("support:social_orgs", {}),
    ("support:funds", {}),
    ("support:spendings", {"year": ""}),
    ("support:special_funds", {}),
    ("support:notice", {}),
]


@pytest.mark.parametrize("url_name, params", PAGES)
def test_page_query_count_does_not_grow_with_rows(world, today, url_name, params):
    client = login(world.street_admin)
    url = reverse(url_name)
    _add_rows(world, today, 2)
    client.get(url, params)  # warm caches (sessions, content types)
    with_two = _count(lambda: client.get(url, params))
    _add_rows(world, today, 8)
    with_ten = _count(lambda: client.get(url, params))
    assert with_ten == with_two


API_LISTS = [
    "/api/v1/workers/",
    "/api/v1/trainings/",
    "/api/v1/social-orgs/",
    "/api/v1/budgets/",
    "/api/v1/spendings/",
    "/api/v1/special-funds/",
]


@pytest.mark.parametrize("path", API_LISTS)
def test_api_list_query_count_does_not_grow_with_rows(world, today, path):
    client = APIClient()
    client.force_authenticate(world.secretary_a)
    _add_rows(world, today, 2)
    client.get(path)
    with_two = _count(lambda: client.get(path))
    _add_rows(world, today, 8)
    with_ten = _count(lambda: client.get(path))
    assert with_ten == with_two


def test_training_attendance_sheet_query_count_does_not_grow(world, today):
    training = make_training(world.street, held_on=today)
    client = login(world.street_admin)
    url = reverse("support:training_detail", args=[training.pk])
    for _ in range(2):
        attend(make_worker(world.a), training)
    client.get(url)
    with_two = _count(lambda: client.get(url))
    for _ in range(8):
        attend(make_worker(world.b), training)
    assert _count(lambda: client.get(url)) == with_two


def test_fund_ledger_query_count_does_not_grow(world, today):
    fund = make_fund(world.street)
    client = login(world.street_admin)
    url = reverse("support:special_fund_detail", args=[fund.pk])
    from support import services

    def add(n):
        for _ in range(n):
            services.special_fund_contribute(
                user=world.street_admin,
                fund=fund,
                amount="5",
                occurred_on=today,
                counterparty="x",
                unit=world.unit_a,
            )

    add(2)
    client.get(url)
    with_two = _count(lambda: client.get(url))
    add(8)
    assert _count(lambda: client.get(url)) == with_two
