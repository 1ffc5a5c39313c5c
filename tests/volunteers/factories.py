"""Row makers for the list and query-count tests: each adds ``n`` rows the
given list shows, through the services."""

from datetime import timedelta

from django.utils import timezone

from tests.volunteers.conftest import give_points, make_activity, png_upload
from volunteers import services
from volunteers.models import Attendance, CheckIn, VolunteerKind

_counter = {"n": 0}


def _next():
    _counter["n"] += 1
    return _counter["n"]


def activities(w, n):
    for _ in range(n):
        make_activity(w.secretary_a, community=w.a, title=f"活动{_next()}")


def volunteers(w, n):
    out = []
    for _ in range(n):
        i = _next()
        v = services.volunteer_register(
            actor=w.secretary_a,
            community=w.a,
            name=f"居民{i}",
            phone="13700000000",
            kind=VolunteerKind.IN_SERVICE,
            employer_unit=w.unit_a,
        )
        give_points(w, v, 5)
        out.append(v)
    return out


def teams(w, n):
    vols = volunteers(w, 1)
    for _ in range(n):
        services.team_create(
            actor=w.secretary_a,
            name=f"团队{_next()}",
            street=w.street,
            community=w.a,
            leader=vols[0],
            members=vols,
        )


def wishes(w, n):
    for _ in range(n):
        wish = services.wish_create(
            actor=w.secretary_a,
            community=w.a,
            title=f"心愿{_next()}",
            resident_name="张三",
            resident_phone="13900001111",
        )
        services.claimable_claim(actor=w.volunteer_a, obj=wish)


def open_wishes(w, n):
    for _ in range(n):
        services.wish_create(actor=w.secretary_a, community=w.a, title=f"心愿{_next()}")


def posts(w, n):
    for _ in range(n):
        post = services.post_create(
            actor=w.secretary_a, community=w.a, title=f"岗位{_next()}"
        )
        services.claimable_claim(actor=w.unit_head_a, obj=post, as_unit=w.unit_a)


def checkins(w, n):
    for _ in range(n):
        activity = make_activity(w.secretary_a, community=w.a, title=f"活动{_next()}")
        checkin = services.checkin_scan(
            user=w.volunteer_a, token=services.activity_checkin_token(activity)
        )
        services.attendance_confirm(
            actor=w.secretary_a, checkin=checkin, attendance=Attendance.PRESENT
        )


def entries(w, n):
    for _ in range(n):
        give_points(w, w.vol_a, 3)


def redemptions(w, n):
    give_points(w, w.vol_a, 10 * n)
    services.station_item_restock(actor=w.secretary_a, item=w.items.cheap, quantity=n)
    for _ in range(n):
        services.redemption_create(actor=w.volunteer_a, item=w.items.cheap)


def group_events(w, n):
    for _ in range(n):
        services.group_event_record(
            actor=w.unit_head_a,
            unit=w.unit_a,
            service_type="medical",
            title=f"义诊{_next()}",
            held_on=timezone.localdate() - timedelta(days=1),
            residents_served=50,
        )


def in_service_members(w, n):
    for v in volunteers(w, n):
        activity = make_activity(w.secretary_a, community=w.a, title=f"活动{_next()}")
        # Staff-registered members have no account to scan with: record
        # their service row as the community's paper sign-in sheet would.
        CheckIn.objects.create(
            activity=activity,
            volunteer=v,
            street=w.street,
            community=w.a,
            employer_unit=w.unit_a,
            in_service=True,
        )


def fulfilled_wishes(w, n):
    for _ in range(n):
        wish = services.wish_create(
            actor=w.secretary_a, community=w.a, title=f"心愿{_next()}"
        )
        services.claimable_claim(actor=w.volunteer_a, obj=wish)
        services.claimable_fulfil(actor=w.volunteer_a, obj=wish, photo=png_upload())


def checkins_on_activity(w, n):
    """Check-ins of ``n`` new volunteers at ``w.activity`` (paper sign-in sheet)."""
    for v in volunteers(w, n):
        CheckIn.objects.create(
            activity=w.activity,
            volunteer=v,
            street=w.street,
            community=w.a,
            employer_unit=w.unit_a,
            in_service=True,
        )
