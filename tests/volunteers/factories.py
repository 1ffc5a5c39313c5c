"""factory_boy factories of the volunteers tests, and the row makers built on them.

Each factory's ``create`` calls the service that owns the write (the one entry
point of the rule: counters, ledger, audit), so ``Factory(user=…, …)`` makes
what a user would; only the paper sign-in sheet's check-in, which has no
service, is a plain model factory. The row makers below add ``n`` rows of
what one list shows (``maker(w, n)``, for the list and query-count tests).
"""

from datetime import timedelta

import factory
from django.utils import timezone

from tests.volunteers.conftest import give_points, png_upload
from volunteers import services
from volunteers.models import (
    Activity,
    ActivityType,
    Attendance,
    CheckIn,
    GroupServiceEvent,
    MicroWish,
    ServicePost,
    Team,
    Volunteer,
    VolunteerKind,
)


class ServiceFactory(factory.Factory):
    """A factory whose ``create`` calls its ``_service`` with the fields."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return cls._service(**kwargs)


class VolunteerFactory(ServiceFactory):
    """An in-service party member, registered by the community's staff."""

    class Meta:
        model = Volunteer

    _service = staticmethod(services.volunteer_register)
    name = factory.Sequence(lambda n: f"居民{n}")
    phone = "13700000000"
    kind = VolunteerKind.IN_SERVICE


class ActivityFactory(ServiceFactory):
    """An activity that began ten minutes ago (check-in is open)."""

    class Meta:
        model = Activity

    _service = staticmethod(services.activity_publish)
    title = factory.Sequence(lambda n: f"活动{n}")
    activity_type = ActivityType.ENVIRONMENT
    place = "党群服务中心"
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=10))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    capacity = 30


class TeamFactory(ServiceFactory):
    class Meta:
        model = Team

    _service = staticmethod(services.team_create)
    name = factory.Sequence(lambda n: f"团队{n}")


class WishFactory(ServiceFactory):
    class Meta:
        model = MicroWish

    _service = staticmethod(services.wish_create)
    title = factory.Sequence(lambda n: f"心愿{n}")


class PostFactory(ServiceFactory):
    class Meta:
        model = ServicePost

    _service = staticmethod(services.post_create)
    title = factory.Sequence(lambda n: f"岗位{n}")


class GroupEventFactory(ServiceFactory):
    """A unit's free clinic yesterday, fifty residents served."""

    class Meta:
        model = GroupServiceEvent

    _service = staticmethod(services.group_event_record)
    service_type = "medical"
    title = factory.Sequence(lambda n: f"义诊{n}")
    held_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=1))
    residents_served = 50


class PaperCheckInFactory(factory.django.DjangoModelFactory):
    """An in-service member's service from the community's paper sign-in sheet
    (staff-registered members have no account to scan with)."""

    class Meta:
        model = CheckIn

    street = factory.LazyAttribute(lambda o: o.activity.street)
    community = factory.LazyAttribute(lambda o: o.activity.community)
    employer_unit = factory.LazyAttribute(lambda o: o.volunteer.employer_unit)
    in_service = True


# -- row makers: ``maker(w, n)`` adds ``n`` rows of one list, in community A ------------


def activities(w, n):
    ActivityFactory.create_batch(n, user=w.secretary_a, community=w.a)


def volunteers(w, n):
    out = VolunteerFactory.create_batch(
        n, user=w.secretary_a, community=w.a, employer_unit=w.unit_a
    )
    for v in out:
        give_points(w, v, 5)
    return out


def teams(w, n):
    leader = volunteers(w, 1)[0]
    TeamFactory.create_batch(
        n,
        user=w.secretary_a,
        street=w.street,
        community=w.a,
        leader=leader,
        members=[leader],
    )


def wishes(w, n):
    for wish in WishFactory.create_batch(
        n,
        user=w.secretary_a,
        community=w.a,
        resident_name="张三",
        resident_phone="13900001111",
    ):
        services.claimable_claim(user=w.volunteer_a, obj=wish)


def open_wishes(w, n):
    WishFactory.create_batch(n, user=w.secretary_a, community=w.a)


def posts(w, n):
    for post in PostFactory.create_batch(n, user=w.secretary_a, community=w.a):
        services.claimable_claim(user=w.unit_head_a, obj=post, as_unit=w.unit_a)


def checkins(w, n):
    for activity in ActivityFactory.create_batch(n, user=w.secretary_a, community=w.a):
        checkin = services.checkin_scan(
            user=w.volunteer_a, token=services.activity_checkin_token(activity)
        )
        services.attendance_confirm(
            user=w.secretary_a, checkin=checkin, attendance=Attendance.PRESENT
        )


def entries(w, n):
    for _ in range(n):
        give_points(w, w.vol_a, 3)


def redemptions(w, n):
    give_points(w, w.vol_a, 10 * n)
    services.station_item_restock(user=w.secretary_a, item=w.items.cheap, quantity=n)
    for _ in range(n):
        services.redemption_create(user=w.volunteer_a, item=w.items.cheap)


def group_events(w, n):
    GroupEventFactory.create_batch(n, user=w.unit_head_a, unit=w.unit_a)


def in_service_members(w, n):
    for v in volunteers(w, n):
        activity = ActivityFactory(user=w.secretary_a, community=w.a)
        PaperCheckInFactory(activity=activity, volunteer=v)


def fulfilled_wishes(w, n):
    for wish in WishFactory.create_batch(n, user=w.secretary_a, community=w.a):
        services.claimable_claim(user=w.volunteer_a, obj=wish)
        services.claimable_fulfil(user=w.volunteer_a, obj=wish, photo=png_upload())


def checkins_on_activity(w, n):
    """Check-ins of ``n`` new volunteers at ``w.activity`` (paper sign-in sheet)."""
    for v in volunteers(w, n):
        PaperCheckInFactory(activity=w.activity, volunteer=v)
