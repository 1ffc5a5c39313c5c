"""The street dashboard and the community dashboard (issue 8).

A small street is built here row by row (``build_street``): per community one
resident unit, a grid branch, one held 大党委 meeting a month with its minutes,
action items opened and closed, volunteers' check-ins, fulfilled wishes,
workers and budgets; the street's last month is evaluated and published by
the evaluations service. Community ``i`` gets ``i + 1`` of the countable
things, so each community's figures differ from the others'.
"""

import datetime
import json
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.boards import last_months
from evaluations import services as evaluation_services
from grids.models import Case, Cell, CellLevel
from meetings.models import (
    ActionItem,
    ActionItemStatus,
    Meeting,
    MeetingStatus,
    Problem,
    ProblemSource,
)
from orgs.models import Committee, CommitteeKind, OrgKind, Person, UnitKind
from orgs.services import org_node_create
from portal.models import Role, User
from support.models import Budget, BudgetLine, Worker
from tests.conftest import _user, login
from volunteers.models import Activity, CheckIn, ClaimStatus, MicroWish, Volunteer

pytestmark = pytest.mark.django_db

CHARTS = {"meetings", "action_items", "checkins", "wishes", "grades"}


def _local(day, hour=10, minute=0):
    tz = timezone.get_current_timezone()
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=tz)


def checkin(volunteer, at=None):
    """Record ``volunteer``'s check-in at a new activity of his community."""
    at = at or timezone.now()
    activity = Activity.objects.create(
        title="义诊",
        activity_type="medical",
        place="社区广场",
        starts_at=at,
        ends_at=at + datetime.timedelta(hours=2),
        capacity=50,
        points_per_hour=10,
        street=volunteer.street,
        community=volunteer.community,
        organiser=User.objects.first(),
    )
    return CheckIn.objects.create(
        activity=activity,
        volunteer=volunteer,
        street=volunteer.street,
        community=volunteer.community,
        checked_in_at=at,
    )


