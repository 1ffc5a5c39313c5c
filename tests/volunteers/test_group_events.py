"""Group (组团式) service events by units (S16)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from volunteers import services


def record(w, actor, unit, served=80):
    return services.group_event_record(
        user=actor,
        unit=unit,
        service_type="culture",
        title="送文化下社区",
        held_on=timezone.localdate(),
        residents_served=served,
        volunteers_count=8,
    )


def test_unit_head_records_his_units_event_with_fact_keys(vw):
    event = record(vw, vw.unit_head_a, vw.unit_a)
    assert event.street_id == vw.street.pk and event.community_id == vw.a.pk
    assert event.recorded_by == vw.unit_head_a


def test_another_units_event_and_a_volunteer_are_refused(vw):
    with pytest.raises(PermissionDenied):
        record(vw, vw.unit_head_a, vw.unit_b)
    with pytest.raises(PermissionDenied):
        record(vw, vw.volunteer_a, vw.unit_a)
    with pytest.raises(PermissionDenied):
        record(vw, vw.secretary_b, vw.unit_a)


def test_community_records_for_a_unit_of_its_own(vw):
    assert record(vw, vw.secretary_a, vw.unit_a2).unit == vw.unit_a2


def test_not_a_unit_is_refused_clearly(vw):
    with pytest.raises(ValidationError, match="驻街单位"):
        record(vw, vw.secretary_a, vw.a)
