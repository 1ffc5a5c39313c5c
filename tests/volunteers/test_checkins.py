"""Sign-up, check-in by QR code in the time window, check-out, attendance, points."""

from datetime import timedelta

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.volunteers.conftest import make_activity
from volunteers import services
from volunteers.models import (
    ActivityType,
    Attendance,
    CheckIn,
    EntryKind,
    PointsEntry,
)


def scan(w, user=None, activity=None, now=None):
    token = services.activity_checkin_token(activity or w.activity)
    return services.checkin_scan(user=user or w.volunteer_a, token=token, now=now)


def test_scan_inside_the_window_records_a_check_in_with_fact_keys(vw):
    checkin = scan(vw)
    assert checkin.volunteer == vw.vol_a
    assert checkin.street_id == vw.street.pk and checkin.community_id == vw.a.pk
    # an in-service party member at a community activity: a service for S15
    assert checkin.in_service and checkin.employer_unit_id == vw.unit_a.pk
    assert checkin.attendance == Attendance.PENDING


def test_second_scan_gets_a_clear_message_and_no_second_row(vw):
    scan(vw)
    with pytest.raises(ValidationError, match="只能签到一次"):
        scan(vw)
    assert CheckIn.objects.filter(activity=vw.activity).count() == 1


def test_database_keeps_one_check_in_per_person_per_activity(vw):
    checkin = scan(vw)
    duplicate = CheckIn(
        activity=checkin.activity,
        volunteer=checkin.volunteer,
        street=vw.street,
        community=vw.a,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_scan_before_the_window_and_after_the_end_is_refused(vw):
    starts = timezone.now() + timedelta(hours=3)
    activity = make_activity(vw.secretary_a, community=vw.a, starts=starts)
    with pytest.raises(ValidationError, match="签到尚未开始"):
        scan(vw, activity=activity)
    # 30 minutes before the start the window is open
    assert scan(vw, activity=activity, now=starts - timedelta(minutes=29))
    with pytest.raises(ValidationError, match="已结束"):
        scan(
            vw, user=vw.volunteer_b, activity=activity, now=starts + timedelta(hours=3)
        )


def test_forged_or_renewed_qr_codes_are_refused(vw):
    forged = signing.dumps({"a": vw.activity.pk, "v": 1}, salt="other")
    with pytest.raises(ValidationError, match="二维码无效"):
        services.checkin_scan(user=vw.volunteer_a, token=forged)
    with pytest.raises(ValidationError, match="二维码无效"):
        services.checkin_scan(user=vw.volunteer_a, token="garbage")
    old = services.activity_checkin_token(vw.activity)
    services.activity_qr_renew(user=vw.secretary_a, activity=vw.activity)
    with pytest.raises(ValidationError, match="已失效"):
        services.checkin_scan(user=vw.volunteer_a, token=old)


def test_non_volunteer_must_register_before_checking_in(vw):
    with pytest.raises(ValidationError, match="请先注册"):
        scan(vw, user=vw.secretary_b)


def test_checkout_gives_the_hours(vw):
    now = vw.activity.starts_at
    scan(vw, now=now)
    token = services.activity_checkin_token(vw.activity)
    checkin = services.checkin_checkout(
        user=vw.volunteer_a, token=token, now=now + timedelta(minutes=95)
    )
    assert checkin.minutes == 95
    with pytest.raises(ValidationError, match="已签退"):
        services.checkin_checkout(user=vw.volunteer_a, token=token)


def test_scan_alone_earns_nothing_until_the_organiser_confirms(vw):
    # given a check-in and check-out of 90 minutes
    now = vw.activity.starts_at
    checkin = scan(vw, now=now)
    services.checkin_checkout(
        user=vw.volunteer_a,
        token=services.activity_checkin_token(vw.activity),
        now=now + timedelta(minutes=90),
    )
    assert services.points_balance(vw.vol_a) == 0
    # when the organiser confirms presence
    checkin = services.attendance_confirm(
        user=vw.secretary_a, checkin=checkin, attendance=Attendance.PRESENT
    )
    # then 1.5 h × 10 points/h are awarded through the ledger
    assert checkin.points_awarded == 15
    entry = PointsEntry.objects.get(checkin=checkin)
    assert entry.kind == EntryKind.AWARD and entry.points == 15
    assert services.points_balance(vw.vol_a) == 15


def test_late_earns_the_rules_percentage_and_absent_nothing(vw):
    now = vw.activity.starts_at
    late = scan(vw, now=now)
    absent = scan(vw, user=vw.volunteer_b, now=now)
    for user in (vw.volunteer_a, vw.volunteer_b):
        services.checkin_checkout(
            user=user,
            token=services.activity_checkin_token(vw.activity),
            now=now + timedelta(hours=2),
        )
    late = services.attendance_confirm(
        user=vw.secretary_a, checkin=late, attendance=Attendance.LATE
    )
    absent = services.attendance_confirm(
        user=vw.secretary_a, checkin=absent, attendance=Attendance.ABSENT
    )
    assert late.points_awarded == 10  # 2 h × 10 × 50 %
    assert absent.points_awarded == 0
    assert not PointsEntry.objects.filter(checkin=absent).exists()


def test_attendance_is_confirmed_once_and_only_by_the_organiser_side(vw):
    checkin = scan(vw)
    for user in (vw.volunteer_a, vw.secretary_b, vw.grid_worker_a):
        with pytest.raises(PermissionDenied):
            services.attendance_confirm(
                user=user, checkin=checkin, attendance=Attendance.PRESENT
            )
    services.attendance_confirm(
        user=vw.secretary_a, checkin=checkin, attendance=Attendance.PRESENT
    )
    with pytest.raises(ValidationError, match="已确认"):
        services.attendance_confirm(
            user=vw.secretary_a, checkin=checkin, attendance=Attendance.ABSENT
        )


def test_points_rules_are_configurable_per_type_and_do_not_change_the_past(vw):
    # given an activity published at the old rule
    old = make_activity(
        vw.secretary_a, community=vw.a, activity_type=ActivityType.LEGAL
    )
    assert old.points_per_hour == 12
    # when street staff change the legal-aid rule
    rule = services.points_rule_update(
        user=vw.street_staff,
        activity_type=ActivityType.LEGAL,
        points_per_hour=20,
        late_percent=80,
        max_hours=4,
        min_points=2,
    )
    assert rule.updated_by == vw.street_staff
    # then new activities use it and the old one keeps its rate
    new = make_activity(
        vw.secretary_a, community=vw.a, activity_type=ActivityType.LEGAL
    )
    assert new.points_per_hour == 20
    old.refresh_from_db()
    assert old.points_per_hour == 12
    with pytest.raises(PermissionDenied):
        services.points_rule_update(
            user=vw.secretary_a,
            activity_type=ActivityType.LEGAL,
            points_per_hour=99,
            late_percent=50,
            max_hours=8,
            min_points=1,
        )


def test_sign_up_respects_capacity_and_can_be_cancelled(vw):
    activity = make_activity(vw.secretary_a, community=vw.a, capacity=1)
    services.signup_create(user=vw.volunteer_a, activity=activity)
    with pytest.raises(ValidationError, match="已报名"):
        services.signup_create(user=vw.volunteer_a, activity=activity)
    # volunteers of another community of the street may join too
    with pytest.raises(ValidationError, match="名额已满"):
        services.signup_create(user=vw.volunteer_b, activity=activity)
    services.signup_cancel(user=vw.volunteer_a, activity=activity)
    services.signup_create(user=vw.volunteer_b, activity=activity)
    activity.refresh_from_db()
    assert activity.signed_up_count == 1


def test_publishing_is_scoped_to_the_publishers_own_node(vw):
    with pytest.raises(PermissionDenied):
        make_activity(vw.secretary_b, community=vw.a)
    with pytest.raises(PermissionDenied):
        make_activity(vw.unit_head_a, unit=vw.unit_b)
    with pytest.raises(PermissionDenied):
        make_activity(vw.volunteer_a, community=vw.a)
    by_unit = make_activity(vw.unit_head_a, unit=vw.unit_a)
    assert by_unit.community_id == vw.a.pk and by_unit.unit_id == vw.unit_a.pk
    by_street = make_activity(vw.street_staff, street=vw.street)
    assert by_street.community_id is None
