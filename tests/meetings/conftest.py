"""Meetings fixtures: the 大工委 and the 大党委 of communities A and B, with seats.

``mworld`` extends the shared ``world`` personas. Seats are created directly
(test data, as the orgs services would): community A's 大党委 has four unit
secretaries in a fixed order (the unit head of A holds the first, for unit
A), plus the community secretary; B's has two; the 大工委 has the two
community secretaries.
"""

import io
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from PIL import Image

from meetings import services
from meetings.rotation import add_months, month_start
from orgs.models import (
    Committee,
    CommitteeKind,
    OrgKind,
    Person,
    Seat,
    SeatOrigin,
    SeatPosition,
    UnitKind,
)
from orgs.services import org_node_create
from tests import clock

TZ = ZoneInfo("Asia/Shanghai")
TERM_START = date(2020, 1, 1)


def make_seat(
    committee,
    person,
    *,
    represents=None,
    unit_secretary=True,
    term_start=TERM_START,
    vacated_on=None,
    position=SeatPosition.MEMBER,
):
    return Seat.objects.create(
        committee=committee,
        person=person,
        represents=represents,
        position=position,
        origin=SeatOrigin.ELECTED,
        is_unit_secretary=unit_secretary,
        term_start=term_start,
        vacated_on=vacated_on,
        street=committee.street,
        community=committee.community,
    )


def make_person(world, name, community=None, unit=None, user=None, phone="13900000000"):
    return Person.objects.create(
        name=name,
        phone=phone,
        street=world.street,
        community=community,
        unit=unit,
        user=user,
    )


def next_month():
    return add_months(month_start(timezone.localdate()), 1)


def local(day, hour=15, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


@pytest.fixture
def mworld(world):
    w = world
    w.unit_a3 = org_node_create(
        kind=OrgKind.UNIT,
        name="甲三单位",
        code="T-01-U003",
        parent=w.a,
        unit_kind=UnitKind.SOE,
        headcount=300,
    )
    w.unit_a4 = org_node_create(
        kind=OrgKind.UNIT,
        name="甲四单位",
        code="T-01-U004",
        parent=w.a,
        unit_kind=UnitKind.INSTITUTION,
        headcount=50,
    )
    w.big_working = Committee.objects.create(
        kind=CommitteeKind.BIG_WORKING,
        org=w.street,
        street=w.street,
        name="测试街道大工委",
    )
    w.party_a = Committee.objects.create(
        kind=CommitteeKind.BIG_PARTY,
        org=w.a,
        street=w.street,
        community=w.a,
        name="甲社区大党委",
        webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=test",
    )
    w.party_b = Committee.objects.create(
        kind=CommitteeKind.BIG_PARTY,
        org=w.b,
        street=w.street,
        community=w.b,
        name="乙社区大党委",
    )
    # A: the community secretary chairs nothing (not a unit secretary).
    w.seat_sec_a = make_seat(
        w.party_a,
        w.secretary_a.person,
        represents=w.a,
        unit_secretary=False,
        position=SeatPosition.SECRETARY,
    )
    w.seat_a1 = make_seat(
        w.party_a, w.unit_head_a.person, represents=w.party_org_a
    )  # through the party org of unit A
    w.p_a2 = make_person(w, "甲二书记", community=w.a, unit=w.unit_a2)
    w.seat_a2 = make_seat(w.party_a, w.p_a2, represents=w.unit_a2)
    w.p_a3 = make_person(w, "甲三书记", community=w.a, unit=w.unit_a3)
    w.seat_a3 = make_seat(w.party_a, w.p_a3, represents=w.unit_a3)
    w.p_a4 = make_person(w, "甲四书记", community=w.a, unit=w.unit_a4, phone="")
    w.seat_a4 = make_seat(w.party_a, w.p_a4, represents=w.unit_a4)
    # B
    w.seat_sec_b = make_seat(
        w.party_b,
        w.secretary_b.person,
        represents=w.b,
        unit_secretary=False,
        position=SeatPosition.SECRETARY,
    )
    w.p_b1 = make_person(w, "乙一书记", community=w.b, unit=w.unit_b)
    w.seat_b1 = make_seat(w.party_b, w.p_b1, represents=w.unit_b)
    # 大工委: the two community secretaries (they rotate there).
    w.seat_w_a = make_seat(
        w.big_working, w.secretary_a.person, represents=w.a, unit_secretary=False
    )
    w.seat_w_b = make_seat(
        w.big_working, w.secretary_b.person, represents=w.b, unit_secretary=False
    )
    return w


@pytest.fixture
def meetings_next_month(mworld):
    """Next month's meetings of every committee, scheduled by the service."""
    created = services.meeting_schedule_month(month=next_month())
    by = {m.committee_id: m for m in created}
    return SimpleNamespace(
        working=by[mworld.big_working.pk],
        a=by[mworld.party_a.pk],
        b=by[mworld.party_b.pk],
    )


def png_bytes(size=(40, 30), color=(200, 30, 30), mode="RGB", exif=None):
    out = io.BytesIO()
    image = Image.new(mode, size, color)
    kwargs = {"exif": exif} if exif else {}
    image.save(out, format="JPEG" if exif else "PNG", **kwargs)
    return out.getvalue()


def jpeg_bytes(size=(60, 40)):
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, format="JPEG", quality=90)
    return out.getvalue()


def in_days(n):
    return timezone.localdate() + timedelta(days=n)


@pytest.fixture
def filed(mworld, meetings_next_month):
    """A's next meeting with a problem, an item for unit A, minutes and a photo
    (filed two hours after the meeting began; the test runs on the suite's
    date, before it)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    meeting = meetings_next_month.a
    problem = services.problem_create(
        user=mworld.secretary_a,
        committee=mworld.party_a,
        title="路灯不亮",
        meeting=meeting,
    )
    item = services.action_item_create(
        user=mworld.secretary_a,
        problem=problem,
        unit=mworld.unit_a,
        title="更换路灯",
        due_on=in_days(10),
    )
    with after(meeting):
        services.meeting_file_minutes(
            user=mworld.secretary_a,
            meeting=meeting,
            text="<p>纪要</p>",
            files=[SimpleUploadedFile("现场.png", png_bytes(), "image/png")],
        )
    return SimpleNamespace(
        meeting=meeting,
        problem=problem,
        item=item,
        attachment=meeting.attachments.get(),
    )


@pytest.fixture
def held(meetings_next_month):
    """Next month's meetings, the test running two hours after A's began."""
    with after(meetings_next_month.a):
        yield meetings_next_month


def after(meeting, hours=2):
    """Travel to ``hours`` after the meeting began (minutes and attendance
    are only recorded once it has taken place)."""
    return clock.travel(meeting.held_at + timedelta(hours=hours))
