"""In-service party members report to their community (S15)."""

import io
from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from tests.conftest import login
from tests.volunteers.conftest import make_activity, register
from volunteers import selectors, services
from volunteers.models import Attendance, InServiceYearReview, VolunteerKind


def served(w, volunteer_user, when, attendance=Attendance.PRESENT, community=None):
    """Have ``volunteer_user`` serve at a community activity at ``when``."""
    activity = make_activity(
        w.secretary_a, community=community or w.a, starts=when, title="服务"
    )
    checkin = services.checkin_scan(
        user=volunteer_user,
        token=services.activity_checkin_token(activity),
        now=when,
    )
    return services.attendance_confirm(
        user=w.secretary_a, checkin=checkin, attendance=attendance, now=when
    )


def at(year, month, day=10, hour=9):
    return timezone.make_aware(datetime(year, month, day, hour))


@pytest.fixture
def last_year():
    return timezone.localdate().year - 1


@pytest.fixture
def two_members(vw, last_year):
    """Member A serves 9 times last year, member A2 serves 10 times."""
    from tests.conftest import _user

    vw.member2 = _user("member_a2")
    vw.vol_a2 = register(
        vw.member2, vw.a, kind=VolunteerKind.IN_SERVICE, unit=vw.unit_a
    )
    for month in range(1, 10):
        served(vw, vw.volunteer_a, at(last_year, month))
    for month in range(1, 11):
        served(vw, vw.member2, at(last_year, month))
    # an absent check-in is no service
    served(vw, vw.volunteer_a, at(last_year, 11), attendance=Attendance.ABSENT)
    return vw


def test_in_service_member_needs_an_employer_unit(vw):
    from tests.conftest import _user

    with pytest.raises(ValidationError, match="工作单位"):
        register(_user("no_unit"), vw.a, kind=VolunteerKind.IN_SERVICE)


def test_each_check_in_at_a_community_activity_counts_as_a_service(
    two_members, last_year
):
    w = two_members
    counts = selectors.in_service_monthly_counts([w.vol_a, w.vol_a2], last_year)
    assert sum(counts[w.vol_a.pk].values()) == 9
    assert counts[w.vol_a.pk].get(11) is None  # absent does not count
    assert sum(counts[w.vol_a2.pk].values()) == 10


def test_street_level_activity_is_not_a_community_service(vw):
    activity = make_activity(vw.street_staff, street=vw.street)
    checkin = services.checkin_scan(
        user=vw.volunteer_a, token=services.activity_checkin_token(activity)
    )
    assert not checkin.in_service and checkin.employer_unit_id is None


def test_under_ten_services_in_a_closed_year_is_flagged_not_eligible(
    two_members, last_year
):
    w = two_members
    rows = {
        r["volunteer"].pk: r
        for r in selectors.in_service_members(
            user=w.unit_head_a, year=last_year, unit_id=w.unit_a.pk, month=12
        )
    }
    # 9 services: flagged; 10 services: eligible
    assert rows[w.vol_a.pk]["total"] == 9
    assert rows[w.vol_a.pk]["below_year"] and rows[w.vol_a.pk]["not_eligible"]
    assert rows[w.vol_a2.pk]["total"] == 10
    assert not rows[w.vol_a2.pk]["below_year"]
    assert not rows[w.vol_a2.pk]["not_eligible"]
    # and both served nothing in December: below one service that month
    assert rows[w.vol_a.pk]["below_month"] and rows[w.vol_a2.pk]["below_month"]


def test_the_current_year_is_not_flagged_before_it_ends(vw):
    served(vw, vw.volunteer_a, timezone.now() - timedelta(minutes=5))
    year = timezone.localdate().year
    (row,) = selectors.in_service_members(user=vw.unit_head_a, year=year)
    assert row["below_year"] and not row["not_eligible"]


def test_year_close_writes_the_flag_once_and_is_idempotent(two_members, last_year):
    w = two_members
    assert services.in_service_year_close(year=last_year) == 2
    assert services.in_service_year_close(year=last_year) == 2
    reviews = {
        r.volunteer_id: r for r in InServiceYearReview.objects.filter(year=last_year)
    }
    assert len(reviews) == 2
    assert reviews[w.vol_a.pk].services == 9
    assert reviews[w.vol_a.pk].eligible_excellent is False
    assert reviews[w.vol_a2.pk].eligible_excellent is True
    assert reviews[w.vol_a.pk].months_below == 3
    with pytest.raises(ValidationError, match="尚未结束"):
        services.in_service_year_close(year=timezone.localdate().year)


def test_close_year_task_runs_the_service(two_members, last_year):
    from volunteers.tasks import close_in_service_year

    assert close_in_service_year.delay(last_year).get() == 2
    assert InServiceYearReview.objects.filter(year=last_year).count() == 2


