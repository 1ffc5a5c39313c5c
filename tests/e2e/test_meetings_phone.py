"""A community secretary files a meeting's minutes from a phone (390×844)."""

import io

import pytest
from PIL import Image

from tests.e2e.conftest import PHONE, _e2e_env, _run

#: Make sure secretary1's community has a 大党委 with seats and its meetings of
#: this month and last (the orgs seed provides the committee once it has
#: landed; before that, build a small one), then print the id of the latest
#: one that has taken place.
SETUP = """
import datetime
from django.utils import timezone
from orgs.models import Committee, CommitteeKind, OrgKind, OrgNode, Person, Seat
from portal.models import User
from meetings import services
from meetings.models import Meeting
user = User.objects.get(username="secretary1")
community = user.role_assignments.get(role="community_secretary").org_node
committee = Committee.objects.filter(kind=CommitteeKind.BIG_PARTY, community=community).first()
if committee is None:
    committee = Committee.objects.create(kind=CommitteeKind.BIG_PARTY, org=community,
        street_id=community.street_id, community=community, name=community.name + "大党委")
    for i, unit in enumerate(OrgNode.objects.filter(kind=OrgKind.UNIT, community=community)[:3]):
        person = Person.objects.create(name="委员%s" % i, street_id=community.street_id, community=community, unit=unit)
        Seat.objects.create(committee=committee, person=person, represents=unit, origin="elected",
            is_unit_secretary=True, term_start=datetime.date(2020, 1, 1),
            street_id=community.street_id, community=community)
month = timezone.localdate().replace(day=1)
last_month = (month - datetime.timedelta(days=1)).replace(day=1)
for m in (last_month, month):
    services.meeting_schedule_month(month=m, committees=[committee])
# the latest meeting that has taken place (minutes are filed after it)
meeting = Meeting.objects.filter(committee=committee, held_at__lte=timezone.now()).order_by("-held_at").first()
print("MEETING", meeting.pk)
"""


@pytest.fixture(scope="module")
def meeting_id(live_portal):
    out = _run(["shell", "-c", SETUP], _e2e_env())
    return int(out.split("MEETING", 1)[1].split()[0])


def _fits(j):
    width = j.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "%s scrolls sideways on a phone" % j.page.url


def _photo(tmp_path):
    path = tmp_path / "现场照片.jpg"
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), (30, 120, 200)).save(out, format="JPEG")
    path.write_bytes(out.getvalue())
    return path


def test_secretary_records_attendance_and_files_minutes_with_a_photo_on_a_phone(
    journey, meeting_id, tmp_path
):
    j = journey("meetings-minutes-phone", viewport=PHONE)
    j.login("secretary1")
    # the meeting page fits the phone
    j.goto("/meetings/%s/" % meeting_id)
    _fits(j)
    j.check_accessibility()
    j.shot("meeting")
    # attendance: one row of three choices per member
    j.page.click("[data-testid=record-attendance]")
    j.page.wait_for_load_state("networkidle")
    _fits(j)
    j.check_accessibility()
    j.page.fill("#id_residents", "居民代表王五")
    j.shot("attendance")
    j.page.click("main button[type=submit]")
    j.page.wait_for_load_state("networkidle")
    # minutes: the formatting editor, a photo, submit
    j.page.click("[data-testid=file-minutes]")
    j.page.wait_for_load_state("networkidle")
    _fits(j)
    j.check_accessibility()
    editor = j.page.locator(".editor")
    assert editor.is_visible()
    editor.click()
    j.page.keyboard.type("议定事项：更换路灯，由物业负责。")
    j.page.click("[data-cmd=bold]")
    j.page.keyboard.type("两周内完成")
    j.page.set_input_files("#id_files", str(_photo(tmp_path)))
    j.shot("minutes-form")
    j.page.click("[data-testid=submit-minutes]")
    j.page.wait_for_load_state("networkidle")
    # back on the meeting page: the minutes, the photo and the attendance
    assert "/meetings/%s/" % meeting_id in j.page.url
    minutes = j.page.locator("[data-testid=minutes]")
    assert "更换路灯" in minutes.inner_text()
    assert minutes.locator("strong, b").count() >= 1
    assert j.page.locator(".attachments img").count() >= 1
    assert "居民代表王五" in j.page.locator("[data-testid=attendance]").inner_text()
    _fits(j)
    j.shot("meeting-after")


def test_street_staff_browses_calendar_board_channel_and_rotation(journey, meeting_id):
    j = journey("meetings-staff-desktop")
    j.login("staff")
    j.page.click("#main-nav >> text=联席会议")
    j.page.wait_for_load_state("networkidle")
    assert j.page.locator("[data-testid=calendar]").is_visible()
    j.check_accessibility()
    j.shot("calendar")
    j.goto("/meetings/%s/" % meeting_id)
    j.check_accessibility()
    j.page.click("text=轮值安排")
    j.page.wait_for_load_state("networkidle")
    assert j.page.locator("[data-testid=rotation]").is_visible()
    j.check_accessibility()
    j.shot("rotation")
    j.goto("/meetings/items/?overdue=1")
    j.check_accessibility()
    j.shot("board")
    j.goto("/meetings/%s/" % meeting_id)
    j.page.click("text=委员会交流群")
    j.page.wait_for_load_state("networkidle")
    j.check_accessibility()
    j.shot("channel")
