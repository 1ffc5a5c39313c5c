"""Which months may be run: the run page's default month, the months it
offers, why another month is refused, and the command's default — all at a
stated moment, 2026-06-18 10:00 (Asia/Shanghai), whatever day the suite runs.
"""

from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from evaluations.models import EvaluationRun, RunTrigger
from evaluations.months import add_months
from evaluations.selectors import RUN_MONTHS_OFFERED
from tests import clock
from tests.conftest import login
from tests.evaluations.conftest import publish_month

pytestmark = pytest.mark.dates

MAY_2026 = date(2026, 5, 1)
APRIL_2026 = date(2026, 4, 1)


@pytest.fixture
def mid_june():
    """The stated moment: a Thursday in the middle of June 2026."""
    with clock.travel(clock.local(2026, 6, 18, 10, 0)):
        yield


def _page(client):
    return client.get("/evaluations/").content.decode()


def test_the_month_field_defaults_to_last_month_while_it_is_unpublished(
    world, mid_june
):
    # when the street admin opens the run page in mid-June
    html = _page(login(world.street_admin))
    # then the month field holds May, the latest month that may be run
    assert 'name="month" value="2026-05"' in html
    # and the page lists the months that may be run, May first
    assert "可以评议（尚未发布）的是：<strong>2026-05、2026-04、2026-03" in html


def test_once_last_month_is_published_the_field_defaults_to_the_month_before(
    world, committees, mid_june
):
    # given May published
    publish_month(world, MAY_2026)
    # when the admin opens the run page
    html = _page(login(world.street_admin))
    # then April is offered, and May is no longer listed
    assert 'name="month" value="2026-04"' in html
    assert "可以评议（尚未发布）的是：<strong>2026-04、2026-03" in html
    assert "2026-05、" not in html


def test_the_current_month_is_refused_as_unfinished(world, mid_june):
    # when the admin starts June, the month not yet over
    response = login(world.street_admin).post(
        "/evaluations/runs/start/", {"month": "2026-06"}, follow=True
    )
    # then the page says why, offers May instead, and nothing is started
    html = response.content.decode()
    assert "只能评议已经结束的月份（2026-06 尚未结束）。" in html
    assert 'name="month" value="2026-05"' in html
    assert not EvaluationRun.objects.exists()


def test_a_published_month_is_refused_as_frozen(world, committees, mid_june):
    # given May published
    publish_month(world, MAY_2026)
    runs = EvaluationRun.objects.count()
    # when the admin starts May again
    response = login(world.street_admin).post(
        "/evaluations/runs/start/", {"month": "2026-05"}, follow=True
    )
    # then the page says it is frozen and which months may be run
    html = response.content.decode()
    assert "2026-05 的评议结果已发布，已冻结，不能再重新评议或调整。" in html
    assert "可以评议（尚未发布）的是：<strong>2026-04" in html
    assert EvaluationRun.objects.count() == runs


def test_with_every_offered_month_published_the_page_says_what_to_do(
    world, committees, mid_june
):
    # given the last twelve finished months all published
    for back in range(1, RUN_MONTHS_OFFERED + 1):
        publish_month(world, add_months(date(2026, 6, 1), -back))
    # when the admin opens the run page
    html = _page(login(world.street_admin))
    # then the field is empty and the page says no month may be run, and when
    # the current month can be
    assert 'name="month" value=' not in html
    assert "现在没有可以评议的月份" in html
    assert "本月（2026-06）结束后，2026-07-01 起可以评议本月" in html
    # and the command without a month says the same
    with pytest.raises(CommandError, match="没有可以评议的月份"):
        call_command("run_monthly_evaluation", "--no-wait")


def test_street_staff_see_no_month_to_run(world, mid_june):
    html = _page(login(world.street_staff))
    assert 'name="month"' not in html and "可以评议（尚未发布）" not in html


def test_the_command_runs_the_latest_month_that_may_be_run(world, committees, mid_june):
    # given May published
    publish_month(world, MAY_2026)
    # when the command is run without a month
    call_command("run_monthly_evaluation", "--no-wait")
    # then it starts April, the month the page offers
    run = EvaluationRun.objects.get(trigger=RunTrigger.COMMAND)
    assert run.month == APRIL_2026


def test_the_command_refuses_a_published_month_and_names_the_open_ones(
    world, committees, mid_june
):
    publish_month(world, MAY_2026)
    with pytest.raises(CommandError, match="已冻结.*可以评议的月份：2026-04、2026-03"):
        call_command("run_monthly_evaluation", "2026-05", "--no-wait")