def test_report_page_per_party_org_and_its_scope(two_members, last_year):
    w = two_members
    url = f"/volunteers/manage/in-service/?year={last_year}&month=12&unit={w.unit_a.pk}"
    html = login(w.unit_head_a).get(url).content.decode()
    assert "volunteer_a" in html and "member_a2" in html
    assert "不能评为优秀党员" in html
    summary = login(w.street_admin).get(
        f"/volunteers/manage/in-service/?year={last_year}&month=12"
    )
    assert "甲单位" in summary.content.decode()
    # another unit's head and another community see nothing of unit A
    assert login(w.secretary_b).get(url).status_code == 404
    assert login(w.volunteer_a).get(url).status_code == 403
    assert login(w.grid_worker_a).get(url).status_code == 403


def test_unit_head_of_another_unit_in_the_same_community_gets_404(
    two_members, last_year
):
    from portal.models import Role
    from portal.services import role_assign
    from tests.conftest import _user

    # given the head of unit A2, a neighbour of unit A in community A
    w = two_members
    head = _user("head_a2")
    role_assign(user=head, role=Role.UNIT_HEAD, org_node=w.unit_a2)
    # then unit A's report and card are not found for him
    url = f"/volunteers/manage/in-service/?year={last_year}&unit={w.unit_a.pk}"
    assert login(head).get(url).status_code == 404
    card = f"/volunteers/manage/in-service/card/{w.unit_a.pk}/{last_year}/1/"
    assert login(head).get(card).status_code == 404


def test_excel_export_has_the_same_rows_and_escapes_formulas(two_members, last_year):
    w = two_members
    w.vol_a.person.name = '=HYPERLINK("http://evil","x")'
    w.vol_a.person.save()
    url = (
        f"/volunteers/manage/in-service/export.xlsx?year={last_year}"
        f"&month=12&unit={w.unit_a.pk}"
    )
    response = login(w.unit_head_a).get(url)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    names = {r[0] for r in rows[1:]}
    assert len(rows) == 3
    assert '\'=HYPERLINK("http://evil","x")' in names
    assert all(not str(c.value or "").startswith("=") for row in sheet for c in row)
    flags = {r[0]: r[-1] for r in rows[1:]}
    assert flags["member_a2"] == "达标"


def test_quarterly_service_card_page_and_excel(two_members, last_year):
    w = two_members
    page = login(w.secretary_a).get(
        f"/volunteers/manage/in-service/card/{w.unit_a.pk}/{last_year}/1/"
    )
    html = page.content.decode()
    assert page.status_code == 200 and "服务记录卡" in html and "member_a2" in html
    response = login(w.unit_head_a).get(
        f"/volunteers/manage/in-service/card/{w.unit_a.pk}/{last_year}/1.xlsx"
    )
    rows = list(
        load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
    )
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["member_a2"][2:6] == (1, 1, 1, 3)
    assert (
        login(w.secretary_b)
        .get(f"/volunteers/manage/in-service/card/{w.unit_a.pk}/{last_year}/1/")
        .status_code
        == 404
    )


def test_party_org_confirms_points_from_the_check_in_proof(vw):
    checkin = served(vw, vw.volunteer_a, timezone.now() - timedelta(minutes=5))
    with pytest.raises(PermissionDenied):
        services.party_points_confirm(user=vw.secretary_b, checkin=checkin)
    confirmed = services.party_points_confirm(
        user=vw.unit_head_a, checkin=checkin, points=3
    )
    assert (
        confirmed.party_points == 3 and confirmed.party_confirmed_by == vw.unit_head_a
    )
    with pytest.raises(ValidationError, match="已确认"):
        services.party_points_confirm(user=vw.unit_head_a, checkin=checkin)


def test_party_confirmation_page_lists_and_confirms(vw):
    checkin = served(vw, vw.volunteer_a, timezone.now() - timedelta(minutes=5))
    client = login(vw.unit_head_a)
    html = client.get("/volunteers/manage/in-service/confirm/").content.decode()
    assert "volunteer_a" in html
    client.post(
        "/volunteers/manage/in-service/confirm/", {"checkin": [checkin.pk], "points": 2}
    )
    checkin.refresh_from_db()
    assert checkin.party_points == 2 and checkin.party_confirmed_at
    assert (
        login(vw.secretary_a).get("/volunteers/manage/in-service/confirm/").status_code
        == 403
    )


def test_quarter_card_notices_go_once_to_the_employer_units_heads(vw):
    from portal.models import Reminder

    when = timezone.now() - timedelta(minutes=5)
    served(vw, vw.volunteer_a, when)
    year = timezone.localdate(when).year
    quarter = (timezone.localdate(when).month - 1) // 3 + 1
    assert services.service_card_notices_send(year=year, quarter=quarter) == 1
    services.service_card_notices_send(year=year, quarter=quarter)
    reminder = Reminder.objects.get(kind="volunteers.card")
    assert reminder.recipient == vw.unit_head_a
    assert f"/card/{vw.unit_a.pk}/{year}/{quarter}/" in reminder.link


def test_report_lists_the_members_below_one_service_in_a_month(two_members, last_year):
    # given: in October member A2 served once, member A not at all
    w = two_members
    url = (
        f"/volunteers/manage/in-service/?year={last_year}&month=10"
        f"&unit={w.unit_a.pk}&below=1"
    )
    html = login(w.unit_head_a).get(url).content.decode()
    assert "volunteer_a" in html and "member_a2" not in html
