"""Funds and trainings in the street's work centre (issue 19, item 1).

On the suite's date, 2026-06-18 10:00 (tests/clock.py): the year is 2026.
"""

import datetime

import pytest

from tests import clock
from tests.conftest import login
from tests.support.conftest import attend, make_training, make_worker
from tests.work import find


@pytest.fixture(autouse=True)
def _on_the_suites_date():
    # Written for the suite's date, Thursday 2026-06-18 10:00 (tests/clock.py):
    # `make test-dates` moves the suite, these stay at their stated time.
    with clock.travel(clock.local(2026, 6, 18, 10, 0)):
        yield


def test_street_staff_fund_a_community_under_300000(world):
    # given no budget recorded this year (both communities total 0)
    client = login(world.street_staff)
    url, _title = find(client, "support.funds", "甲社区")
    assert find(client, "support.funds", "乙社区")
    assert url == "/support/funds/budget/?year=2026"
    assert client.get(url).status_code == 200
    # when A's operating budget is set to 300,000 through the linked form
    response = client.post(
        url,
        {
            "community": world.a.pk,
            "year": 2026,
            "line": "operating",
            "amount": "300000",
            "reason": "年初预算",
        },
    )
    assert response.status_code == 302
    # then A leaves the list, B stays
    assert not find(client, "support.funds", "甲社区")
    assert find(client, "support.funds", "乙社区")
    # and a secretary never gets the street's funds work
    assert not find(login(world.secretary_a), "support.funds")


def test_street_staff_see_a_community_short_of_trainings_until_it_is_trained(world):
    # given a worker of A trained once this year
    worker = make_worker(world.a, name="王社工")
    attend(worker, make_training(world.street, held_on=datetime.date(2026, 3, 1)))
    client = login(world.street_staff)
    url, title = find(client, "support.trainings", "甲社区")
    assert "1 名社区工作者" in _reason(client, title)
    assert url == "/support/workers/compliance/?community=%s" % world.a.pk
    assert "王社工" in client.get(url).content.decode()
    # when his second training's attendance is recorded
    training = make_training(world.street, held_on=datetime.date(2026, 6, 10))
    response = client.post(
        "/support/trainings/%s/" % training.pk, {"w%s" % worker.pk: "present"}
    )
    assert response.status_code == 302
    # then the community leaves the list
    assert not find(client, "support.trainings", "甲社区")


def _reason(client, title):
    html = client.get("/work/").content.decode()
    return html[html.index(title) :][:400]
