"""Stats keys of volunteering, scoped like everything else."""

from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from tests.volunteers.conftest import give_points, png_upload
from volunteers import services

KEYS = {
    "volunteers",
    "volunteers_party_members",
    "volunteer_teams",
    "activities_this_year",
    "service_posts_claimed",
    "micro_wishes_fulfilled",
    "group_service_events",
    "residents_served",
    "points_awarded_total",
}


def stats(user):
    client = APIClient()
    client.force_authenticate(user)
    return client.get("/api/v1/stats/").json()


def test_stats_have_exactly_the_issue_keys_and_labels(vw):
    from portal.scope import scope_for
    from volunteers.stats import LABELS
    from volunteers.stats import stats as volunteer_stats

    assert set(volunteer_stats(scope_for(vw.street_admin))) == KEYS
    assert set(LABELS) == KEYS


def test_street_figures_and_their_scope(vw):
    # given: a team, a claimed post, a fulfilled wish, an event, points in A
    services.team_create(
        user=vw.secretary_a, name="甲队", street=vw.street, community=vw.a
    )
    post = services.post_create(user=vw.secretary_a, community=vw.a, title="岗")
    services.claimable_claim(user=vw.unit_head_a, obj=post, as_unit=vw.unit_a)
    wish = services.wish_create(user=vw.secretary_a, community=vw.a, title="愿")
    services.claimable_claim(user=vw.volunteer_a, obj=wish)
    services.claimable_fulfil(user=vw.volunteer_a, obj=wish, photo=png_upload())
    services.group_event_record(
        user=vw.unit_head_a,
        unit=vw.unit_a,
        service_type="medical",
        title="义诊",
        held_on=timezone.localdate() - timedelta(days=2),
        residents_served=150,
    )
    entry = give_points(vw, vw.vol_a, 40)
    give_points(vw, vw.vol_a, 10)
    services.points_reverse(user=vw.secretary_a, entry=entry, reason="重复")
    # then the street sees everything
    street = stats(vw.street_admin)
    assert street["volunteers"] == 2
    assert street["volunteers_party_members"] == 1
    assert street["volunteer_teams"] == 1
    assert street["activities_this_year"] >= 1
    assert street["service_posts_claimed"] == 1
    assert street["micro_wishes_fulfilled"] == 1
    assert street["group_service_events"] == 1
    assert street["residents_served"] == 150
    assert street["points_awarded_total"] == 10  # the reversed award does not count
    # community B sees its own only; an outsider nothing
    b = stats(vw.secretary_b)
    assert b["volunteers"] == 1 and b["service_posts_claimed"] == 0
    assert b["residents_served"] == 0 and b["points_awarded_total"] == 0
    outsider = stats(vw.outsider)
    assert all(outsider[k] == 0 for k in KEYS)
    # the unit sees its own group events and claims
    unit = stats(vw.unit_head_a)
    assert unit["group_service_events"] == 1 and unit["service_posts_claimed"] == 1


def test_volunteer_home_cards_show_the_public_side_of_his_community(vw):
    figures = stats(vw.volunteer_a)
    assert figures["volunteers"] == 1  # the volunteers of A, himself included
