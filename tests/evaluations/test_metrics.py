"""Metric providers: one aggregate query each, grouped on the facts' plain
unit/committee keys, counting only the month asked for."""

from datetime import date, datetime, time

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
from tests.evaluations.conftest import MAY, in_service_members, run_month

JUNE = date(2024, 6, 1)


def at(day, hour=10):
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture
def facts(world, committees):
    """Meetings, attendance, action items and escalations of May 2024, with
    decoys in April and June."""
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
    ],
)
def test_each_unit_provider_is_one_grouped_query(
    facts, key, expected, django_assert_num_queries
):
    w = facts
    provider = metrics.UNIT_PROVIDERS[key]
    with django_assert_num_queries(1):
        values = provider(w.street.pk, MAY, END, None)
    assert values == {getattr(w, name).pk: n for name, n in expected.items()}


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
    assert values == {getattr(committees, name).pk: n for name, n in expected.items()}


def test_providers_limit_themselves_to_the_ids_asked_for(facts):
    w = facts
    values = metrics.collect_unit_metrics(w.street.pk, MAY, END, [w.unit_a2.pk])
    assert list(values) == [w.unit_a2.pk]
    assert values[w.unit_a2.pk]["meetings_invited"] == 1  # not June's meeting
    assert values[w.unit_a2.pk]["actions_due"] == 0  # its item is due in June


def test_a_run_stores_the_providers_figures_and_scores_them(facts, committees):
    w = facts
    run_month(w.street, MAY, w.street_admin)
    a = Evaluation.objects.get(month=MAY, unit=w.unit_a)
    assert a.metrics["actions_due"] == 3 and a.metrics["meetings_attended"] == 1
    # attendance 100 (25), items 1/3 (25), service 0/4 (20), no services (30)
    assert str(a.score) == "33.33"  # (2500 + 833.33 + 0 + 0) / 100
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
