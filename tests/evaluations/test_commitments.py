"""Two-way commitment (S20): units' views, the street's commitments, the
units' satisfaction survey and the results sent back to them."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from evaluations import services
from evaluations.models import CommitmentTheme, SurveyAnswer, SurveyStatus
from evaluations.selectors import survey_results
from portal.models import Notification
from tests.conftest import login


@pytest.fixture
def year_of_commitments(world):
    services.unit_view_submit(
        user=world.unit_head_a,
        unit=world.unit_a,
        year=2024,
        theme=CommitmentTheme.GOVERNANCE,
        content="希望街道牵头解决小区停车难。",
    )
    governance = services.commitment_create(
        user=world.street_staff,
        street=world.street,
        year=2024,
        theme=CommitmentTheme.GOVERNANCE,
        title="新增停车泊位 300 个",
    )
    service = services.commitment_create(
        user=world.street_staff,
        street=world.street,
        year=2024,
        theme=CommitmentTheme.PUBLIC_SERVICE,
        title="社区食堂覆盖全部社区",
    )
    return governance, service


def test_a_commitment_counts_the_views_collected_before_it(world, year_of_commitments):
    governance, service = year_of_commitments
    assert governance.views_considered == 1
    assert service.views_considered == 0


def test_units_rate_the_commitments_and_get_the_results_back(
    world, year_of_commitments, unit_head_b
):
    governance, service = year_of_commitments
    # given a survey of 2024
    survey = services.survey_open(
        user=world.street_staff, street=world.street, year=2024
    )
    # when two units answer (A changes its mind once)
    services.survey_answer(
        user=world.unit_head_a,
        survey=survey,
        unit=world.unit_a,
        scores={governance.pk: (3, ""), service.pk: (5, "很好")},
    )
    services.survey_answer(
        user=world.unit_head_a,
        survey=survey,
        unit=world.unit_a,
        scores={governance.pk: (4, "有改善")},
    )
    services.survey_answer(
        user=unit_head_b,
        survey=survey,
        unit=world.unit_b,
        scores={governance.pk: (2, "进度慢")},
    )
    # then one answer per unit and commitment, averaged per commitment
    assert SurveyAnswer.objects.count() == 3
    results = {row["commitment"].pk: row for row in survey_results(survey=survey)}
    assert (results[governance.pk]["answers"], results[governance.pk]["average"]) == (
        2,
        3.0,
    )
    assert results[service.pk]["average"] == 5.0
    # when the street sends the results back
    sent = services.survey_send_results(user=world.street_staff, survey=survey)
    # then every unit head has a notice with each commitment's figure
    assert sent == 2
    notice = Notification.objects.get(recipient=unit_head_b)
    assert "新增停车泊位 300 个：平均 3.0 分（2 家单位评价）" in notice.body
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.CLOSED and survey.results_sent_at
    # and the results are sent once, and no one answers after closing
    with pytest.raises(ValidationError, match="已经反馈"):
        services.survey_send_results(user=world.street_staff, survey=survey)
    with pytest.raises(ValidationError, match="已结束"):
        services.survey_answer(
            user=world.unit_head_a,
            survey=survey,
            unit=world.unit_a,
            scores={governance.pk: (1, "")},
        )


def test_survey_rules(world, year_of_commitments):
    governance, _service = year_of_commitments
    with pytest.raises(ValidationError, match="还没有承诺事项"):
        services.survey_open(user=world.street_staff, street=world.street, year=2030)
    survey = services.survey_open(
        user=world.street_staff, street=world.street, year=2024
    )
    with pytest.raises(ValidationError, match="1 到 5"):
        services.survey_answer(
            user=world.unit_head_a,
            survey=survey,
            unit=world.unit_a,
            scores={governance.pk: (6, "")},
        )
    with pytest.raises(PermissionDenied):
        services.survey_answer(
            user=world.unit_head_a,
            survey=survey,
            unit=world.unit_b,
            scores={governance.pk: (5, "")},
        )
    with pytest.raises(PermissionDenied):
        services.commitment_create(
            user=world.secretary_a,
            street=world.street,
            year=2024,
            theme=CommitmentTheme.DEVELOPMENT,
            title="书记不能代街道承诺",
        )


def test_the_pages_of_commitments_and_surveys(world, year_of_commitments):
    governance, service = year_of_commitments
    staff = login(world.street_staff)
    # staff open a survey from the commitments page
    response = staff.post(
        "/evaluations/commitments/?year=2024", {"action": "survey", "year": "2024"}
    )
    assert response.status_code == 302
    survey_url = response["Location"]
    # the unit head answers it on its page
    head = login(world.unit_head_a)
    page = head.get(survey_url).content.decode()
    assert "新增停车泊位 300 个" in page and "提交测评" in page
    response = head.post(
        survey_url,
        {
            "action": "answer",
            f"score_{governance.pk}": "4",
            f"comment_{governance.pk}": "有进展",
            f"score_{service.pk}": "",
        },
    )
    assert response.status_code == 302
    assert SurveyAnswer.objects.get().score == 4
    # the unit head sees no results until they are sent; staff see them
    assert "测评结果将在街道反馈后显示" in head.get(survey_url).content.decode()
    assert "4.0" in staff.get(survey_url).content.decode()
    # the commitments page lists the year's commitments with their average
    page = head.get("/evaluations/commitments/?year=2024").content.decode()
    assert "社区食堂覆盖全部社区" in page and "希望街道牵头解决小区停车难" in page
    # a unit head may give a view, not add a commitment
    response = head.post(
        "/evaluations/commitments/?year=2024",
        {"action": "commitment", "year": "2024", "theme": "governance", "title": "x"},
    )
    assert response.status_code == 403
