"""The demo street's months are shaped alike, the last finished one included;
every month is published but the last finished one, which the street admin
reviews, overrides and publishes through the pages.

``seed_demo`` runs once for the module (it takes a couple of minutes), inside
a transaction rolled back at the end; every test reads the same street. The
demo is dated from the stated clock, so CI's other dates (``dates`` marker)
put the months' boundaries elsewhere: a year's end, a leap day.
"""

import io
from collections import Counter, defaultdict
from statistics import mean

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from evaluations.models import GRADE_ORDER, Evaluation, Grade, Publication
from meetings.models import Meeting, MeetingStatus
from portal.demo import HISTORY_MONTHS, add_months, month_first
from portal.models import Reminder, User
from tests.conftest import login
from volunteers.models import DONE_STATUSES, MicroWish, ServicePost

pytestmark = [pytest.mark.dates, pytest.mark.xdist_group("seed_demo")]

#: How far a month's share of a grade may stray from the months' mean (points).
GRADE_SPREAD = 5
#: How far the last finished month's count may stray from the others' mean.
COUNT_SPREAD = 0.15


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Seed the demo street once; return its finished months, oldest first."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", "--password", "demo-pass-2026", stdout=io.StringIO())
        current = month_first(timezone.localdate())
        yield [add_months(current, n - HISTORY_MONTHS) for n in range(HISTORY_MONTHS)]
        transaction.set_rollback(True)


def _by_month(queryset, field):
    rows = (
        queryset.annotate(month=TruncMonth(field))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    return {timezone.localtime(month).date(): n for month, n in rows}


def _last_like_the_others(counts, months):
    *others, last = (counts.get(m, 0) for m in months)
    usual = mean(others)
    assert usual > 0
    assert abs(last - usual) <= COUNT_SPREAD * usual, (last, others)


def test_every_finished_month_grades_its_units_alike(demo, db):
    # given the units' grades of every finished month
    grades = defaultdict(Counter)
    rows = Evaluation.objects.filter(unit__isnull=False).values_list("month", "grade")
    for month, grade in rows:
        grades[month][grade] += 1
    # then every finished month is graded, the last one included
    assert sorted(grades) == demo
    # and each grade's share of a month is within a few points of its mean
    for grade in GRADE_ORDER:
        shares = {
            month: 100 * grades[month][grade] / sum(grades[month].values())
            for month in demo
        }
        usual = mean(shares.values())
        for month, share in shares.items():
            assert abs(share - usual) <= GRADE_SPREAD, (grade, month, shares)


def test_the_last_finished_month_has_the_usual_wishes_and_posts(demo, db):
    for model in (MicroWish, ServicePost):
        done = model.objects.filter(status__in=DONE_STATUSES)
        _last_like_the_others(_by_month(done, "fulfilled_at"), demo)


def test_every_finished_month_has_its_meetings_held(demo, db):
    held = Meeting.objects.filter(status=MeetingStatus.HELD)
    counts = dict(
        held.values("month").annotate(n=Count("pk")).values_list("month", "n")
    )
    committees = Meeting.objects.values("committee").distinct().count()
    assert [counts.get(m) for m in demo] == [committees] * len(demo)


def test_every_held_meeting_without_minutes_has_its_minutes_reminder(demo, db):
    unfiled = Meeting.objects.filter(
        status=MeetingStatus.HELD, minutes_filed_at__isnull=True
    )
    assert unfiled.exists()  # the demo shows minutes missing
    for meeting in unfiled:
        assert Reminder.objects.filter(
            key__startswith=f"meetings:meeting:{meeting.pk}:minutes:",
            recipient__isnull=False,
        ).exists(), f"{meeting} ({meeting.month}) has no minutes reminder"


def test_every_meeting_still_ahead_has_pending_reminders(demo, db):
    ahead = Meeting.objects.filter(
        status=MeetingStatus.SCHEDULED, held_at__gt=timezone.now()
    )
    for meeting in ahead:
        pending = Reminder.objects.filter(
            key__startswith=f"meetings:meeting:{meeting.pk}:",
            sent_at__isnull=True,
            cancelled_at__isnull=True,
            due_at__lte=meeting.held_at,
        )
        assert pending.exists(), f"{meeting} ({meeting.held_at}) has no reminder"


def test_every_month_is_published_but_the_last_finished_one(demo, db):
    # then every earlier month is published (frozen) and the last one waits
    published = sorted(Publication.objects.values_list("month", flat=True))
    assert published == demo[:-1]
    last = Evaluation.objects.filter(month=demo[-1])
    assert last.exists() and not last.filter(publication__isnull=False).exists()


def test_the_admin_reviews_overrides_and_publishes_the_last_month(demo, db):
    admin = login(User.objects.get(username="admin"))
    month = demo[-1].strftime("%Y-%m")
    # when the admin opens the run page, the last finished month is offered
    html = admin.get("/evaluations/").content.decode()
    assert f'name="month" value="{month}"' in html
    assert f"可以评议（尚未发布）的是：<strong>{month}</strong>" in html
    # and the results page shows its draft with the publish button
    html = admin.get(f"/evaluations/results/?month={month}").content.decode()
    assert 'data-testid="publish"' in html and 'data-testid="published"' not in html
    # when the admin overrides a unit's grade with a reason
    row = Evaluation.objects.filter(month=demo[-1], unit__isnull=False).first()
    grade = Grade.GOOD if row.grade != Grade.GOOD else Grade.EXCELLENT
    reason = "经现场核实，本月服务记录补录后上调。"
    response = admin.post(
        f"/evaluations/results/{row.pk}/",
        {"grade": grade, "reason": reason},
        follow=True,
    )
    html = response.content.decode()
    assert "等次已调整，调整记录已保存。" in html and reason in html
    assert f'data-grade="{grade}"' in html
    # and publishes the month
    response = admin.post(
        "/evaluations/results/publish/", {"month": month}, follow=True
    )
    html = response.content.decode()
    assert f"{month} 的评议结果已发布" in html
    assert 'data-testid="published"' in html and 'data-testid="publish"' not in html
    # then the month is frozen: the grade holds, no override form is left
    html = admin.get(f"/evaluations/results/{row.pk}/").content.decode()
    assert f'data-grade="{grade}"' in html and 'data-testid="override-form"' not in html
    # and the run page says no month may be run until this one ends
    html = admin.get("/evaluations/").content.decode()
    assert "现在没有可以评议的月份" in html
    response = admin.post("/evaluations/runs/start/", {"month": month}, follow=True)
    assert "已冻结" in response.content.decode()