def build_street(code, communities, *, months=3, admin=True):
    """Build street ``code`` with ``communities`` communities and their facts.

    Facts are dated in the last ``months`` months (the current one included);
    the month before this one is evaluated and published.
    """
    street = org_node_create(kind=OrgKind.STREET, name=f"{code}街道", code=code)
    s = SimpleNamespace(street=street, communities=[], units=[])
    s.staff = _user(f"{code}_staff", Role.STREET_STAFF, street, street=street)
    s.admin = (
        _user(f"{code}_admin", Role.STREET_ADMIN, street, street=street)
        if admin
        else None
    )
    root = Cell.objects.create(
        level=CellLevel.COMMUNITY, code=f"{code}-G", name=f"{code}网格", street=street
    )
    dated = last_months(count=months)
    for i in range(communities):
        n = i + 1
        c = org_node_create(
            kind=OrgKind.COMMUNITY,
            name=f"{code}第{n}社区",
            code=f"{code}-{n:02d}",
            parent=street,
        )
        unit = org_node_create(
            kind=OrgKind.UNIT,
            name=f"{code}第{n}单位",
            code=f"{code}-{n:02d}-U1",
            parent=c,
            unit_kind=UnitKind.PRIVATE,
            headcount=30,
        )
        s.communities.append(c)
        s.units.append(unit)
        level1 = Cell.objects.create(
            level=CellLevel.COMMUNITY,
            code=f"{code}-{n:02d}-G",
            name=f"{c.name}网格",
            street=street,
            community=c,
            parent=root,
        )
        area = Cell.objects.create(
            level=CellLevel.AREA,
            code=f"{code}-{n:02d}-A1",
            name=f"{c.name}一片区",
            street=street,
            community=c,
            parent=level1,
        )
        unit_cell = Cell.objects.create(
            level=CellLevel.UNIT,
            code=f"{code}-{n:02d}-A1-U1",
            name=unit.name,
            street=street,
            community=c,
            parent=area,
        )
        Case.objects.create(
            cell=unit_cell,
            street=street,
            community=c,
            category="environment",
            title="楼道堆物",
            description="楼道堆放杂物",
            deadline=timezone.localdate() + datetime.timedelta(days=7),
            reporter_kind="resident",
        )
        committee = Committee.objects.create(
            kind=CommitteeKind.BIG_PARTY,
            org=c,
            street=street,
            community=c,
            name=f"{c.name}大党委",
        )
        for k in range(n):
            person = Person.objects.create(
                name=f"{c.name}居民{k}", street=street, community=c
            )
            volunteer = Volunteer.objects.create(
                person=person, street=street, community=c
            )
            Worker.objects.create(
                person=person,
                worker_type="social_worker",
                street=street,
                community=c,
                employer=f"{code}街道办事处",
                hired_on=datetime.date(2020, 1, 1),
            )
            for month in dated:
                checkin(volunteer, _local(month, 9))
        for month in dated:
            held = _local(month.replace(day=1), 9)
            Meeting.objects.create(
                committee=committee,
                street=street,
                community=c,
                month=month,
                held_at=held,
                place="会议室",
                status=MeetingStatus.HELD,
                minutes_filed_at=held + datetime.timedelta(hours=3),
            )
            problem = Problem.objects.create(
                committee=committee,
                street=street,
                community=c,
                source=ProblemSource.MEMBER_UNIT,
                title="路灯不亮",
            )
            for k in range(n):
                item = ActionItem.objects.create(
                    problem=problem,
                    committee=committee,
                    street=street,
                    community=c,
                    unit=unit,
                    title=f"修路灯{k}",
                    due_on=month + datetime.timedelta(days=20),
                    status=ActionItemStatus.DONE if k == 0 else ActionItemStatus.OPEN,
                    progress=100 if k == 0 else 0,
                    done_at=held if k == 0 else None,
                )
                ActionItem.objects.filter(pk=item.pk).update(created_at=held)
                MicroWish.objects.create(
                    title=f"心愿{k}",
                    street=street,
                    community=c,
                    status=ClaimStatus.CONFIRMED,
                    fulfilled_at=held,
                )
        for line in BudgetLine.values:
            Budget.objects.create(
                street=street,
                community=c,
                year=timezone.localdate().year,
                line=line,
                amount=Decimal("120000") if i else Decimal("50000"),
            )
    s.secretary = _user(
        f"{code}_secretary",
        Role.COMMUNITY_SECRETARY,
        s.communities[0],
        street=street,
        community=s.communities[0],
    )
    s.unit_head = _user(
        f"{code}_unit_head",
        Role.UNIT_HEAD,
        s.units[0],
        street=street,
        community=s.communities[0],
    )
    if admin and months > 1:
        evaluation_services.evaluation_run_execute(
            run_id=evaluation_services.evaluation_run_start(
                user=None, street=street, month=dated[-2], enqueue=False
            ).pk
        )
        evaluation_services.month_publish(user=s.admin, street=street, month=dated[-2])
    return s


@pytest.fixture
def small():
    return build_street("S", 3)


def stat(html, key):
    """Return the figure the card ``data-stat=key`` shows (None if no card)."""
    match = re.search(
        rf'data-stat="{key}"[^>]*>\s*<div class="value">([^<]*)</div>', html
    )
    return match and match.group(1).strip()


def chart_data(html):
    """Return the JSON the charts are drawn from, as the browser gets it."""
    match = re.search(
        r'<script id="dashboard-data" type="application/json">(.*?)</script>',
        html,
        re.S,
    )
    return json.loads(match.group(1))


def series(data, chart, index=0):
    return data["charts"][chart]["series"][index]["data"]


