"""Who looked at volunteers' personal data, and who changed what."""

from auditlog.models import LogEntry

from portal.models import AccessLog
from tests.conftest import login
from volunteers import services


def test_viewing_the_volunteer_list_is_recorded(vw):
    login(vw.secretary_a).get("/volunteers/manage/volunteers/")
    row = AccessLog.objects.get(user=vw.secretary_a)
    assert row.what == "volunteers.volunteer" and row.count == 1
    assert row.action == AccessLog.Action.VIEW


def test_exporting_the_in_service_report_is_recorded_as_an_export(vw):
    url = f"/volunteers/manage/in-service/export.xlsx?unit={vw.unit_a.pk}"
    assert login(vw.unit_head_a).get(url).status_code == 200
    row = AccessLog.objects.get(user=vw.unit_head_a)
    assert row.action == AccessLog.Action.EXPORT and row.count == 1


def test_changes_to_a_wish_are_audited_with_the_resident_masked(vw):
    wish = services.wish_create(
        user=vw.secretary_a,
        community=vw.a,
        title="轮椅",
        resident_name="钱老太",
        resident_phone="13912345678",
    )
    entry = LogEntry.objects.get_for_object(wish).get()
    text = str(entry.changes)
    assert "13912345678" not in text and "139****5678" in text
