"""Retention: a departed volunteer's personal data is anonymised everywhere.

The proof is a ``pg_dump`` of the whole test database after the nightly job:
neither his name, nor his phone, nor his username is anywhere in it (rows,
history, access logs, sign-in records), while the points ledger and its sums
are untouched.
"""

import shutil
import subprocess
from datetime import timedelta
from urllib.parse import quote

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from grids.models import CaseCategory
from grids.services import case_report
from orgs.models import Person
from portal.models import Role, RoleAssignment, User
from portal.retention import anonymous_label
from portal.schedules import SCHEDULES
from portal.services import user_create
from tests.conftest import PASSWORD, build_world, login
from tests.volunteers.conftest import make_activity
from volunteers import services
from volunteers.models import (
    Attendance,
    PointsAccount,
    PointsEntry,
    Volunteer,
    VolunteerKind,
    VolunteerStatus,
)
from volunteers.selectors import ledger_mismatches

NAME = "司马晓梅"
PHONE = "13987654321"
USERNAME = "simaxiaomei"
EMAIL = "simaxm@example.cn"


def _long_ago(settings):
    return timezone.localdate() - timedelta(days=settings.PORTAL_RETENTION_DAYS + 1)


def _volunteer_with_a_history(w):
    """A volunteer who signed in, served, earned and spent points, was looked
    up by name, reported a problem by phone and had a wish of her own."""
    user = user_create(
        username=USERNAME, password=PASSWORD, display_name=NAME, email=EMAIL
    )
    # she mistypes her password once, then signs in (django-axes records both)
    Client().post("/accounts/login/", {"username": USERNAME, "password": "wrong"})
    Client().post("/accounts/login/", {"username": USERNAME, "password": PASSWORD})
    with set_actor(user):
        volunteer = services.volunteer_register_self(
            user=user,
            community=w.a,
            name=NAME,
            phone=PHONE,
            kind=VolunteerKind.PARTY_MEMBER,
        )
    with set_actor(w.secretary_a):
        activity = make_activity(w.secretary_a, community=w.a)
        checkin = services.checkin_scan(
            user=user, token=services.activity_checkin_token(activity)
        )
        services.attendance_confirm(
            user=w.secretary_a, checkin=checkin, attendance=Attendance.PRESENT
        )
        services.points_award(
            user=w.secretary_a, volunteer=volunteer, points=50, reason="补录服务积分"
        )
        station = services.station_get_or_create(user=w.secretary_a, community=w.a)
        item = services.station_item_create(
            user=w.secretary_a, station=station, name="毛巾", price=10, stock=5
        )
        wish = services.wish_create(
            user=w.secretary_a,
            community=w.a,
            title="给老人买助听器",
            resident_name=NAME,
            resident_phone=PHONE,
            resident_address="甲社区1栋",
        )
    with set_actor(user):
        services.redemption_create(user=user, item=item)
        services.claimable_claim(
            user=user,
            obj=services.post_create(
                user=w.secretary_a, community=w.a, title="文明劝导岗"
            ),
        )
    with set_actor(w.grid_worker_a):
        case_report(
            user=w.grid_worker_a,
            cell=w.cell_a,
            category=CaseCategory.ENVIRONMENT,
            title="路灯不亮",
            description="小区东门路灯坏了。",
            reporter_name=NAME,
            reporter_phone=PHONE,
        )
    # the secretary looks her up by name (the access log keeps the filter)
    login(w.secretary_a).get("/volunteers/manage/volunteers/", {"q": NAME})
    return volunteer, wish


def _dump():
    settings_dict = connection.settings_dict
    command = [
        shutil.which("pg_dump"),
        "--no-owner",
        "--dbname",
        settings_dict["NAME"],
        "--host",
        settings_dict["HOST"] or "127.0.0.1",
        "--port",
        str(settings_dict["PORT"] or 5432),
        "--username",
        settings_dict["USER"] or "postgres",
    ]
    env = {"PGPASSWORD": settings_dict["PASSWORD"] or ""}
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        command, capture_output=True, check=True, env=env, timeout=120
    )
    return result.stdout.decode()


def _ledger(volunteer):
    entries = list(
        PointsEntry.objects.filter(volunteer=volunteer)
        .order_by("id")
        .values_list("id", "points", "reason")
    )
    return entries, PointsAccount.objects.get(volunteer=volunteer).balance


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_after_the_retention_period_a_dump_holds_none_of_her_data(settings):
    if connection.vendor != "postgresql" or not shutil.which("pg_dump"):
        pytest.skip("needs PostgreSQL and pg_dump")
    # given a volunteer with a full history, who left long enough ago
    w = build_world()
    volunteer, _wish = _volunteer_with_a_history(w)
    before = _ledger(volunteer)
    dump = _dump()
    secrets = (NAME, PHONE, USERNAME, EMAIL, quote(NAME))  # quoted: in a URL
    assert all(secret in dump for secret in secrets)  # so the test can fail
    with set_actor(w.secretary_a):
        services.volunteer_leave(
            user=w.secretary_a, volunteer=volunteer, on=_long_ago(settings)
        )
    # when the nightly job runs (its command)
    call_command("volunteers_anonymise_departed", stdout=open("/dev/null", "w"))  # noqa: SIM115
    # then a dump of the whole database holds neither her name, phone nor username
    dump = _dump()
    for secret in secrets:
        assert secret not in dump, [
            line[:300] for line in dump.splitlines() if secret in line
        ]
    # and her points, balance and every ledger row are as they were
    assert _ledger(volunteer) == before
    assert list(ledger_mismatches()) == []
    volunteer.refresh_from_db()
    assert volunteer.anonymised_at is not None
    assert volunteer.person.name == anonymous_label(volunteer.person)
    assert not volunteer.person.user.is_active
    # and the anonymisation itself is in the audit log, without her data
    entry = LogEntry.objects.get_for_object(volunteer.person).latest("id")
    assert "anonymised" in entry.additional_data
    # and a second run finds nothing to do
    assert services.volunteers_anonymise_departed() == (0, 0)


