"""Appeals and surveys in the work centre (issue 19, item 1).

On the suite's date, 2026-06-18 10:00 (tests/clock.py).
"""

import pytest

from evaluations import services
from evaluations.models import CommitmentTheme, CreditLevel, Grade
from tests import clock
from tests.conftest import login
from tests.evaluations.test_ratings import three_published_months
from tests.work import find


@pytest.fixture(autouse=True)
def _on_the_suites_date():
    # Written for the suite's date, Thursday 2026-06-18 10:00 (tests/clock.py):
    # `make test-dates` moves the suite, these stay at their stated time.
    with clock.travel(clock.local(2026, 6, 18, 10, 0)):
        yield


E = Grade.EXCELLENT


@pytest.fixture
def appeal(world, committees):
    # unit A rated by the rules after three published months (2024)
    three_published_months(world, committees, [{world.unit_a: E}] * 3)
    services.credit_rating_decide(
        user=world.street_admin,
        unit=world.unit_a,
        level=CreditLevel.B,
        stars=3,
        reason="群众投诉占道经营",
    )
    return services.appeal_submit(
        user=world.unit_head_a, unit=world.unit_a, reason="占道经营系相邻商户所为。"
    )


def test_the_admin_decides_an_appeal_from_the_work_centre(world, appeal):
    client = login(world.street_admin)
    url, title = find(client, "evaluations.appeal", "甲单位")
    assert url == "/evaluations/appeals/%s/" % appeal.pk
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"decision": "accept", "level": "A", "stars": "5", "reason": "经核实属实。"},
    )
    assert response.status_code == 302
    assert not find(client, "evaluations.appeal")


def test_only_who_decides_appeals_is_asked_to(world, appeal):
    for user in (world.street_staff, world.secretary_a, world.unit_head_a):
        assert not find(login(user), "evaluations.appeal")


@pytest.fixture
def survey(world):
    commitment = services.commitment_create(
        user=world.street_staff,
        street=world.street,
        year=2026,
        theme=CommitmentTheme.GOVERNANCE,
        title="新增停车泊位 300 个",
    )
    survey = services.survey_open(
        user=world.street_staff, street=world.street, year=2026, title="2026年承诺测评"
    )
    return survey, commitment


def test_the_unit_head_answers_a_survey_from_the_work_centre(world, survey):
    round_, commitment = survey
    client = login(world.unit_head_a)
    url, _title = find(client, "evaluations.survey", "2026年承诺测评")
    assert url == "/evaluations/surveys/%s/" % round_.pk
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "action": "answer",
            "score_%s" % commitment.pk: "4",
            "comment_%s" % commitment.pk: "",
        },
    )
    assert response.status_code == 302
    assert not find(client, "evaluations.survey")
    # street staff run the survey: nothing to answer there
    assert not find(login(world.street_staff), "evaluations.survey")
