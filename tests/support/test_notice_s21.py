"""The routine notice's S21 sections: the joint meetings' supervised items and
the units' co-building, filled by the meetings, volunteers and evaluations
apps' selectors, scoped to the street, on the page and in the export."""

import datetime
from io import BytesIO
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from evaluations.models import CreditRating, Evaluation, Grade, RatingSource
from meetings.models import (
    ActionItem,
    ActionItemStatus,
    Meeting,
    MeetingStatus,
    Problem,
    ProblemSource,
)
from meetings.rotation import add_months
from orgs.models import Committee, CommitteeKind, OrgKind, Person, UnitKind
from orgs.services import org_node_create
from portal.models import Role
from portal.scope import scope_for
from support.notices import NoticePeriod, notice_build
from tests.conftest import _user, login
from tests.evaluations.conftest import run_month, set_grades
from volunteers.models import (
    Activity,
    ActivityType,
    Attendance,
    CheckIn,
    ClaimStatus,
    GroupServiceEvent,
    MicroWish,
    Volunteer,
    VolunteerKind,
)

pytestmark = pytest.mark.dates

TZ = ZoneInfo("Asia/Shanghai")


def _at(day, hour=15):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=TZ)


@pytest.fixture
def months():
    """The two months before this one: the notice's period."""
    this = timezone.localdate().replace(day=1)
    first, second = add_months(this, -2), add_months(this, -1)
    return SimpleNamespace(
        first=first,
        second=second,
        period=NoticePeriod(first, this - datetime.timedelta(days=1)),
    )


def _sections(user, period):
    notice = notice_build(scope=scope_for(user), period=period)
    return {s.key: s for s in notice.sections}


# -- the data: one street's meetings, volunteering, grades and ratings ------------------


def _meeting(committee, month, *, status=MeetingStatus.HELD, minutes=True):
    held_at = _at(month + datetime.timedelta(days=9))
    return Meeting.objects.create(
        committee=committee,
        street=committee.street,
        community=committee.community,
        month=month,
        held_at=held_at,
        place="党群服务中心",
        status=status,
        minutes_html="<p>纪要</p>" if minutes else "",
        minutes_filed_at=held_at + datetime.timedelta(days=1) if minutes else None,
    )


def _item(problem, unit, title, due_on, *, done_at=None, progress=0):
    return ActionItem.objects.create(
        problem=problem,
        meeting=problem.meeting,
        committee=problem.committee,
        street=problem.street,
        community=problem.community,
        unit=unit,
        title=title,
        due_on=due_on,
        status=ActionItemStatus.DONE if done_at else ActionItemStatus.IN_PROGRESS,
        progress=100 if done_at else progress,
        done_at=done_at,
    )


def _problem(committee, meeting, title):
    return Problem.objects.create(
        committee=committee,
        meeting=meeting,
        street=committee.street,
        community=committee.community,
        source=ProblemSource.MEMBER_UNIT,
        title=title,
    )


def _volunteer(w, community, name, *, unit=None, registered_on):
    person = Person.objects.create(
        name=name, phone="13700000000", street=w.street, community=community
    )
    return Volunteer.objects.create(
        person=person,
        kind=VolunteerKind.IN_SERVICE if unit else VolunteerKind.RESIDENT,
        is_party_member=unit is not None,
        street=w.street,
        community=community,
        employer_unit=unit,
        registered_on=registered_on,
    )


def _activity(w, community, day):
    return Activity.objects.create(
        title="清理楼道",
        activity_type=ActivityType.ENVIRONMENT,
        place="小区",
        starts_at=_at(day, 9),
        ends_at=_at(day, 11),
        capacity=30,
        points_per_hour=10,
        street=w.street,
        community=community,
        organiser=w.street_admin,
    )


def _checkin(activity, volunteer, minutes, attendance=Attendance.PRESENT):
    return CheckIn.objects.create(
        activity=activity,
        volunteer=volunteer,
        street=activity.street,
        community=activity.community,
        employer_unit=volunteer.employer_unit,
        in_service=volunteer.employer_unit_id is not None,
        checked_in_at=activity.starts_at,
        minutes=minutes,
        attendance=attendance,
    )