def test_street_staff_home_is_the_street_dashboard_with_the_seeded_figures(small):
    # when street staff open their home page
    response = login(small.staff).get("/")
    html = response.content.decode()
    # then the cards show the street's figures
    assert response.status_code == 200
    assert "街道工作人员工作台" in html
    assert stat(html, "communities") == "3"
    assert stat(html, "units") == "3"
    assert stat(html, "grid_cells_level_3") == "3"
    assert stat(html, "volunteers") == "6"  # 1 + 2 + 3
    assert stat(html, "workers") == "6"
    assert stat(html, "communities_underfunded") == "1"
    # and every chart has a container the script draws, with its data
    assert set(re.findall(r'data-chart="([a-z_]+)"', html)) == CHARTS
    data = chart_data(html)
    assert len(data["months"]) == 12
    assert series(data, "meetings") == [0] * 9 + [3, 3, 3]
    assert series(data, "checkins") == [0] * 9 + [6, 6, 6]
    assert series(data, "action_items", 0) == [0] * 9 + [6, 6, 6]  # opened
    assert series(data, "action_items", 1) == [0] * 9 + [3, 3, 3]  # closed
    assert series(data, "wishes") == [0] * 9 + [6, 6, 6]
    # the published month's three units are in the grade chart
    grades = [s["data"][10] for s in data["charts"]["grades"]["series"]]
    assert sum(grades) == 3
    # and the script and ECharts are served by the portal
    assert "/static/vendor/echarts/echarts.min.js" in html
    assert "/static/dashboard/dashboard.js" in html


def test_the_comparison_table_has_one_row_per_community_and_flags_low_funds(small):
    html = login(small.staff).get("/").content.decode()
    table = re.search(
        r'data-testid="community-comparison".*?</table>', html, re.S
    ).group(0)
    rows = re.findall(r'<tr data-community="(\d+)">(.*?)</tr>', table, re.S)
    assert [int(pk) for pk, _row in rows] == [c.pk for c in small.communities]
    first = rows[0][1]
    assert "S第1社区" in first and "cell-warn" in first  # 150,000 < 300,000
    assert all("cell-warn" not in row for _pk, row in rows[1:])
    # each name links to that community's dashboard
    url = f"/dashboard/communities/{small.communities[2].pk}/"
    assert f'href="{url}"' in table


def test_a_charts_data_table_lists_every_month_for_screen_readers(small):
    html = login(small.staff).get("/").content.decode()
    section = re.search(
        r'aria-labelledby="chart-checkins-title".*?</section>', html, re.S
    ).group(0)
    assert 'role="img"' in section and "aria-label=" in section
    assert section.count('<th scope="row">') == 12
    assert "查看数据表" in section


def test_secretary_home_is_the_community_dashboard_of_that_community_only(small):
    # when the secretary of community 1 opens her home page
    response = login(small.secretary).get("/")
    html = response.content.decode()
    # then she sees community 1's figures
    assert response.status_code == 200
    assert "社区书记工作台" in html and "S第1社区" in html
    assert stat(html, "units") == "1"
    assert stat(html, "volunteers") == "1"
    assert stat(html, "workers") == "1"
    assert stat(html, "communities") is None  # no street-wide card
    data = chart_data(html)
    assert series(data, "meetings") == [0] * 9 + [1, 1, 1]
    assert series(data, "checkins") == [0] * 9 + [1, 1, 1]
    assert series(data, "wishes") == [0] * 9 + [1, 1, 1]
    # and nothing of the other communities: no comparison, no names
    assert "community-comparison" not in html
    assert "S第2社区" not in html and "S第3社区" not in html
    # but her community's level-2 grid areas
    assert 'data-testid="grid-areas"' in html and "S第1社区一片区" in html


