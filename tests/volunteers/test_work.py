"""Wishes and posts in the work centre (issue 19, item 1): the claimant
fulfils what he claimed, the community confirms what was fulfilled.

On the suite's date, 2026-06-18 10:00 (tests/clock.py).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests import clock
from tests.conftest import login
from tests.volunteers.conftest import make_activity, png_upload
from tests.work import find
from volunteers import services


@pytest.fixture(autouse=True)
def _on_the_suites_date():
    # Written for the suite's date, Thursday 2026-06-18 10:00 (tests/clock.py):
    # `make test-dates` moves the suite, these stay at their stated time.
    with clock.travel(clock.local(2026, 6, 18, 10, 0)):
        yield


@pytest.fixture
def wish(vw):
    return services.wish_create(
        user=vw.secretary_a,
        community=vw.a,
        title="孩子想要一个新书包",
        category="study",
        resident_name="王小明",
        resident_phone="13900001111",
    )


def test_volunteer_fulfils_a_claimed_wish_and_it_leaves_his_list(vw, wish):
    # given a wish he claimed
    services.claimable_claim(user=vw.volunteer_a, obj=wish)
    client = login(vw.volunteer_a)
    url, title = find(client, "volunteers.fulfil", "新书包")
    assert url == "/volunteers/wishes/%s/fulfil/" % wish.pk
    assert client.get(url).status_code == 200
    # when he reports it done through the linked form
    response = client.post(url, {"photo": png_upload(), "note": "已送达"})
    assert response.status_code == 302
    # then it leaves his list and waits for the community
    assert not find(client, "volunteers.fulfil")
    assert find(login(vw.secretary_a), "volunteers.confirm", "新书包")


def test_secretary_confirms_a_fulfilled_wish_and_it_leaves_the_list(vw, wish):
    services.claimable_claim(user=vw.volunteer_a, obj=wish)
    services.claimable_fulfil(user=vw.volunteer_a, obj=wish, photo=png_upload())
    client = login(vw.secretary_a)
    url, _title = find(client, "volunteers.confirm", "新书包")
    assert url == "/volunteers/wishes/%s/" % wish.pk
    assert client.get(url).status_code == 200
    response = client.post("/volunteers/wishes/%s/confirm/" % wish.pk)
    assert response.status_code == 302
    assert not find(client, "volunteers.confirm")


def test_another_community_never_sees_the_wish(vw, wish):
    services.claimable_claim(user=vw.volunteer_a, obj=wish)
    services.claimable_fulfil(user=vw.volunteer_a, obj=wish, photo=png_upload())
    assert not find(login(vw.secretary_b), "volunteers.confirm")
    assert not find(login(vw.secretary_b), "volunteers.fulfil")


def test_unit_head_fulfils_a_post_his_unit_claimed(vw):
    post = services.post_create(user=vw.secretary_a, community=vw.a, title="周末助老岗")
    services.claimable_claim(user=vw.unit_head_a, obj=post, as_unit=vw.unit_a)
    client = login(vw.unit_head_a)
    url, _title = find(client, "volunteers.fulfil", "周末助老岗")
    assert url == "/volunteers/posts/%s/fulfil/" % post.pk
    assert client.get(url).status_code == 200
    assert client.post(url, {"photo": png_upload()}).status_code == 302
    assert not find(client, "volunteers.fulfil")


def test_an_upcoming_activity_is_listed_until_the_signup_is_cancelled(vw):
    # given an activity tomorrow the volunteer signed up for
    activity = make_activity(
        vw.secretary_a,
        community=vw.a,
        title="周末义诊",
        starts=timezone.now() + timedelta(days=1),
    )
    services.signup_create(user=vw.volunteer_a, activity=activity)
    client = login(vw.volunteer_a)
    url, _title = find(client, "volunteers.activity", "周末义诊")
    assert url == "/volunteers/activities/%s/" % activity.pk
    assert client.get(url).status_code == 200
    # when he cancels through the activity's form
    response = client.post("/volunteers/activities/%s/signup/cancel/" % activity.pk)
    assert response.status_code == 302
    assert not find(client, "volunteers.activity", "周末义诊")


def test_a_check_in_asks_for_the_check_out_until_it_is_done(vw):
    # given the volunteer checked in at the activity (begun 10 minutes ago)
    token = services.activity_checkin_token(vw.activity)
    with clock.travel(vw.activity.starts_at):
        services.checkin_scan(user=vw.volunteer_a, token=token)
    client = login(vw.volunteer_a)
    url, _title = find(client, "volunteers.checkout", vw.activity.title)
    assert client.get(url).status_code == 200
    # when he scans out at the place, an hour and a half later
    with clock.travel(vw.activity.starts_at + timedelta(minutes=90)):
        response = client.post("/volunteers/c/%s/" % token, {"action": "out"})
        assert response.status_code == 302
        assert not find(client, "volunteers.checkout")
    # and the other community's volunteer never had it
    assert not find(login(vw.volunteer_b), "volunteers.checkout")