def _wish(w, community, fulfilled_at, *, unit=None, volunteer=None):
    return MicroWish.objects.create(
        street=w.street,
        community=community,
        title="轮椅一台",
        status=ClaimStatus.CONFIRMED,
        claimed_by_unit=unit,
        claimed_by_volunteer=volunteer,
        fulfilled_at=fulfilled_at,
    )


def _rating(unit, level, stars, as_of, previous=None):
    return CreditRating.objects.create(
        street_id=unit.street_id,
        community_id=unit.community_id,
        unit=unit,
        level=level,
        stars=stars,
        derived_level=level,
        derived_stars=stars,
        source=RatingSource.DERIVED,
        as_of_month=as_of,
        previous=previous,
    )


def build(w, m, *, big_working=True):
    """Give the street ``w`` (communities ``a``, ``b``, units ``unit_a``,
    ``unit_a2``, ``unit_b``) the period's records of every S21 kind."""
    committees = [
        Committee.objects.create(
            kind=CommitteeKind.BIG_PARTY,
            org=c,
            street=w.street,
            community=c,
            name="%s大党委" % c.name,
        )
        for c in (w.a, w.b)
    ]
    party_a, party_b = committees
    if big_working:
        working = Committee.objects.create(
            kind=CommitteeKind.BIG_WORKING,
            org=w.street,
            street=w.street,
            name="%s大工委" % w.street.name,
        )
        _meeting(working, m.first)
        _meeting(working, m.second)
    # A: both held, the second without minutes; B: the first cancelled.
    a_first = _meeting(party_a, m.first)
    _meeting(party_a, m.second, minutes=False)
    _meeting(party_b, m.first, status=MeetingStatus.CANCELLED, minutes=False)
    b_second = _meeting(party_b, m.second)
    lamp = _problem(party_a, a_first, "路灯不亮")
    road = _problem(party_b, b_second, "道路破损")
    day = datetime.timedelta(days=1)
    _item(lamp, w.unit_a, "更换路灯", m.first + 14 * day, done_at=_at(m.first))
    _item(
        lamp,
        w.unit_a2,
        "加装路灯",
        m.second + 9 * day,
        done_at=_at(m.second + 11 * day),
    )
    _item(road, w.unit_b, "修补路面", m.second + 19 * day, progress=40)
    _item(lamp, w.unit_a, "排查线路", m.first - 10 * day)  # overdue before the period
    _item(road, w.unit_b, "铺设盲道", timezone.localdate() + 10 * day)  # not yet due
    # Volunteering: a resident, three in-service members (A: two, B: one).
    before = m.first - 30 * day
    resident = _volunteer(w, w.a, "居民甲", registered_on=before)
    keen = _volunteer(w, w.a, "党员甲", unit=w.unit_a, registered_on=before)
    once = _volunteer(w, w.a, "党员乙", unit=w.unit_a, registered_on=before)
    idle = _volunteer(w, w.b, "党员丙", unit=w.unit_b, registered_on=before)
    first_activity = _activity(w, w.a, m.first + 4 * day)
    second_activity = _activity(w, w.a, m.second + 4 * day)
    _checkin(first_activity, resident, 120)
    _checkin(first_activity, keen, 60)
    _checkin(second_activity, keen, 60)
    _checkin(first_activity, once, 60)
    _checkin(second_activity, idle, 0, attendance=Attendance.ABSENT)
    _wish(w, w.a, _at(m.second + 2 * day), unit=w.unit_a)
    _wish(w, w.b, _at(m.second + 3 * day), volunteer=resident)
    _wish(w, w.b, _at(m.first - 3 * day), unit=w.unit_b)  # before the period
    GroupServiceEvent.objects.create(
        unit=w.unit_b,
        street=w.street,
        community=w.b,
        service_type="medical",
        title="义诊",
        held_on=m.second + 5 * day,
        residents_served=80,
    )
    # Ratings: A first rated in the period, B lowered from B★★★ to C★★.
    _rating(w.unit_a, "A", 5, m.first)
    earlier = _rating(w.unit_b, "B", 3, add_months(m.first, -2))
    _rating(w.unit_b, "C", 2, m.second, previous=earlier)
    return SimpleNamespace(idle=idle)


