"""The four users' main paths, end to end in Chromium, in Chinese and in English.

1. Street staff on a desktop: key figures and charts, the org tree, the grid,
   a case escalated, sign out.
2. A community secretary on a phone: this month's meeting, attendance,
   minutes with a photo, a problem turned into a unit's action item; the
   unit's head finds it in his list.
3. The street admin: a monthly evaluation run to the end, results sorted by
   score, one grade overridden, the month published; the unit head reads the
   feedback in his inbox.
4. A volunteer on a phone: an activity's share link, sign-up, check-in, the
   points, the love station, a micro-wish claimed.

The journeys write to the session's e2e database, so each language works on
its own objects (its own month, activity, problem title, and the next case
or wish still open), and nothing another e2e test reads is used up.
"""

import io
import json
import re
from datetime import date, timedelta

import pytest
from PIL import Image

from tests.e2e.conftest import PHONE, _e2e_env, _run

LANGUAGES = ["zh", "en"]

#: What the journeys need from the demo data, printed as JSON: the demo unit
#: head's unit, the month of the first community's latest 大党委 meeting that
#: has taken place, and one activity per language under way now in the first
#: community (published by its secretary, as a community would).
SETUP = """
import datetime, json
from django.utils import timezone
from portal.models import Role, User
from volunteers import services
secretary = User.objects.get(username="secretary1")
community = secretary.role_assignments.get(role=Role.COMMUNITY_SECRETARY).org_node
unit = User.objects.get(username="unithead1").role_assignments.get(role=Role.UNIT_HEAD).org_node
now = timezone.now()
activities = {}
for language, title in (("zh", "垃圾分类入户宣传"), ("en", "敬老院陪伴读报")):
    activity = services.activity_publish(
        user=secretary, community=community, title=title, activity_type="environment",
        place="东风社区党群服务中心", starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(hours=2), capacity=30, points_per_hour=10)
    activities[language] = {"pk": activity.pk, "title": title}
from meetings.models import Meeting
held = Meeting.objects.filter(
    community=community, committee__kind="big_party", held_at__lte=now
).order_by("-held_at").first()
print("JOURNEYS" + json.dumps({
    "unit": {"pk": unit.pk, "name": unit.name},
    "community": community.name,
    "meeting_month": held.month.strftime("%Y-%m"),
    "activities": activities,
}, ensure_ascii=False))
"""


@pytest.fixture(scope="module")
def demo(live_portal):
    out = _run(["shell", "-c", SETUP], _e2e_env())
    return json.loads(out.split("JOURNEYS", 1)[1].strip().splitlines()[0])


def _fits(j):
    width = j.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "%s scrolls sideways on a phone" % j.page.url


def _follow(j, target):
    """Click a link or a submit button (a selector or a locator) and wait for
    the page it leads to."""
    if isinstance(target, str):
        target = j.page.locator(target)
    with j.page.expect_navigation():
        target.click()


def _number(text):
    return int(re.sub(r"[^\d-]", "", text))


def _open_menu(j, href):
    """On a phone, open the main menu and follow one of its links."""
    if j.page.locator("[data-nav-toggle]").is_visible():
        j.page.click("[data-nav-toggle]")
    _follow(j, f"#main-nav a[href='{href}']")


def _month(months_back):
    today = date.today().replace(day=1)
    index = today.year * 12 + today.month - 1 - months_back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


