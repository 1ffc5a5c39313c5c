"""Metric providers: one aggregate query per fact table, grouped on the facts'
plain unit/committee keys, counting only the month asked for."""

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from evaluations import metrics
from evaluations.models import Evaluation
from meetings.models import (
    ActionItem,
    ActionItemStatus,
    AttendanceStatus,
    AttendeeKind,
    Meeting,
    MeetingStatus,
    Problem,
    ProblemSource,
    ProblemStatus,
)
from meetings.models import Attendance as MeetingAttendance
from orgs.models import Person
from tests.evaluations.conftest import MAY, in_service_members, run_month
from volunteers.models import (
    Activity,
    ActivityType,
    CheckIn,
    ClaimStatus,
    GroupServiceEvent,
    GroupServiceType,
    MicroWish,
    ServicePost,
    Volunteer,
    VolunteerKind,
)
from volunteers.models import Attendance as CheckInAttendance

JUNE = date(2024, 6, 1)


def at(day, hour=10):
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture
def facts(world, committees):
    """Meetings, action items, escalations, check-ins, wishes, posts and
    events of May 2024, with decoys in April and June."""
    w = world
    street = w.street

    def meeting(committee, month, status, held, filed=None):
        return Meeting.objects.create(
            committee=committee,
            street=street,
            community=committee.community,
            month=month,
            held_at=at(held),
            place="会议室",
            status=status,
            minutes_filed_at=at(filed) if filed else None,
        )

    m_a = meeting(
        committees.a, MAY, MeetingStatus.HELD, date(2024, 5, 10), date(2024, 5, 12)
    )
    m_b = meeting(
        committees.b, MAY, MeetingStatus.HELD, date(2024, 5, 10), date(2024, 5, 25)
    )
    meeting(committees.big, MAY, MeetingStatus.CANCELLED, date(2024, 5, 20))
    m_a_june = meeting(committees.a, JUNE, MeetingStatus.HELD, date(2024, 6, 10))

    def attend(m, unit, status, kind=AttendeeKind.MEMBER):
        MeetingAttendance.objects.create(
            meeting=m,
            kind=kind,
            name="参会人",
            status=status,
            street=street,
            community=m.community,
            unit=unit,
        )

    attend(m_a, w.unit_a, AttendanceStatus.PRESENT)
    attend(m_a, w.unit_a2, AttendanceStatus.ABSENT)
    attend(m_b, w.unit_b, AttendanceStatus.EXCUSED)  # neither for nor against
    attend(m_a, None, AttendanceStatus.PRESENT, AttendeeKind.RESIDENT)
    attend(m_a_june, w.unit_a2, AttendanceStatus.PRESENT)

    def problem(committee, status=ProblemStatus.IN_PROGRESS, **extra):
        return Problem.objects.create(
            committee=committee,
            street=street,
            community=committee.community,
            source=ProblemSource.MEMBER_UNIT,
            title="问题",
            status=status,
            **extra,
        )

    p = problem(committees.a)

    def item(committee, unit, due, done=None):
        return ActionItem.objects.create(
            problem=p,
            committee=committee,
            street=street,
            community=unit.community,
            unit=unit,
            title="举措",
            due_on=due,
            status=ActionItemStatus.DONE if done else ActionItemStatus.OVERDUE,
            progress=100 if done else 50,
            done_at=at(done) if done else None,
        )

    item(committees.a, w.unit_a, date(2024, 5, 15), date(2024, 5, 14))  # on time
    item(committees.a, w.unit_a, date(2024, 5, 20), date(2024, 5, 25))  # late
    item(committees.a, w.unit_a, date(2024, 5, 31))  # still open
    item(committees.a, w.unit_a2, date(2024, 6, 5), date(2024, 6, 1))  # June
    item(committees.b, w.unit_b, date(2024, 5, 10), date(2024, 5, 9))

    def escalation(origin_committee, escalated, resolved=None):
        origin = problem(
            origin_committee,
            ProblemStatus.RESOLVED if resolved else ProblemStatus.ESCALATED,
            result_at=at(resolved) if resolved else None,
        )
        upper = problem(
            committees.big,
            ProblemStatus.RESOLVED if resolved else ProblemStatus.OPEN,
            escalated_from=origin,
            result_at=at(resolved) if resolved else None,
        )
        Problem.objects.filter(pk=upper.pk).update(created_at=at(escalated))
        return origin, upper

    escalation(committees.a, date(2024, 4, 20), date(2024, 5, 5))  # solved in May
    escalation(committees.b, date(2024, 5, 20))  # pending
    escalation(committees.b, date(2024, 2, 1), date(2024, 3, 1))  # long closed

    # Volunteers: in-service party members of units A and B.
    def volunteer(unit, name):
        person = Person.objects.create(name=name, street=street, community=w.a)
        return Volunteer.objects.create(
            person=person,
            kind=VolunteerKind.IN_SERVICE,
            is_party_member=True,
            street=street,
            community=w.a,
            employer_unit=unit,
        )

    v1, v2, v3 = (
        volunteer(w.unit_a, "甲"),
        volunteer(w.unit_a, "乙"),
        volunteer(w.unit_b, "丙"),
    )

    def activity(day):
        return Activity.objects.create(
            title="活动",
            activity_type=ActivityType.CIVILITY,
            place="广场",
            starts_at=at(day, 9),
            ends_at=at(day, 11),
            capacity=10,
            points_per_hour=10,
            street=street,
            community=w.a,
            organiser=w.street_admin,
        )

    a1, a2, a3 = (
        activity(date(2024, 5, 3)),
        activity(date(2024, 5, 31)),
        activity(date(2024, 6, 1)),
    )

    def checkin(act, v, attendance=CheckInAttendance.PRESENT):
        CheckIn.objects.create(
            activity=act,
            volunteer=v,
            street=street,
            community=w.a,
            employer_unit=v.employer_unit,
            in_service=True,
            checked_in_at=act.starts_at,
            attendance=attendance,
        )

    checkin(a1, v1)
    checkin(a2, v1)
    checkin(a1, v2, CheckInAttendance.ABSENT)
    checkin(a3, v3)

    def claimed(model, unit, status, fulfilled):
        model.objects.create(
            title="认领",
            street=street,
            community=unit.community,
            status=status,
            claimed_by_unit=unit,
            fulfilled_at=at(fulfilled) if fulfilled else None,
        )

    claimed(MicroWish, w.unit_a, ClaimStatus.CONFIRMED, date(2024, 5, 3))
    claimed(MicroWish, w.unit_a, ClaimStatus.FULFILLED, date(2024, 5, 28))
    claimed(MicroWish, w.unit_a, ClaimStatus.CLAIMED, None)
    claimed(MicroWish, w.unit_b, ClaimStatus.CONFIRMED, date(2024, 6, 2))
    claimed(ServicePost, w.unit_b, ClaimStatus.CONFIRMED, date(2024, 5, 15))

    def event(unit, day):
        GroupServiceEvent.objects.create(
            unit=unit,
            street=street,
            community=unit.community,
            service_type=GroupServiceType.MEDICAL,
            title="义诊",
            held_on=day,
            residents_served=50,
        )

    event(w.unit_a, date(2024, 5, 1))
    event(w.unit_a, date(2024, 5, 31))
    event(w.unit_b, date(2024, 4, 30))
    in_service_members(world, w.unit_a, 4)
    return world


