"""The support API under /api/v1/: scope, permissions, writes through services."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from support.models import Spending, TrainingAttendance
from tests.support.conftest import (
    PDF_BYTES,
    make_budgets,
    make_fund,
    make_social_org,
    make_spending,
    make_training,
    make_worker,
)


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


ENDPOINTS = [
    "workers",
    "trainings",
    "social-orgs",
    "budgets",
    "spendings",
    "special-funds",
]


@pytest.mark.parametrize("prefix", ENDPOINTS)
def test_roles_without_support_view_get_403(world, prefix):
    for persona in ("unit_head_a", "grid_worker_a", "volunteer_a", "outsider"):
        response = api(getattr(world, persona)).get(f"/api/v1/{prefix}/")
        assert response.status_code == 403, persona


@pytest.mark.parametrize("prefix", ENDPOINTS)
def test_anonymous_callers_are_refused(db, prefix):
    assert APIClient().get(f"/api/v1/{prefix}/").status_code in (401, 403)


def test_secretary_of_b_gets_404_on_a_worker_budget_and_spending(world, today):
    worker = make_worker(world.a)
    (budget, *_rest) = make_budgets(world.a, today.year, "1000", "0", "0")
    spending = make_spending(budget)
    org = make_social_org(world.street, world.a)
    client = api(world.secretary_b)
    for path in (
        f"/api/v1/workers/{worker.pk}/",
        f"/api/v1/budgets/{budget.pk}/",
        f"/api/v1/spendings/{spending.pk}/",
        f"/api/v1/social-orgs/{org.pk}/",
    ):
        assert client.get(path).status_code == 404, path
        assert api(world.secretary_a).get(path).status_code == 200, path
    assert client.get("/api/v1/workers/").json()["count"] == 0
    assert client.get("/api/v1/budgets/").json()["count"] == 0


def test_worker_list_filters_under_requirement(world, today):
    short = make_worker(world.a)
    trained = make_worker(world.a)
    for _ in range(2):
        training = make_training(world.street, held_on=today)
        TrainingAttendance.objects.create(
            training=training,
            worker=trained,
            street=world.street,
            community=world.a,
        )
    rows = api(world.street_staff).get("/api/v1/workers/?compliance=under").json()
    assert [r["id"] for r in rows["results"]] == [short.pk]
    assert rows["results"][0]["trainings_this_year"] == 0


def test_street_staff_create_a_worker_and_secretary_gets_403(world):
    payload = {
        "name": "孙丽",
        "phone": "13800000002",
        "worker_type": "grid_worker",
        "community": world.a.pk,
        "employer": "综治中心",
        "hired_on": "2024-01-02",
        "cells": [world.cell_a.pk],
    }
    response = api(world.street_staff).post("/api/v1/workers/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["cells"] == [world.cell_a.code]
    payload["worker_type"] = "social_worker"
    assert (
        api(world.secretary_a)
        .post("/api/v1/workers/", payload, format="json")
        .status_code
        == 403
    )


def test_worker_in_a_community_outside_scope_is_a_400_not_a_leak(world):
    from orgs.models import OrgKind
    from orgs.services import org_node_create
    from support.models import Worker

    other_street = org_node_create(kind=OrgKind.STREET, name="另一街道", code="Y")
    elsewhere = org_node_create(
        kind=OrgKind.COMMUNITY, name="丙社区", code="Y-01", parent=other_street
    )
    payload = {
        "name": "孙丽",
        "worker_type": "grid_worker",
        "community": elsewhere.pk,
        "employer": "综治中心",
        "hired_on": "2024-01-02",
    }
    # street staff may hire workers, but not in another street's community
    response = api(world.street_staff).post("/api/v1/workers/", payload, format="json")
    assert response.status_code == 400
    assert "community" in response.json()
    # a secretary may hire nowhere: refused before the form is even read
    payload["community"] = world.b.pk
    response = api(world.secretary_a).post("/api/v1/workers/", payload, format="json")
    assert response.status_code == 403
    assert not Worker.objects.filter(person__name="孙丽").exists()


def test_attendance_is_recorded_through_the_api(world, today):
    training = make_training(world.street, community=world.a, held_on=today)
    worker = make_worker(world.a)
    url = f"/api/v1/trainings/{training.pk}/attendance/"
    response = api(world.secretary_a).post(
        url, {"rows": [{"worker": worker.pk, "status": "present"}]}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == [
        {
            "worker": worker.pk,
            "name": worker.person.name,
            "community": world.a.pk,
            "status": "present",
        }
    ]
    assert (
        api(world.secretary_b)
        .post(url, {"rows": [{"worker": worker.pk, "status": "absent"}]}, format="json")
        .status_code
        == 404
    )


def test_future_training_attendance_is_a_400_with_a_chinese_message(world, today):
    training = make_training(
        world.street, community=world.a, held_on=today + datetime.timedelta(days=5)
    )
    worker = make_worker(world.a)
    response = api(world.street_admin).post(
        f"/api/v1/trainings/{training.pk}/attendance/",
        {"rows": [{"worker": worker.pk, "status": "present"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "尚未举行" in str(response.json())


def test_budget_is_set_and_underfunded_is_visible_in_stats(world, today):
    response = api(world.street_admin).post(
        "/api/v1/budgets/",
        {"community": world.a.pk, "year": today.year, "line": "service", "amount": "1"},
        format="json",
    )
    assert response.status_code == 201
    assert (
        api(world.street_admin).get("/api/v1/stats/").json()["communities_underfunded"]
        == 2
    )


def test_spending_upload_through_the_api_checks_the_content(world, today):
    (budget, *_rest) = make_budgets(world.a, today.year, "1000", "0", "0")
    client = api(world.secretary_a)
    bad = client.post(
        "/api/v1/spendings/",
        {
            "budget": budget.pk,
            "amount": "10",
            "spent_on": today.isoformat(),
            "purpose": "x",
            "attachment": SimpleUploadedFile("a.pdf", b"MZ\x90\x00 exe"),
        },
        format="multipart",
    )
    assert bad.status_code == 400 and "attachment" in bad.json()
    good = client.post(
        "/api/v1/spendings/",
        {
            "budget": budget.pk,
            "amount": "10",
            "spent_on": today.isoformat(),
            "purpose": "x",
            "attachment": SimpleUploadedFile("a.pdf", PDF_BYTES),
        },
        format="multipart",
    )
    assert good.status_code == 201, good.json()
    assert good.json()["attachment_url"].endswith(
        f"/support/funds/spendings/{Spending.objects.get().pk}/attachment/"
    )
    # B's secretary cannot spend A's budget: it is not among her budgets.
    other = api(world.secretary_b).post(
        "/api/v1/spendings/",
        {
            "budget": budget.pk,
            "amount": "1",
            "spent_on": today.isoformat(),
            "purpose": "x",
        },
        format="json",
    )
    assert other.status_code == 400


def test_special_fund_ledger_through_the_api(world, today):
    fund = make_fund(world.street)
    client = api(world.street_admin)
    url = f"/api/v1/special-funds/{fund.pk}/entries/"
    assert (
        client.post(
            url,
            {
                "kind": "contribution",
                "amount": "100",
                "occurred_on": today.isoformat(),
                "counterparty": "爱心企业",
            },
            format="json",
        ).status_code
        == 201
    )
    refused = client.post(
        url,
        {
            "kind": "grant",
            "amount": "101",
            "occurred_on": today.isoformat(),
            "counterparty": "甲",
            "purpose": "帮扶",
        },
        format="json",
    )
    assert refused.status_code == 400 and "余额不足" in str(refused.json())
    ledger = client.get(url).json()
    assert ledger["count"] == 1 and ledger["results"][0]["balance"] == "100.00"
    assert api(world.secretary_a).get(url).status_code == 404