# -- 1. street staff, desktop -------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_street_staff_dashboard_tree_grid_and_case_escalation(journey, language):
    j = journey("journey1-staff", language=language)
    j.login("staff")
    # the dashboard: the street's key figures, and every chart drawn
    assert j.page.url.rstrip("/") == j.base
    assert j.page.locator("[data-stat=communities] .value").inner_text() == "11"
    assert j.page.locator("[data-stat=units] .value").inner_text() == "533"
    charts = j.page.locator("[data-chart]")
    assert charts.count() >= 1
    j.page.wait_for_function(
        "() => [...document.querySelectorAll('[data-chart]')]"
        ".every(c => c.dataset.rendered === '1')",
        timeout=20_000,
    )
    j.check_accessibility()
    j.shot("dashboard")

    # the org tree: expand a community, open one of its units
    _follow(j, "#main-nav a[href='/orgs/']")
    tree = j.page.locator("[data-testid=org-tree]")
    community = tree.locator("li.kind-community > details").nth(1)
    community.locator("> summary").click()
    assert community.get_attribute("open") is not None
    j.check_accessibility()
    j.shot("org-tree")
    unit_link = community.locator("li.kind-unit a").first
    unit_name = unit_link.inner_text().strip()
    _follow(j, unit_link)
    assert "/orgs/units/" in j.page.url
    assert unit_name in j.page.locator("h1").inner_text()
    j.check_accessibility()
    j.shot("unit")

    # the grid: expand an area (level 2), open a unit's cell (level 3)
    _follow(j, "#main-nav a[href='/grids/']")
    area = j.page.locator("[data-testid=grid-tree] li[data-level='2']").nth(1)
    area.locator("> details > summary").click()
    cell = area.locator("li[data-level='3']").first
    cell_name = cell.locator("a").first.inner_text().strip()
    j.shot("grid-tree")
    _follow(j, cell.locator("a").first)
    assert "/grids/cells/" in j.page.url
    assert cell_name.split()[-1] in j.page.locator("h1").inner_text()
    j.check_accessibility()
    j.shot("cell")

    # the case board: open cases at the community level, escalate the first
    j.page.goto(j.base + "/grids/")
    _follow(j, "[data-testid=grids-subnav] a[href='/grids/cases/']")
    j.page.select_option("#id_level", "community")
    j.page.select_option("#id_status", "open")
    _follow(j, "form.filters button[type=submit]")
    rows = j.page.locator("[data-testid=cases] tbody tr")
    assert rows.count() > 0
    j.check_accessibility()
    j.shot("case-board")
    _follow(j, rows.first.locator("a").first)
    history = j.page.locator("[data-testid=history] li")
    before = history.count()
    reason = j.t(
        "社区协调无果，需街道协调城管和物业。",
        "社区无法解决：请街道协调（English run）。",
    )
    j.page.fill("#escalate-text", reason)
    j.shot("case-escalating")
    _follow(j, "[data-testid=escalate]")
    assert history.count() == before + 1
    assert reason in history.last.inner_text()
    assert j.page.locator(".page-head .actions [data-level]").get_attribute(
        "data-level"
    ) == ("street")
    j.check_accessibility()
    j.shot("case-escalated")

    j.logout()
    assert "/accounts/login/" in j.page.url
    j.shot("signed-out")


# -- 2. community secretary, phone ---------------------------------------------------


def _photo_png(tmp_path):
    path = tmp_path / "会议现场.png"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 40, 40)).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.parametrize("language", LANGUAGES)
