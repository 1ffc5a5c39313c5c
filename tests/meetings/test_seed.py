"""The demo seed: twelve months per committee, every state, deterministic, fast."""

import io
import random
from datetime import date

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from meetings import seed as meetings_seed
from meetings.models import (
    ActionItem,
    Attendance,
    Meeting,
    Problem,
    ProblemEvent,
    SectionInspection,
)
from portal.demo import SeedContext
from portal.models import Reminder

TODAY = date(2024, 6, 20)


def ctx_for(mworld, today=TODAY, committees=True):
    data = {
        "today": today,
        "street": mworld.street,
        "communities": [mworld.a, mworld.b],
        "unit_head_unit": mworld.unit_a,
        "users": {
            "admin": mworld.street_admin,
            "staff": mworld.street_staff,
            "secretary1": mworld.secretary_a,
            "secretary2": mworld.secretary_b,
            "unithead1": mworld.unit_head_a,
        },
    }
    if committees:
        data["committees"] = {
            "big_working": mworld.big_working,
            "big_party": {mworld.a.pk: mworld.party_a, mworld.b.pk: mworld.party_b},
        }
    return SeedContext(
        rng=random.Random(20190601), stdout=io.StringIO(), password="x", data=data
    )


def signature():
    return (
        list(
            Meeting.objects.order_by("committee_id", "month").values_list(
                "month", "status", "chair_id", "minutes_filed_at"
            )
        ),
        list(Problem.objects.order_by("id").values_list("title", "status", "progress")),
        list(
            ActionItem.objects.order_by("id").values_list(
                "title", "status", "due_on", "progress"
            )
        ),
    )


def test_without_committees_the_seed_does_nothing_and_says_why(mworld):
    ctx = ctx_for(mworld, committees=False)
    meetings_seed.seed(ctx)
    assert "跳过" in ctx.stdout.getvalue()
    assert not Meeting.objects.exists()


def test_the_seed_makes_a_year_of_meetings_in_every_state(mworld):
    ctx = ctx_for(mworld)
    meetings_seed.seed(ctx)
    # the twelve finished months, two lead-in months and the current month
    assert Meeting.objects.count() == 45
    months = sorted(set(Meeting.objects.values_list("month", flat=True)))
    assert months[0] == date(2023, 4, 1) and months[-1] == date(2024, 6, 1)
    # past meetings held, with attendance; most with minutes, a few missing
    held = Meeting.objects.filter(status="held")
    assert held.count() >= 33
    assert Attendance.objects.filter(kind="member").exists()
    assert Attendance.objects.filter(kind="resident").exists()
    missing = held.filter(minutes_filed_at__isnull=True).count()
    assert 1 <= missing <= 3
    # chairs by the rotation
    assert not Meeting.objects.filter(
        committee=ctx.data["committees"]["big_party"][mworld.a.pk],
        chair__is_unit_secretary=False,
    ).exists()
    # action items in every state, problems in every state, escalations both ways
    states = set(ActionItem.objects.values_list("status", flat=True))
    assert states == {"open", "in_progress", "done", "overdue"}
    pstates = set(Problem.objects.values_list("status", flat=True))
    assert {"open", "in_progress", "resolved", "escalated", "answered"} <= pstates
    uppers = Problem.objects.filter(escalated_from__isnull=False)
    assert uppers.exists() and all(
        p.committee_id == mworld.big_working.pk for p in uppers
    )
    assert Problem.objects.filter(
        escalated_from__isnull=False, status="resolved"
    ).exists()
    # done items have evidence, overdue ones are past due
    assert not ActionItem.objects.filter(status="done", evidence="").exists()
    assert not ActionItem.objects.filter(status="overdue", due_on__gte=TODAY).exists()
    # the unit head of the demo has things on his list
    assert ActionItem.objects.filter(unit=mworld.unit_a).exists()
    # history has real dates, not all "now"
    years = set(ProblemEvent.objects.values_list("created_at__year", flat=True))
    assert 2023 in years
    assert SectionInspection.objects.exists()
    # and it says what it made
    assert "场会议" in ctx.stdout.getvalue()


def test_the_seed_is_the_same_every_time(mworld):
    with transaction.atomic():
        meetings_seed.seed(ctx_for(mworld))
        first = signature()
        transaction.set_rollback(True)
    assert not Meeting.objects.exists()
    meetings_seed.seed(ctx_for(mworld))
    assert signature() == first


def test_the_seed_is_bulk(mworld):
    with CaptureQueriesContext(connection) as queries:
        meetings_seed.seed(ctx_for(mworld))
    # a handful per model and per upcoming item, never one per row of history
    assert len(queries.captured_queries) < 200
    assert Attendance.objects.count() + ProblemEvent.objects.count() > 300


@pytest.mark.parametrize("today", [date(2024, 6, 3), date(2024, 6, 28)])
def test_the_current_month_is_scheduled_or_held_by_date_and_reminders_follow(
    mworld, today
):
    from django.utils import timezone

    meetings_seed.seed(ctx_for(mworld, today=today))
    current = Meeting.objects.filter(month=date(2024, 6, 1))
    if today.day < 10:
        assert set(current.values_list("status", flat=True)) == {"scheduled"}
    # reminders exist only for what is ahead of "today"
    for r in Reminder.objects.all():
        assert timezone.localtime(r.due_at).date() >= today or r.key.startswith(
            "meetings:item:"
        )


@pytest.mark.parametrize(
    "today", [date(2024, 6, 3), date(2024, 6, 28), date(2024, 12, 31)]
)
def test_held_meetings_without_minutes_have_their_minutes_reminders(mworld, today):
    # given / when the seed runs on that day
    meetings_seed.seed(ctx_for(mworld, today=today))
    # then some held meetings lack minutes, each with a reminder to its secretary
    unfiled = Meeting.objects.filter(status="held", minutes_filed_at__isnull=True)
    assert unfiled.exists()
    for meeting in unfiled:
        reminders = Reminder.objects.filter(
            key__startswith=f"meetings:meeting:{meeting.pk}:minutes:",
            sent_at__isnull=True,
            cancelled_at__isnull=True,
        )
        assert reminders.exists(), meeting
        assert all(r.recipient_id for r in reminders)