def test_street_staff_open_one_communitys_dashboard(small):
    third = small.communities[2]
    response = login(small.staff).get(f"/dashboard/communities/{third.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert stat(html, "volunteers") == "3"
    assert series(chart_data(html), "checkins") == [0] * 9 + [3, 3, 3]
    assert "S第1社区" not in html


def test_secretary_gets_404_on_another_communitys_dashboard(small):
    other = small.communities[1]
    client = login(small.secretary)
    assert client.get(f"/dashboard/communities/{other.pk}/").status_code == 404
    assert client.get("/dashboard/communities/999999/").status_code == 404
    own = small.communities[0]
    assert client.get(f"/dashboard/communities/{own.pk}/").status_code == 200


def test_street_staff_get_404_on_another_streets_community(small):
    other = build_street("T", 1, months=1, admin=False)
    url = f"/dashboard/communities/{other.communities[0].pk}/"
    assert login(small.staff).get(url).status_code == 404


def test_a_secretary_of_two_communities_switches_between_them(small):
    # given the secretary also serves community 2
    from portal.services import role_assign

    second = small.communities[1]
    role_assign(user=small.secretary, role=Role.COMMUNITY_SECRETARY, org_node=second)
    client = login(small.secretary)
    # then her home is community 1's, with a link to community 2's
    home = client.get("/").content.decode()
    assert stat(home, "volunteers") == "1"
    assert f'href="/dashboard/communities/{second.pk}/"' in home
    # which shows community 2 alone
    page = client.get(f"/dashboard/communities/{second.pk}/").content.decode()
    assert stat(page, "volunteers") == "2"
    assert "community-comparison" not in page


def test_other_roles_do_not_get_the_dashboards(small):
    community = small.communities[0]
    for user in (small.unit_head, small.secretary):
        assert login(user).get("/dashboard/").status_code == 403
    unit_head = login(small.unit_head)
    assert unit_head.get(f"/dashboard/communities/{community.pk}/").status_code == 403
    home = unit_head.get("/").content.decode()
    assert "单位党组织负责人工作台" in home
    assert "data-chart=" not in home and "dashboard-data" not in home


def test_people_without_a_role_get_403_and_anonymous_users_sign_in(small, world):
    assert login(world.outsider).get("/dashboard/").status_code == 403
    response = login(world.outsider).get("/")
    assert "还没有分配角色" in response.content.decode()
    from django.test import Client

    assert Client().get("/dashboard/")["Location"].startswith("/accounts/login/")


def test_a_write_shows_on_the_next_load(small):
    # given the page once
    client = login(small.staff)
    before = series(chart_data(client.get("/").content.decode()), "checkins")
    # when one more check-in lands this month
    checkin(Volunteer.objects.filter(community=small.communities[0]).first())
    # then the next load counts it (nothing cached)
    after = series(chart_data(client.get("/").content.decode()), "checkins")
    assert after[-1] == before[-1] + 1


def test_months_follow_the_local_time_zone(small):
    # a check-in at 00:30 Beijing time on the 1st is that month's, although
    # it is still the previous month in UTC
    volunteer = Volunteer.objects.filter(community=small.communities[0]).first()
    checkin(volunteer, _local(last_months()[-1], 0, 30))
    # and one of thirteen months ago is left out
    checkin(volunteer, _local(last_months(count=13)[0], 12))
    data = chart_data(login(small.secretary).get("/").content.decode())
    assert series(data, "checkins") == [0] * 9 + [1, 1, 2]


def test_a_street_without_facts_shows_empty_states(db):
    street = build_street("E", 1, months=1, admin=False)
    # remove the facts: a street just set up
    CheckIn.objects.all().delete()
    MicroWish.objects.all().delete()
    ActionItem.objects.all().delete()
    Meeting.objects.all().delete()
    html = login(street.staff).get("/").content.decode()
    assert "data-chart=" not in html
    assert html.count("近12个月暂无数据") == len(CHARTS)
    assert chart_data(html)["charts"] == {}


@override_settings(PORTAL_STATS_CACHE_SECONDS=0)  # count the cold path
def _queries(client, url):
    client.get(url)  # warm the session and the caches of the first request
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_communities():
    # given a street of 2 communities and one of twice as many, with a month
    # more of data
    small = build_street("Q", 2, months=2)
    large = build_street("R", 4, months=3)
    # then both dashboards ask the same number of queries
    assert _queries(login(small.staff), "/") == _queries(login(large.staff), "/")
    assert _queries(login(small.secretary), "/") == _queries(
        login(large.secretary), "/"
    )
    community = f"/dashboard/communities/{small.communities[1].pk}/"
    other = f"/dashboard/communities/{large.communities[3].pk}/"
    assert _queries(login(small.staff), community) == _queries(
        login(large.staff), other
    )


def test_last_months_ends_with_this_month_and_wraps_the_year():
    months = last_months(datetime.date(2025, 3, 17))
    assert months[0] == datetime.date(2024, 4, 1)
    assert months[-1] == datetime.date(2025, 3, 1)
    assert len(months) == 12 and months == sorted(months)