def test_secretary_files_the_months_meeting_on_a_phone_and_the_unit_head_sees_the_item(
    journey, demo, language, tmp_path
):
    j = journey("journey2-secretary", viewport=PHONE, language=language)
    j.login("secretary1")
    # the latest meeting that has taken place, from the meetings calendar
    _open_menu(j, "/meetings/")
    j.goto("/meetings/?month=%s" % demo["meeting_month"])
    _fits(j)
    j.check_accessibility()
    j.shot("meetings")
    _follow(
        j, j.page.locator("[data-testid=month-meetings] a", has_text=demo["community"])
    )
    meeting_url = j.page.url
    assert re.search(r"/meetings/\d+/$", meeting_url)
    _fits(j)
    j.check_accessibility()
    j.shot("meeting")

    # attendance: everyone present but the first member, who sent apologies
    _follow(j, "[data-testid=record-attendance]")
    _fits(j)
    j.check_accessibility()
    rows = j.page.locator("fieldset.attendance-row")
    assert rows.count() > 0
    rows.first.locator("input[value=excused]").check()
    resident = j.t("居民代表李桂兰", "居民代表周建国")
    j.page.fill("#id_residents", resident)
    j.shot("attendance")
    _follow(j, "main button[type=submit]")
    assert j.page.url == meeting_url

    # minutes, formatted, with a photo
    _follow(j, "[data-testid=file-minutes]")
    _fits(j)
    j.check_accessibility()
    decision = j.t(
        "议定事项：东风路早市占道经营，由城管和物业联合整治。",
        "议定事项：健身器材损坏，由物业维修。",
    )
    editor = j.page.locator(".editor")
    editor.click()
    j.page.keyboard.press("Control+A")
    j.page.keyboard.type(decision)
    j.page.click("[data-cmd=bold]")
    j.page.keyboard.type(j.t("两周内完成", "一周内完成"))
    j.page.set_input_files("#id_files", str(_photo_png(tmp_path)))
    j.shot("minutes")
    _follow(j, "[data-testid=submit-minutes]")
    assert j.page.url == meeting_url

    # a problem raised at the meeting, given to the unit as an action item
    _follow(j, "[data-testid=add-problem]")
    _fits(j)
    j.check_accessibility()
    problem = j.t("东风路早市占道经营", "小区健身器材损坏")
    item = j.t("组织职工志愿者劝导摊贩入市经营", "联系厂家维修健身器材")
    j.page.fill("#id_title", problem)
    j.page.fill(
        "#id_description", j.t("早高峰堵塞人行道。", "器材松动，存在安全隐患。")
    )
    j.page.check("#id_raised_during_meeting")
    j.page.select_option("#id_item_unit", str(demo["unit"]["pk"]))
    j.page.fill("#id_item_title", item)
    j.page.fill("#id_item_due_on", (date.today() + timedelta(days=14)).isoformat())
    j.shot("problem")
    _follow(j, "[data-testid=submit-problem]")

    # the meeting page shows all of it
    assert j.page.url.split("#")[0] == meeting_url
    assert decision in j.page.locator("[data-testid=minutes]").inner_text()
    assert j.page.locator(
        "[data-testid=minutes] strong, [data-testid=minutes] b"
    ).count()
    photos = j.page.locator(".attachments img")
    assert photos.count() >= 1
    photos.last.scroll_into_view_if_needed()  # they load lazily
    j.page.wait_for_function(
        "() => [...document.querySelectorAll('.attachments img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    attendance = j.page.locator("[data-testid=attendance]")
    assert resident in attendance.inner_text()
    assert attendance.locator("[data-status=excused]").count() >= 1
    card = j.page.locator(".problem-card", has_text=problem)
    assert card.count() == 1
    assert item in card.inner_text()
    assert demo["unit"]["name"] in card.inner_text()
    _fits(j)
    j.check_accessibility()
    j.shot("meeting-filed")
    j.logout()

    # the unit's head finds the item in his to-do list
    j.login("unithead1")
    _open_menu(j, "/meetings/")
    _follow(j, ".meetings-subnav a[href='/meetings/items/mine/']")
    todo = j.page.locator("main")
    assert item in todo.inner_text()
    _fits(j)
    j.check_accessibility()
    j.shot("unit-head-todo")


# -- 3. street admin, desktop --------------------------------------------------------


def _scores(j):
    cells = j.page.locator("[data-testid=results] tbody td.num")
    return [float(text) for text in cells.all_inner_texts()]


@pytest.mark.parametrize(
    "language, months_back",
    # Months before the demo's twelve evaluated ones, and not the month the
    # evaluations e2e test runs (13 back): each language publishes its own.
    [("zh", 14), ("en", 15)],
)
def test_admin_runs_sorts_overrides_publishes_and_the_unit_head_is_told(
    journey, demo, language, months_back
):
    month = _month(months_back)
    j = journey("journey3-admin", language=language)
    j.login("admin")
    assert "/accounts/otp/" in j.page.url
    j.check_accessibility()
    j.shot("two-factor")
    j.pass_two_factor()
    assert "/accounts/otp/" not in j.page.url

    # start the month and watch the bar reach the end
    _follow(j, "#main-nav a[href='/evaluations/']")
    j.check_accessibility()
    j.page.fill("#id_month", month)
    _follow(j, "[data-testid=start-run]")
    progress = j.page.locator("[data-testid=run-progress]")
    assert month in progress.locator("h2").inner_text()
    j.shot("run-started")
    j.page.wait_for_function(
        "() => document.querySelector('[data-run-progress] progress').value === 100",
        timeout=120_000,
    )
    j.page.locator("[data-when-done] a").wait_for(state="visible", timeout=10_000)
    assert progress.get_attribute("data-active") == "0"
    j.shot("run-done")

    # the results, sorted by score one way and the other
    _follow(j, "[data-when-done] a")
    assert month in j.page.locator("h1").inner_text()
    highest = _scores(j)
    assert len(highest) == 50
    assert highest == sorted(highest, reverse=True)
    header = j.page.locator("[data-testid=results] thead a[data-sort=score]")
    assert header.get_attribute("aria-sort") == "descending"
    _follow(j, header)
    assert header.get_attribute("aria-sort") == "ascending"
    lowest = _scores(j)
    assert lowest == sorted(lowest)
    assert lowest[0] < highest[0], "the sort did not change the order"
    j.check_accessibility()
    j.shot("results-by-score")

    # override the lowest-scored result's grade, with the reason
    row = j.page.locator("[data-testid=results] tbody tr").first
    subject = row.locator("td").first.inner_text().strip()
    _follow(j, row.locator("a[data-testid=result-detail]"))
    assert subject in j.page.locator("h1").inner_text()
    j.check_accessibility()
    form = j.page.locator("[data-testid=override-form]")
    current = j.page.locator("[data-testid=grade]").get_attribute("data-grade")
    target = "fair" if current != "fair" else "good"
    reason = j.t(
        "该单位本月承办了社区敬老活动，台账漏报，经核实调整。",
        "活动台账补报，经社区核实后调整（English run）。",
    )
    form.locator("select").select_option(target)
    form.locator("textarea").fill(reason)
    j.shot("override")
    _follow(j, form.locator("button[type=submit]"))
    assert j.page.locator("[data-testid=grade]").get_attribute("data-grade") == target
    assert reason in j.page.locator("[data-testid=overrides]").inner_text()
    j.shot("overridden")

    # publish the month (the page asks to confirm)
    _follow(j, ".breadcrumbs a")
    _follow(j, header)  # lowest first again
    adjusted = j.page.locator("[data-testid=results] tbody tr", has_text=subject)
    assert adjusted.locator("[data-testid=overridden]").count() == 1
    j.page.once("dialog", lambda dialog: dialog.accept())
    _follow(j, "[data-testid=publish]")
    assert j.page.locator("[data-testid=published]").is_visible()
    assert j.page.locator("[data-testid=publish]").count() == 0
    j.shot("published")
    j.logout()

    # the unit head reads his unit's feedback for that month in the inbox
    j.login("unithead1")
    inbox = j.page.locator("[data-testid=inbox-link]")
    assert inbox.locator(".badge").count() == 1
    _follow(j, inbox)
    notice = j.page.locator(
        "[data-testid=inbox] li[data-kind^='evaluations.feedback']",
        has_text=f"{month} {demo['unit']['name']}",
    )
    assert notice.count() == 1
    assert notice.locator(".badge").count() == 1  # unread
    j.check_accessibility()
    j.shot("unit-head-inbox")
    _follow(j, notice.locator("a"))
    assert demo["unit"]["name"] in j.page.locator("h1").inner_text()
    assert month in j.page.locator("h1").inner_text()
    assert j.page.locator("[data-testid=feedback]").inner_text().strip()
    j.check_accessibility()
    j.shot("unit-head-feedback")


# -- 4. volunteer, phone -------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_volunteer_signs_up_checks_in_earns_redeems_and_claims_a_wish(
    journey, demo, language
):
    activity = demo["activities"][language]
    v = journey("journey4-volunteer", viewport=PHONE, language=language)
    # the share link someone sent him: sign in, land on the activity
    v.page.goto(v.base + f"/volunteers/activities/{activity['pk']}/")
    assert "/accounts/login/" in v.page.url
    v.page.fill("#id_username", "volunteer1")
    v.page.fill("#id_password", "e2e-Demo-pass-2026")
    _follow(v, "main button[type=submit]")
    assert v.page.url.endswith(f"/volunteers/activities/{activity['pk']}/")
    assert activity["title"] in v.page.locator("h1").inner_text()
    _fits(v)
    v.check_accessibility()
    v.shot("activity")
    _follow(v, "[data-testid=signup]")
    assert v.page.locator("[data-testid=signup-state]").get_attribute("data-state") == (
        "signed"
    )
    v.shot("signed-up")

    # at the activity, the organiser shows the QR code; he scans it
    o = journey("journey4-organiser", language=language)
    o.login("secretary1")
    o.page.goto(o.base + f"/volunteers/manage/activities/{activity['pk']}/")
    checkin_url = o.page.locator("[data-testid=checkin-link]").inner_text().strip()
    assert o.page.locator("img.qr").evaluate("img => img.naturalWidth") > 0
    o.shot("qr-code")
    v.page.goto(checkin_url)
    _fits(v)
    v.check_accessibility()
    _follow(v, "[data-testid=checkin-button]")
    assert v.page.locator("[data-testid=checked-in]").is_visible()
    v.shot("checked-in")

    # the organiser confirms attendance, which awards the points
    o.page.reload()
    row = o.page.locator("[data-testid=checkins] tbody tr").last
    row.locator("select").select_option("present")
    _follow(o, "[data-testid=confirm-attendance]")
    o.shot("attendance-confirmed")
    awarded = _number(
        o.page.locator("[data-testid=checkins] tbody tr")
        .last.locator("td.num")
        .inner_text()
    )
    assert awarded > 0

    # his points: the activity's entry and the balance
    _follow(v, ".phone-nav a[href='/volunteers/me/points/']")
    balance = _number(v.page.locator("[data-testid=balance]").inner_text())
    entry = v.page.locator("[data-testid=ledger] li").first
    assert activity["title"] in entry.inner_text()
    assert entry.locator("[data-points]").get_attribute("data-points") == str(awarded)
    _fits(v)
    v.check_accessibility()
    v.shot("points")

    # the love station: redeem the first thing he can afford
    _follow(v, ".phone-nav a[href='/volunteers/station/']")
    _fits(v)
    v.check_accessibility()
    item = v.page.locator("[data-testid=items] li:has(button:not([disabled]))").first
    price = _number(item.get_attribute("data-price"))
    name = item.locator("h3").inner_text()
    v.shot("station")
    _follow(v, item.locator("button[type=submit]"))
    assert v.page.locator(".message-success").is_visible()
    assert _number(v.page.locator("[data-testid=station-balance]").inner_text()) == (
        balance - price
    )
    v.shot("redeemed")
    _follow(v, ".phone-nav a[href='/volunteers/me/points/']")
    assert name in v.page.locator("[data-testid=redemptions]").inner_text()

    # the wishes wall: claim the newest open micro-wish
    _follow(v, ".phone-nav a[href='/volunteers/wall/']")
    _fits(v)
    v.check_accessibility()
    v.shot("wishes-wall")
    wish = v.page.locator("[data-testid=wall] li h3 a").first
    title = wish.inner_text().strip()
    _follow(v, wish)
    assert "*" in v.page.locator("[data-testid=resident]").inner_text()
    _follow(v, "[data-testid=claim]")
    assert v.page.locator("[data-testid=claim-status]").get_attribute(
        "data-status"
    ) == ("claimed")
    assert "*" not in v.page.locator("[data-testid=resident]").inner_text()
    _fits(v)
    v.check_accessibility()
    v.shot("wish-claimed")
    v.page.goto(v.base + "/volunteers/wall/?tab=wishes&status=mine")
    assert title in v.page.locator("[data-testid=wall]").inner_text()
    v.shot("my-wishes")