@pytest.mark.django_db
def test_a_volunteer_within_the_retention_period_keeps_her_data(world, settings):
    volunteer = services.volunteer_register(
        user=world.secretary_a, community=world.a, name=NAME, phone=PHONE
    )
    services.volunteer_leave(
        user=world.secretary_a,
        volunteer=volunteer,
        on=timezone.localdate() - timedelta(days=settings.PORTAL_RETENTION_DAYS - 1),
    )
    assert services.volunteers_anonymise_departed() == (0, 0)
    volunteer.person.refresh_from_db()
    assert (volunteer.person.name, volunteer.person.phone) == (NAME, PHONE)


@pytest.mark.django_db
def test_a_departed_volunteer_still_needed_elsewhere_keeps_her_data(world, settings):
    # given the unit head of A, who also volunteered and left long ago
    person = world.unit_head_a.person
    volunteer = services.volunteer_register(
        user=world.secretary_a, community=world.a, person=person
    )
    services.volunteer_leave(
        user=world.secretary_a, volunteer=volunteer, on=_long_ago(settings)
    )
    # when the job runs, then his name stays: his other role still needs it
    assert services.volunteers_anonymise_departed() == (0, 1)
    person.refresh_from_db()
    assert person.name == "unit_head_a" and person.phone
    assert User.objects.get(pk=world.unit_head_a.pk).is_active


@pytest.mark.django_db
def test_leaving_ends_the_volunteer_role_and_is_refused_twice(world):
    volunteer = services.volunteer_register_self(
        user=world.outsider, community=world.a, name=NAME, phone=PHONE
    )
    assert RoleAssignment.objects.filter(
        user=world.outsider, role=Role.VOLUNTEER
    ).exists()
    client = login(world.secretary_a)
    response = client.post(f"/volunteers/manage/volunteers/{volunteer.pk}/leave/")
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.status == VolunteerStatus.LEFT
    assert volunteer.left_on == timezone.localdate()
    assert not RoleAssignment.objects.filter(user=world.outsider).exists()
    with pytest.raises(ValidationError, match="已经退出"):
        services.volunteer_leave(user=world.secretary_a, volunteer=volunteer)


@pytest.mark.django_db
def test_only_the_communitys_staff_may_record_a_departure(world):
    volunteer = services.volunteer_register(
        user=world.secretary_a, community=world.a, name=NAME, phone=PHONE
    )
    # another community's secretary: not his volunteer at all
    response = login(world.secretary_b).post(
        f"/volunteers/manage/volunteers/{volunteer.pk}/leave/"
    )
    assert response.status_code == 404
    # a unit head may see volunteers but not manage them
    response = login(world.unit_head_a).post(
        f"/volunteers/manage/volunteers/{volunteer.pk}/leave/"
    )
    assert response.status_code in (403, 404)
    assert Volunteer.objects.get(pk=volunteer.pk).status == VolunteerStatus.ACTIVE


def test_the_retention_job_and_the_sign_in_purge_run_every_night():
    tasks = {task for task, _schedule in SCHEDULES.values()}
    assert "volunteers.anonymise_departed" in tasks
    assert "portal.purge_signin_records" in tasks


@pytest.mark.django_db
def test_old_sign_in_records_are_purged_and_recent_ones_kept(world, settings):
    from axes.models import AccessAttempt
    from axes.models import AccessLog as AxesLog

    from portal.security import signin_records_purge

    for username in ("old", "new"):
        AxesLog.objects.create(username=username, ip_address="10.0.0.1")
        AccessAttempt.objects.create(
            username=username, ip_address="10.0.0.1", failures_since_start=1
        )
    old = timezone.now() - timedelta(days=settings.PORTAL_SIGNIN_LOG_DAYS + 1)
    AxesLog.objects.filter(username="old").update(attempt_time=old)
    AccessAttempt.objects.filter(username="old").update(attempt_time=old)
    assert signin_records_purge() == 2
    assert list(AxesLog.objects.values_list("username", flat=True)) == ["new"]
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["new"]


def test_the_person_model_has_no_id_number_to_forget():
    # The portal never stores an ID-card number (orgs.Person says so): there is
    # no such column for a retention job to miss.
    names = {f.name for f in Person._meta.get_fields()}
    assert not names & {"id_number", "id_card", "identity_number"}
