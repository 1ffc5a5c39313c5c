"""Minutes: sanitised formatted text, revisions, and filing from a phone page."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from meetings import services
from meetings.minutes import sanitise_minutes
from meetings.models import Meeting, MeetingStatus, MinutesRevision
from portal.models import Reminder
from tests.conftest import login
from tests.meetings.conftest import after, png_bytes

pytestmark = pytest.mark.dates

ATTACKS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">点我</a>',
    '<a href="JaVaScRiPt:alert(1)">点我</a>',
    '<a href="  javascript:alert(1)">点我</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">点我</a>',
    '<p onclick="alert(1)" onmouseover="alert(1)">会议</p>',
    '<iframe src="https://evil.example"></iframe>',
    "<svg onload=alert(1)><circle /></svg>",
    "<style>body{display:none}</style>",
    '<object data="x.swf"></object><embed src="x.swf">',
    '<form action="/x"><input name="a"><button>go</button></form>',
    '<div style="background:url(javascript:alert(1))">样式</div>',
    "<scr<script>ipt>alert(1)</script>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_the_sanitiser_removes_scripts_handlers_and_javascript_urls(attack):
    clean = sanitise_minutes("<p>会议开始</p>" + attack)
    lowered = clean.lower()
    assert "<script" not in lowered
    assert "javascript:" not in lowered
    assert "data:" not in lowered
    assert not re.search(r"\son\w+\s*=", lowered)
    for tag in (
        "<iframe",
        "<svg",
        "<style",
        "<object",
        "<embed",
        "<form",
        "<input",
        "<math",
    ):
        assert tag not in lowered
    assert "style=" not in lowered
    assert "会议开始" in clean


def test_the_sanitiser_keeps_formatting_and_safe_links():
    html = (
        "<h3>议定事项</h3><p><strong>一、</strong>路灯<em>维修</em></p>"
        '<ul><li>甲单位</li></ul><a href="https://example.gov.cn/x">通知</a>'
    )
    clean = sanitise_minutes(html)
    for part in (
        "<h3>",
        "<strong>",
        "<em>",
        "<ul>",
        "<li>",
        'href="https://example.gov.cn/x"',
    ):
        assert part in clean
    assert 'rel="noopener noreferrer nofollow"' in clean


def test_text_typed_without_the_editor_becomes_paragraphs():
    clean = sanitise_minutes("第一段\n第二行\n\n第二段 <b>加粗</b><script>x</script>")
    assert clean == "<p>第一段<br>第二行</p><p>第二段 <b>加粗</b></p>"


def test_a_plain_text_with_a_script_is_escaped_text():
    clean = sanitise_minutes("a < b & c > d")
    assert clean == "<p>a &lt; b &amp; c &gt; d</p>"


def test_filing_minutes_keeps_each_revision_with_who(mworld, held):
    meeting = held.a
    services.meeting_file_minutes(
        user=mworld.secretary_a, meeting=meeting, text="<p>初稿</p>"
    )
    services.meeting_file_minutes(
        user=mworld.street_staff,
        meeting=meeting,
        text="<p>定稿</p>",
        note="补充出席人员",
    )
    meeting.refresh_from_db()
    assert meeting.minutes_html == "<p>定稿</p>"
    assert meeting.minutes_filed_by == mworld.secretary_a  # the first filing stays
    assert meeting.status == MeetingStatus.HELD
    revisions = list(
        MinutesRevision.objects.filter(meeting=meeting).order_by("created_at", "id")
    )
    assert [(r.html, r.filed_by, r.note) for r in revisions] == [
        ("<p>初稿</p>", mworld.secretary_a, ""),
        ("<p>定稿</p>", mworld.street_staff, "补充出席人员"),
    ]


def test_empty_minutes_are_refused(mworld, held):
    with pytest.raises(ValidationError, match="不能为空"):
        services.meeting_file_minutes(
            user=mworld.secretary_a,
            meeting=held.a,
            text="<script>x</script>",
        )
    assert not MinutesRevision.objects.exists()


def test_the_chair_may_file_the_minutes_but_another_unit_may_not(mworld, held):
    meeting = held.a
    Meeting.objects.filter(pk=meeting.pk).update(chair=mworld.seat_a1)
    meeting.refresh_from_db()
    services.meeting_file_minutes(
        user=mworld.unit_head_a, meeting=meeting, text="轮值书记填写"
    )
    Meeting.objects.filter(pk=meeting.pk).update(chair=mworld.seat_a2)
    meeting.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.meeting_file_minutes(
            user=mworld.unit_head_a, meeting=meeting, text="x"
        )


def test_stored_xss_in_minutes_never_reaches_the_page(mworld, held):
    # given a secretary submits minutes full of attacks through the phone page
    meeting = held.a
    client = login(mworld.secretary_a)
    payload = "<p>纪要正文</p>" + "".join(ATTACKS)
    response = client.post("/meetings/%s/minutes/" % meeting.pk, {"text": payload})
    assert response.status_code == 302
    # when anyone opens the meeting page
    html = login(mworld.street_staff).get("/meetings/%s/" % meeting.pk).content.decode()
    # then the minutes are there and nothing in them can run
    body = html.split('data-testid="minutes">', 1)[1].split("</div>", 1)[0]
    assert "纪要正文" in body
    lowered = body.lower()
    assert "<script" not in lowered and "javascript:" not in lowered
    assert not re.search(r"\son\w+\s*=", lowered)
    assert "<iframe" not in lowered and "<svg" not in lowered
    # and the page as a whole carries no script but the portal's own files
    scripts = re.findall(r"<script[^>]*>", html.lower())
    assert all('src="/static/' in s for s in scripts)


def test_the_minutes_page_is_built_for_a_phone(mworld, meetings_next_month):
    html = login(mworld.secretary_a).get(
        "/meetings/%s/minutes/" % meetings_next_month.a.pk
    )
    text = html.content.decode()
    assert html.status_code == 200
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in text
    assert 'class="phone-page"' in text
    assert 'enctype="multipart/form-data"' in text
    assert 'accept="image/*' in text
    # every field has a label; the submit button spans the width
    for field in ("id_text", "id_files", "id_note"):
        assert 'for="%s"' % field in text
    assert "button primary block" in text


# -- a meeting that has not taken place yet ------------------------------------------


def _pending_reminders(meeting):
    return set(
        Reminder.objects.filter(
            key__startswith="meetings:meeting:%s:" % meeting.pk,
            sent_at__isnull=True,
            cancelled_at__isnull=True,
        ).values_list("key", flat=True)
    )


def test_attendance_before_the_meeting_is_refused_and_nothing_changes(
    mworld, meetings_next_month
):
    # given next month's meeting of A, with its reminders pending
    meeting = meetings_next_month.a
    reminders = _pending_reminders(meeting)
    assert reminders
    # when the secretary records attendance today, before it has started
    with pytest.raises(ValidationError, match="召开后才能登记出席"):
        services.meeting_record_attendance(
            user=mworld.secretary_a,
            meeting=meeting,
            statuses={mworld.seat_a1.pk: "present"},
        )
    # then it is still to be held, its members will still be reminded
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED
    assert not meeting.attendance.exists()
    assert _pending_reminders(meeting) == reminders


def test_minutes_before_the_meeting_are_refused_and_nothing_changes(
    mworld, meetings_next_month
):
    meeting = meetings_next_month.a
    reminders = _pending_reminders(meeting)
    with pytest.raises(ValidationError, match="召开后才能提交纪要"):
        services.meeting_file_minutes(
            user=mworld.secretary_a, meeting=meeting, text="<p>提前写的纪要</p>"
        )
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED
    assert meeting.minutes_filed_at is None
    assert not MinutesRevision.objects.filter(meeting=meeting).exists()
    assert _pending_reminders(meeting) == reminders


def test_the_attendance_page_before_the_meeting_says_when_and_saves_nothing(
    mworld, meetings_next_month
):
    meeting = meetings_next_month.a
    client = login(mworld.secretary_a)
    page = client.get("/meetings/%s/attendance/" % meeting.pk).content.decode()
    assert 'data-testid="attendance-not-yet"' in page
    assert "保存出席情况" not in page
    response = client.post(
        "/meetings/%s/attendance/" % meeting.pk,
        {"seat_%s" % mworld.seat_a1.pk: "present"},
    )
    assert response.status_code == 200
    assert "召开后才能登记出席" in response.content.decode()
    assert not meeting.attendance.exists()


def test_a_draft_written_before_the_meeting_stays_a_draft_until_filed(
    mworld, meetings_next_month
):
    # given the chair's secretary writes the minutes ahead, on a phone
    meeting = meetings_next_month.a
    reminders = _pending_reminders(meeting)
    client = login(mworld.secretary_a)
    page = client.get("/meetings/%s/minutes/" % meeting.pk).content.decode()
    assert 'data-testid="minutes-not-yet"' in page
    assert 'data-testid="submit-minutes"' not in page  # only a draft for now
    # when she saves a draft
    response = client.post(
        "/meetings/%s/minutes/" % meeting.pk,
        {"text": "<p>议程一：路灯</p>", "save_draft": "1"},
    )
    assert response.status_code == 302
    # then the draft is kept, but nothing is filed: the meeting is still to be
    # held and every reminder (chair, members, minutes) still pending
    meeting.refresh_from_db()
    assert meeting.minutes_draft_html == "<p>议程一：路灯</p>"
    assert meeting.status == MeetingStatus.SCHEDULED
    assert meeting.minutes_filed_at is None
    assert not MinutesRevision.objects.filter(meeting=meeting).exists()
    assert _pending_reminders(meeting) == reminders
    # and pressing "submit" before the meeting is refused with the reason
    refused = client.post(
        "/meetings/%s/minutes/" % meeting.pk, {"text": "<p>议程一：路灯</p>"}
    )
    assert refused.status_code == 200
    assert "召开后才能提交纪要" in refused.content.decode()
    # when the meeting has taken place, the form starts from the draft
    with after(meeting):
        client = login(mworld.secretary_a)  # a new day, a new sign-in
        page = client.get("/meetings/%s/minutes/" % meeting.pk).content.decode()
        assert "议程一：路灯" in page and 'data-testid="submit-minutes"' in page
        response = client.post(
            "/meetings/%s/minutes/" % meeting.pk, {"text": "<p>议程一：路灯</p>"}
        )
        assert response.status_code == 302
    # and filing it clears the draft and marks the meeting held
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert meeting.minutes_html == "<p>议程一：路灯</p>"
    assert meeting.minutes_draft_html == ""


def test_a_draft_does_not_take_files(mworld, meetings_next_month):
    meeting = meetings_next_month.a
    response = login(mworld.secretary_a).post(
        "/meetings/%s/minutes/" % meeting.pk,
        {
            "text": "<p>草稿</p>",
            "save_draft": "1",
            "files": [SimpleUploadedFile("现场.png", png_bytes(), "image/png")],
        },
    )
    assert response.status_code == 200
    assert "会后提交纪要时上传" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.minutes_draft_html == ""