END = date(2024, 6, 1)


@pytest.mark.parametrize(
    "key, expected",
    [
        ("meetings_invited", {"unit_a": 1, "unit_a2": 1}),
        ("meetings_attended", {"unit_a": 1}),
        ("actions_due", {"unit_a": 3, "unit_b": 1}),
        ("actions_on_time", {"unit_a": 1, "unit_b": 1}),
        ("actions_overdue", {"unit_a": 2}),
        ("members_in_service", {"unit_a": 4}),
        ("members_served", {"unit_a": 1}),
        ("service_checkins", {"unit_a": 2}),
        ("wishes_fulfilled", {"unit_a": 2}),
        ("posts_fulfilled", {"unit_b": 1}),
        ("group_events", {"unit_a": 2}),
    ],
)
def test_each_unit_provider_is_one_grouped_query(
    facts, key, expected, django_assert_num_queries
):
    w = facts
    provider = metrics.UNIT_PROVIDERS[key]
    with django_assert_num_queries(1):
        values = provider(w.street.pk, MAY, END, None)
    counted = {pk: counts[key] for pk, counts in values.items() if counts[key]}
    assert counted == {getattr(w, name).pk: n for name, n in expected.items()}


@pytest.mark.parametrize(
    "key, expected",
    [
        ("meetings_held", {"a": 1, "b": 1}),
        ("minutes_on_time", {"a": 1}),
        ("actions_due", {"a": 3, "b": 1}),
        ("actions_done", {"a": 2, "b": 1}),
        ("escalations_total", {"a": 1, "b": 1, "big": 2}),
        ("escalations_resolved", {"a": 1, "big": 1}),
    ],
)
def test_each_committee_provider_is_one_grouped_query(
    facts, committees, key, expected, django_assert_num_queries
):
    provider = metrics.COMMITTEE_PROVIDERS[key]
    with django_assert_num_queries(1):
        values = provider(facts.street.pk, MAY, END, None)
    counted = {pk: counts[key] for pk, counts in values.items() if counts[key]}
    assert counted == {getattr(committees, name).pk: n for name, n in expected.items()}


