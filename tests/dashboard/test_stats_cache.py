"""Cached key figures (dashboard.stats_cache): fast, and never older than a write.

The dashboards and ``/api/v1/stats/`` are cached per scope under a data
generation that every write to a stats app's table advances. These tests
load a board twice, write in every way the portal writes, and check the
next load shows the write.
"""

import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.stats_cache import generation
from dashboard.work import work_items
from portal.models import Role
from portal.notify import notify
from tests.conftest import _user, login
from tests.dashboard.test_dashboard import (
    build_street,
    chart_data,
    checkin,
    series,
)
from volunteers.models import Volunteer, VolunteerStatus

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the data generation is a PostgreSQL sequence")


@pytest.fixture
def small():
    return build_street("C", 2)


def _checkins(client):
    return series(chart_data(client.get("/").content.decode()), "checkins")[-1]


def _stats(client):
    return client.get("/api/v1/stats/").json()


def test_a_second_load_is_the_same_board_for_a_handful_of_queries(small):
    client = login(small.staff)
    with CaptureQueriesContext(connection) as cold:
        first = client.get("/").content.decode()
    with CaptureQueriesContext(connection) as warm:
        second = client.get("/").content.decode()
    assert chart_data(second) == chart_data(first)
    assert len(cold.captured_queries) > 40
    # the session, the user and his roles, the generation, and the work
    # centre's own queries (computed live, never cached): no GROUP BY
    with CaptureQueriesContext(connection) as work:
        work_items(small.staff)
    limit = 8 + len(work.captured_queries)
    assert len(warm.captured_queries) <= limit, [
        q["sql"] for q in warm.captured_queries
    ]
    live = {q["sql"] for q in work.captured_queries}
    assert not [
        q
        for q in warm.captured_queries
        if "GROUP BY" in q["sql"] and q["sql"] not in live
    ]


def test_a_write_in_the_same_transaction_shows_on_the_next_load(small):
    client = login(small.staff)
    before = _checkins(client)
    checkin(Volunteer.objects.filter(community=small.communities[0]).first())
    assert _checkins(client) == before + 1


def test_each_of_several_writes_in_one_transaction_shows_on_the_next_load(small):
    # given one transaction that loads the board between its writes
    client = login(small.staff)
    volunteer = Volunteer.objects.filter(community=small.communities[0]).first()
    before = _checkins(client)
    with transaction.atomic():
        checkin(volunteer)
        assert _checkins(client) == before + 1
        # when it writes again after that load was cached
        checkin(volunteer)  # at another activity
        # then the next load counts the second write too
        assert _checkins(client) == before + 2
    assert _checkins(client) == before + 2


@pytest.mark.django_db(transaction=True)
def test_a_write_committed_by_another_process_shows_on_the_next_load():
    small = build_street("D", 2)
    client = login(small.staff)
    before = _checkins(client)
    volunteer = Volunteer.objects.filter(community=small.communities[0]).first()

    def other_connection():  # another worker: its own connection, its own commit
        try:
            checkin(volunteer)
        finally:
            connection.close()

    thread = threading.Thread(target=other_connection)
    thread.start()
    thread.join()
    assert _checkins(client) == before + 1


def test_a_bulk_update_shows_on_the_next_load(small):
    client = login(small.staff)
    before = _stats(client)["volunteers"]
    assert before > 0
    Volunteer.objects.filter(community=small.communities[0]).update(
        status=VolunteerStatus.LEFT, left_on=timezone.localdate()
    )
    after = _stats(client)["volunteers"]
    left = Volunteer.objects.filter(community=small.communities[0]).count()
    assert after == before - left


def test_reading_and_writing_outside_the_figures_keeps_the_cache(small):
    client = login(small.staff)
    client.get("/")
    start = generation()
    client.get("/")  # a page view writes the access log and the session
    notify(recipients=[small.staff], title="通知", body="正文")
    assert generation() == start


def test_each_scope_gets_its_own_figures(small):
    other = _user(
        "C_secretary_2",
        Role.COMMUNITY_SECRETARY,
        small.communities[1],
        street=small.street,
        community=small.communities[1],
    )
    first, second = login(small.secretary), login(other)
    one, two = _stats(first), _stats(second)
    assert one["volunteers"] != two["volunteers"]
    assert _stats(first) == one and _stats(second) == two


def test_nothing_is_cached_when_switched_off(small, settings):
    settings.PORTAL_STATS_CACHE_SECONDS = 0
    client = login(small.staff)
    client.get("/")
    with CaptureQueriesContext(connection) as again:
        client.get("/")
    assert len(again.captured_queries) > 40


@pytest.mark.django_db(transaction=True)
def test_a_load_while_another_transaction_writes_is_not_kept_after_its_commit():
    # given a writer that has written but not committed yet
    small = build_street("E", 2)
    client = login(small.staff)
    before = _checkins(client)
    volunteer = Volunteer.objects.filter(community=small.communities[0]).first()
    written, loaded = threading.Event(), threading.Event()

    def writer():
        try:
            with transaction.atomic():
                checkin(volunteer)
                written.set()
                loaded.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    assert written.wait(timeout=30)
    # when the board is loaded (and cached) before the commit
    assert _checkins(client) == before
    loaded.set()
    thread.join()
    # then the load after the commit counts the check-in
    assert _checkins(client) == before + 1