def grade(w, m):
    """Run and publish the second month with A excellent, A2 good, B poor."""
    run_month(w.street, m.second, w.street_admin)
    set_grades(
        m.second,
        {w.unit_a: Grade.EXCELLENT, w.unit_a2: Grade.GOOD, w.unit_b: Grade.POOR},
    )
    from evaluations import services

    services.month_publish(user=w.street_admin, street=w.street, month=m.second)


@pytest.fixture
def s21(world, months):
    data = build(world, months)
    grade(world, months)
    return data


def _street(name, code):
    """Another street shaped like ``world``'s, with its own admin."""
    street = org_node_create(kind=OrgKind.STREET, name=name, code=code)
    return _communities(street, code, _user(f"admin-{code}", Role.STREET_ADMIN, street))


def _communities(street, code, admin):
    a = org_node_create(
        kind=OrgKind.COMMUNITY, name=f"{code}甲", code=f"{code}-01", parent=street
    )
    b = org_node_create(
        kind=OrgKind.COMMUNITY, name=f"{code}乙", code=f"{code}-02", parent=street
    )

    def unit(community, n, kind):
        return org_node_create(
            kind=OrgKind.UNIT,
            name=f"{community.name}{n}单位",
            code=f"{community.code}-U{n}",
            parent=community,
            unit_kind=kind,
            headcount=10,
        )

    return SimpleNamespace(
        street=street,
        a=a,
        b=b,
        unit_a=unit(a, 1, UnitKind.PRIVATE),
        unit_a2=unit(a, 2, UnitKind.AGENCY),
        unit_b=unit(b, 1, UnitKind.MERCHANT),
        street_admin=admin,
    )


# -- the sections ------------------------------------------------------------------------


def test_notice_reports_meetings_held_their_minutes_and_the_overdue_items(
    world, months, s21
):
    # when the notice covers the two months before this one
    sections = _sections(world.street_admin, months.period)
    # then each committee's meetings and minutes are counted
    meetings = sections["meetings"]
    assert meetings.rows == [
        ["测试街道大工委", 2, 2, 0, 2, 0],
        ["甲社区大党委", 2, 2, 0, 1, 1],
        ["乙社区大党委", 2, 1, 1, 1, 0],
        ["合计", 6, 5, 1, 4, 1],
    ]
    assert "共安排6次，已召开5次、取消1次；提交会议纪要4份" in meetings.summary
    assert "逾期未提交纪要1次" in meetings.summary
    # and the supervised items: due in the period, and overdue by name
    items = sections["supervised_items"]
    assert items.summary.startswith(
        "本期到期解决举措3项，按期完成1项、逾期完成1项、尚未完成1项；"
        "截至目前逾期未完成2项（其中以前各期遗留1项）"
    )
    today = timezone.localdate()
    old_due = months.first - datetime.timedelta(days=10)
    road_due = months.second + datetime.timedelta(days=19)
    assert items.rows == [
        ["甲社区大党委", "甲社区", "甲单位", "路灯不亮", "排查线路", old_due, 0,
         (today - old_due).days],
        ["乙社区大党委", "乙社区", "乙单位", "道路破损", "修补路面", road_due, 40,
         (today - road_due).days],
    ]  # fmt: skip


def test_notice_reports_the_units_volunteering_and_in_service_members(
    world, months, s21
):
    sections = _sections(world.street_admin, months.period)
    co_building = sections["co_building"]
    # then per unit: group services, people served, wishes, members, services, short
    assert co_building.rows == [
        ["甲单位", "甲社区", 0, 0, 1, 2, 3, 1],
        ["乙单位", "乙社区", 1, 80, 0, 1, 0, 1],
        ["合计", "", 1, 80, 1, 3, 3, 2],
    ]
    assert co_building.summary == (
        "本期志愿服务4人次（3名志愿者）、5.0小时；实现微心愿2个，其中驻街单位认领1个；"
        "驻街单位开展组团式服务1场，服务群众80人次。在职党员3名到社区报到，本期服务3次，"
        "其中2名有整月未参加社区服务（每月至少1次）。"
    )


def test_an_in_service_member_is_short_only_for_months_that_are_over(
    world, months, s21
):
    # given a notice of this month alone (not over yet)
    this = timezone.localdate().replace(day=1)
    period = NoticePeriod(this, add_months(this, 1) - datetime.timedelta(days=1))
    # then no member is short yet
    rows = _sections(world.street_admin, period)["co_building"].rows
    assert all(row[-1] == 0 for row in rows)