def test_providers_limit_themselves_to_the_ids_asked_for(facts):
    w = facts
    values = metrics.collect_unit_metrics(w.street.pk, MAY, END, [w.unit_a2.pk])
    assert list(values) == [w.unit_a2.pk]
    assert values[w.unit_a2.pk]["meetings_invited"] == 1  # not June's meeting
    assert values[w.unit_a2.pk]["actions_due"] == 0  # its item is due in June
    values = metrics.collect_unit_metrics(w.street.pk, MAY, END, [w.unit_b.pk])
    assert values[w.unit_b.pk]["posts_fulfilled"] == 1
    assert values[w.unit_b.pk]["group_events"] == 0  # April's event is not May's


def test_a_run_stores_the_providers_figures_and_scores_them(facts, committees):
    w = facts
    run_month(w.street, MAY, w.street_admin)
    a = Evaluation.objects.get(month=MAY, unit=w.unit_a)
    assert a.metrics["actions_due"] == 3 and a.metrics["meetings_attended"] == 1
    assert a.metrics["members_served"] == 1 and a.metrics["group_events"] == 2
    # attendance 100 (25), items 1/3 (25), service 1/4 (20), 4 services of 2 (30)
    assert str(a.score) == "68.33"  # (2500 + 833.33 + 500 + 3000) / 100
    big = Evaluation.objects.get(month=MAY, committee=committees.big)
    # no meeting held (cancelled): minutes 0; no items due; escalations 1/2
    assert big.breakdown["minutes"]["score"] == 0.0
    assert big.breakdown["action_items"]["score"] is None
    assert big.breakdown["escalations"]["score"] == 50.0
    a_committee = Evaluation.objects.get(month=MAY, committee=committees.a)
    assert a_committee.metrics == {
        "meetings_held": 1,
        "minutes_on_time": 1,
        "actions_due": 3,
        "actions_done": 2,
        "escalations_total": 1,
        "escalations_resolved": 1,
    }


def test_a_check_in_late_on_the_last_evening_counts_in_its_month(facts):
    # 23:30 on 31 May in Xiangyang is still May, whatever the UTC date says
    w = facts
    late = Activity.objects.get(starts_at=at(date(2024, 5, 31), 9))
    CheckIn.objects.filter(activity=late).update(
        checked_in_at=at(date(2024, 5, 31), 23) + timedelta(minutes=30)
    )
    values = metrics.unit_service(w.street.pk, MAY, END, None)
    assert values[w.unit_a.pk]["service_checkins"] == 2
