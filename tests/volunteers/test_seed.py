"""The demo street reproduces the article's volunteering figures (S12, S16)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from dashboard.stats import stats_for_scope
from portal.scope import Scope
from volunteers import services
from volunteers.models import (
    ATTENDED,
    Activity,
    ActivityStatus,
    CheckIn,
    PointsRule,
    Volunteer,
    VolunteerKind,
)
from volunteers.selectors import ledger_mismatches


@pytest.mark.django_db(transaction=True)
def test_seed_demo_reproduces_the_street_figures(capsys):
    # when the demo street is built
    call_command("seed_demo", password="demo-pass-12345")
    # then street_stats shows the article's figures
    figures = stats_for_scope(Scope(is_superuser=True))
    assert figures["volunteers_party_members"] >= 6600
    assert figures["volunteer_teams"] == 58
    assert figures["service_posts_claimed"] == 6238
    assert figures["micro_wishes_fulfilled"] == 3796
    assert figures["group_service_events"] >= 2700
    assert figures["residents_served"] == 170000
    assert figures["activities_this_year"] > 0 and figures["points_awarded_total"] > 0
    # every balance is its ledger's sum, and was never negative at any moment
    assert list(ledger_mismatches()) == []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(run) FROM (SELECT sum(points) OVER (PARTITION BY volunteer_id"
            " ORDER BY created_at, id) AS run FROM volunteers_pointsentry) t"
        )
        assert cursor.fetchone()[0] >= 0
    # volunteer1 is a registered volunteer of the first community, with points
    # and an activity to check in to today
    from portal.models import User

    user = User.objects.get(username="volunteer1")
    volunteer = Volunteer.objects.get(person__user=user)
    assert volunteer.community.name == "东风社区"
    assert services.points_balance(volunteer) > 0
    now = timezone.now()
    live = Activity.objects.filter(
        community=volunteer.community,
        status=ActivityStatus.PUBLISHED,
        starts_at__lte=now,
        ends_at__gte=now,
    )
    assert live.exists()
    token = services.activity_checkin_token(live.first())
    assert services.checkin_scan(user=user, token=token)
    # in-service members report over the year with a realistic spread: most
    # serve monthly, some fall under 10 services
    assert Volunteer.objects.filter(kind=VolunteerKind.IN_SERVICE).count() > 500
    totals = list(
        CheckIn.objects.filter(in_service=True, attendance__in=ATTENDED)
        .values("volunteer")
        .annotate(n=Count("id"))
        .values_list("n", flat=True)
    )
    under = sum(1 for t in totals if t < 10)
    assert 0.05 * len(totals) < under < 0.5 * len(totals)
    # every seeded service is credited as the services credit it: the time
    # present inside the window (to the check-out, else the confirmation),
    # no check-out within the minimum service time, points on those minutes
    rules = {r.activity_type: r for r in PointsRule.objects.all()}
    minimum = timedelta(minutes=services.min_service_minutes())
    rows = CheckIn.objects.values_list(
        "checked_in_at",
        "checked_out_at",
        "confirmed_at",
        "minutes",
        "attendance",
        "points_awarded",
        "activity__starts_at",
        "activity__ends_at",
        "activity__activity_type",
        "activity__points_per_hour",
    )
    for row in rows.iterator(chunk_size=5000):
        checked_in, out, confirmed, minutes, attendance, points = row[:6]
        starts, ends, activity_type, per_hour = row[6:]
        rule = rules[activity_type]
        assert minutes <= (ends - starts).total_seconds() // 60
        if out is not None:
            assert out - max(checked_in, starts) >= minimum
        assert minutes == services.service_minutes(
            checked_in_at=checked_in,
            until=out or confirmed,
            starts_at=starts,
            ends_at=ends,
            max_hours=rule.max_hours,
        )
        assert points == services.points_for(
            minutes=minutes,
            points_per_hour=per_hour,
            attendance=attendance,
            rule=rule,
        )