def test_notice_reports_the_months_grades_and_the_rating_changes(world, months, s21):
    sections = _sections(world.street_admin, months.period)
    evaluations = sections["evaluations"]
    label = "%s年%s月" % (months.second.year, months.second.month)
    assert evaluations.summary == (
        f"{label}评议结果：优秀1个、良好1个、一般0个、较差1个。"
        "截至期末，信用等级A级1个、B级0个、C级1个、D级0个；本期新评定或调整评级2个。"
    )
    # the excellent and the poor unit by name, with their ratings and changes
    rows = [[*r[:3], *r[4:]] for r in evaluations.rows]
    assert rows == [
        ["甲单位", "甲社区", "优秀", "A", 5, "首次评定"],
        ["乙单位", "乙社区", "较差", "C", 2, "B级3星 → C级2星"],
    ]


def test_another_streets_records_stay_out_of_the_notice(world, months, s21):
    # given
    before = _sections(world.street_admin, months.period)
    # when another street has the same records, its month published too
    other = _street("其他街道", "O")
    build(other, months)
    grade(other, months)
    # then this street's notice reads the same, and the other's its own
    after = _sections(world.street_admin, months.period)
    for key in ("meetings", "supervised_items", "co_building", "evaluations"):
        assert (after[key].summary, after[key].rows) == (
            before[key].summary,
            before[key].rows,
        )
    theirs = _sections(other.street_admin, months.period)
    assert theirs["meetings"].rows[0][0] == "其他街道大工委"


def test_notice_page_and_export_show_the_s21_sections(world, months, s21):
    params = {"start": months.period.start, "end": months.period.end}
    client = login(world.street_admin)
    # when the page and the workbook are fetched
    html = client.get(reverse("support:notice"), params).content.decode()
    export = client.get(reverse("support:notice_xlsx"), params)
    # then the page shows the figures
    for text in (
        "联席会议召开情况",
        "已召开5次",
        "修补路面",
        "驻街单位共驻共建情况",
        "服务群众80人次",
        "B级3星 → C级2星",
    ):
        assert text in html
    assert "尚未提供" not in html and "暂不列入" not in html
    # and the workbook the same, one sheet per section
    book = load_workbook(BytesIO(export.content))
    assert {"联席会议召开情况", "联席会议督办事项"} <= set(book.sheetnames)
    co_building = [
        [c for c in row if c is not None]
        for row in book["驻街单位共驻共建情况"].iter_rows(values_only=True)
    ]
    assert ["乙单位", "乙社区", 1, 80, 0, 1, 0, 1] in co_building
    summary = [
        [c for c in row if c is not None]
        for row in book["通报概要"].iter_rows(values_only=True)
    ]
    assert any(
        row and row[0] == "联席会议督办事项" and "逾期未完成2项" in row[1]
        for row in summary
    )


def test_notice_queries_do_not_grow_with_communities_and_units(world, months, s21):
    client = login(world.street_admin)
    params = {"start": months.period.start, "end": months.period.end}
    url = reverse("support:notice")
    client.get(url, params)  # warm caches (session, content types)
    with CaptureQueriesContext(connection) as small:
        client.get(url, params)
    # when two more communities with their units and records join the street
    more = _communities(world.street, "T9", world.street_admin)
    build(more, months, big_working=False)
    graded = Evaluation.objects.filter(month=months.second, kind="unit").first()
    for unit, g in ((more.unit_a, Grade.EXCELLENT), (more.unit_b, Grade.POOR)):
        Evaluation.objects.create(
            street=world.street,
            community_id=unit.community_id,
            kind="unit",
            unit=unit,
            month=months.second,
            run=graded.run,
            policy=graded.policy,
            publication=graded.publication,
            score=graded.score,
            computed_grade=g,
            grade=g,
        )
    with CaptureQueriesContext(connection) as large:
        response = client.get(url, params)
    # then the notice shows more, with as many queries
    co_building = response.context["notice"].sections[2]
    assert co_building.rows[-1][2:] == [2, 160, 2, 6, 6, 4]
    assert len(response.context["notice"].sections[3].rows) == 4
    assert len(large.captured_queries) == len(small.captured_queries)
