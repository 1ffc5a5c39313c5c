"""Fixtures of the volunteers tests, on top of the ``world`` personas.

``vw`` registers ``volunteer_a`` as an in-service party member living in
community A and working at unit A, adds ``volunteer_b`` (a resident of B),
an activity in A running now, and A's love station with three items.
"""

import io
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from tests.conftest import _user
from volunteers import services
from volunteers.models import ActivityType, VolunteerKind


def make_activity(
    actor,
    *,
    community=None,
    unit=None,
    street=None,
    starts=None,
    hours=2,
    capacity=30,
    activity_type=ActivityType.ENVIRONMENT,
    title="清理楼道杂物",
):
    starts = starts or timezone.now() - timedelta(minutes=10)
    return services.activity_publish(
        user=actor,
        title=title,
        activity_type=activity_type,
        place="党群服务中心",
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        capacity=capacity,
        community=community,
        unit=unit,
        street=street,
    )


def register(user, community, *, name=None, kind=VolunteerKind.RESIDENT, unit=None):
    return services.volunteer_register_self(
        user=user,
        community=community,
        name=name or user.username,
        phone="13800138000",
        kind=kind,
        employer_unit=unit,
    )


def png_upload(name="photo.png", size=(40, 30), color="red"):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


@pytest.fixture
def vw(world):
    w = world
    w.vol_a = register(w.volunteer_a, w.a, kind=VolunteerKind.IN_SERVICE, unit=w.unit_a)
    w.volunteer_b = _user("volunteer_b")
    w.vol_b = register(w.volunteer_b, w.b)
    w.activity = make_activity(w.secretary_a, community=w.a)
    w.station = services.station_get_or_create(user=w.secretary_a, community=w.a)
    w.items = SimpleNamespace(
        cheap=services.station_item_create(
            user=w.secretary_a, station=w.station, name="毛巾", price=10, stock=5
        ),
        dear=services.station_item_create(
            user=w.secretary_a, station=w.station, name="大米", price=100, stock=5
        ),
        last=services.station_item_create(
            user=w.secretary_a, station=w.station, name="保温杯", price=20, stock=1
        ),
    )
    return w


def give_points(w, volunteer, points, reason="补录服务积分"):
    return services.points_award(
        user=w.secretary_a if volunteer.community_id == w.a.pk else w.secretary_b,
        volunteer=volunteer,
        points=points,
        reason=reason,
    )
