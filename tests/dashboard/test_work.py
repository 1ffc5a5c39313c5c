"""The work centre (我的待办, issue 19 item 1): its page, the count in the
header of every page, and the work first on each role's home page.

On the suite's date, Thursday 2026-06-18 10:00 (tests/clock.py).
"""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grids import services as grid_services
from meetings import services as meetings_services
from orgs.models import Committee, CommitteeKind
from tests import clock
from tests.conftest import login
from tests.meetings.conftest import TZ
from tests.work import listed
from volunteers import services as volunteer_services


@pytest.fixture(autouse=True)
def _on_the_suites_date():
    # Written for the suite's date, Thursday 2026-06-18 10:00 (tests/clock.py):
    # `make test-dates` moves the suite, these stay at their stated time.
    with clock.travel(clock.local(2026, 6, 18, 10, 0)):
        yield


PERSONAS = [
    "street_admin",
    "street_staff",
    "secretary_a",
    "unit_head_a",
    "grid_worker_a",
    "volunteer_a",
    "outsider",
]


@pytest.fixture
def party(world):
    """The 大党委 of communities A and B, no meeting yet this month."""
    for community in (world.a, world.b):
        Committee.objects.create(
            kind=CommitteeKind.BIG_PARTY,
            org=community,
            street=world.street,
            community=community,
            name="%s大党委" % community.name,
        )
    return world


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_persona_opens_his_work_centre(world, persona):
    response = login(getattr(world, persona)).get("/work/")
    assert response.status_code == 200
    assert "我的待办" in response.content.decode()


def test_an_empty_work_centre_says_so(world):
    html = login(world.grid_worker_a).get("/work/").content.decode()
    assert "没有待办事项" in html


def test_the_header_counts_the_work_on_every_page(party):
    client = login(party.secretary_a)
    for url in ("/work/", "/meetings/", "/accounts/security/"):
        html = client.get(url).content.decode()
        link = re.search(
            r'data-testid="work-link"[^>]*>[^<]*<span class="badge">(\d+)', html
        )
        assert link and link.group(1) == "1", url


def test_the_home_page_puts_the_work_before_the_figures(party):
    html = login(party.secretary_a).get("/").content.decode()
    work = html.index('data-testid="work-centre"')
    assert work < html.index('data-testid="figures"')
    assert "召开本月联席会议：甲社区大党委" in html
    # and never community B's
    assert "乙社区大党委" not in html[work : html.index('data-testid="figures"')]


@pytest.mark.parametrize("persona", ["street_admin", "unit_head_a", "grid_worker_a"])
def test_every_role_home_shows_the_work_centre(world, persona):
    html = login(getattr(world, persona)).get("/").content.decode()
    assert 'data-testid="work-centre"' in html


def test_the_work_page_lists_only_the_users_own_items(party):
    assert [t for _k, _u, t in listed(login(party.secretary_a))] == [
        "召开本月联席会议：甲社区大党委"
    ]
    assert [t for _k, _u, t in listed(login(party.secretary_b))] == [
        "召开本月联席会议：乙社区大党委"
    ]


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_header_count_needs_no_more_queries_for_more_work(party):
    client = login(party.secretary_a)
    committee = Committee.objects.get(community=party.a)
    _count_queries(client, "/accounts/security/")  # warm the session
    few = _count_queries(client, "/accounts/security/")
    # given many more items: problems waiting for an action item
    for n in range(6):
        meetings_services.problem_create(
            user=party.secretary_a, committee=committee, title="问题%s" % n
        )
    html = client.get("/accounts/security/").content.decode()
    assert '<span class="badge">7</span>' in html
    assert _count_queries(client, "/accounts/security/") == few


def test_an_overdue_item_says_so_and_comes_first(party):
    committee = Committee.objects.get(community=party.a)
    problem = meetings_services.problem_create(
        user=party.secretary_a, committee=committee, title="路灯不亮"
    )
    with clock.travel(datetime.datetime(2026, 6, 1, 10, 0, tzinfo=TZ)):
        meetings_services.action_item_create(
            user=party.secretary_a,
            problem=problem,
            unit=party.unit_a,
            title="更换路灯",
            due_on=datetime.date(2026, 6, 10),
        )
    client = login(party.secretary_a)
    assert listed(client)[0][0] == "meetings.action_item"
    assert "已逾期（2026-06-10）" in client.get("/work/").content.decode()


def test_the_volunteer_home_starts_with_his_work(world):
    volunteer_services.volunteer_register_self(
        user=world.volunteer_a,
        community=world.a,
        name="志愿者甲",
        phone="13800138000",
        kind="resident",
    )
    html = login(world.volunteer_a).get("/volunteers/").content.decode()
    assert 'data-testid="work-centre"' in html


def test_the_street_header_needs_no_more_queries_for_more_work(world):
    client = login(world.street_staff)
    _count_queries(client, "/accounts/security/")  # warm the session
    few = _count_queries(client, "/accounts/security/")
    # given more cells without a leader (each an item of the street's work)
    for n in range(4):
        grid_services.cell_create(
            user=world.street_admin, name="片区%s" % n, parent=world.cell_a
        )
    html = client.get("/work/").content.decode()
    assert html.count('data-work="grids.leader"') == 6
    assert _count_queries(client, "/accounts/security/") == few
