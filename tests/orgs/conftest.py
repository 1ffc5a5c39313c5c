"""Fixtures of the organisation tests: people, party orgs, committees, files."""

import datetime
import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from orgs.models import CommitteeKind, OrgKind, PartyMember, Person
from orgs.services import committee_ensure, org_node_create

TERM_START = datetime.date(2024, 3, 15)


def make_person(world, name, community=None, unit=None, phone="13912345678"):
    return Person.objects.create(
        name=name, phone=phone, street=world.street, community=community, unit=unit
    )


@pytest.fixture
def org(world):
    """Party orgs with secretaries and the committees of the test street.

    - 甲社区党委 (community A's party org), secretary 甲书记;
    - 乙社区党委, secretary 乙书记;
    - 甲单位党支部 (unit_a, 120 staff: a large unit), secretary 甲单位书记;
    - 甲二单位党支部 (unit_a2, 20 staff: small), secretary 甲二书记;
    - 乙单位党支部 (unit_b, in B), secretary 乙单位书记;
    - the street's 大工委 and 班子, A's and B's 大党委 and 两委.
    """
    w = world
    o = SimpleNamespace()
    o.sec_a = make_person(w, "甲书记", community=w.a)
    o.sec_b = make_person(w, "乙书记", community=w.b)
    o.large_sec = make_person(w, "甲单位书记", community=w.a, unit=w.unit_a)
    o.small_sec = make_person(w, "甲二书记", community=w.a, unit=w.unit_a2)
    o.b_unit_sec = make_person(w, "乙单位书记", community=w.b, unit=w.unit_b)
    o.nobody = make_person(w, "普通居民", community=w.a)
    o.po_a = org_node_create(
        kind=OrgKind.PARTY_ORG,
        name="甲社区党委",
        code="T-01-P1",
        parent=w.a,
        party_org_type="committee",
        secretary=o.sec_a,
        directly_managed=True,
    )
    o.po_b = org_node_create(
        kind=OrgKind.PARTY_ORG,
        name="乙社区党委",
        code="T-02-P1",
        parent=w.b,
        party_org_type="committee",
        secretary=o.sec_b,
        directly_managed=True,
    )
    w.party_org_a.secretary = o.large_sec
    w.party_org_a.save(update_fields=["secretary"])
    o.po_a2 = org_node_create(
        kind=OrgKind.PARTY_ORG,
        name="甲二单位党支部",
        code="T-01-U002-P1",
        parent=w.unit_a2,
        party_org_type="branch",
        secretary=o.small_sec,
    )
    o.po_unit_b = org_node_create(
        kind=OrgKind.PARTY_ORG,
        name="乙单位党支部",
        code="T-02-U001-P1",
        parent=w.unit_b,
        party_org_type="branch",
        secretary=o.b_unit_sec,
    )
    o.big_working = committee_ensure(kind=CommitteeKind.BIG_WORKING, org=w.street)
    o.leadership = committee_ensure(kind=CommitteeKind.LEADERSHIP, org=w.street)
    o.big_party_a = committee_ensure(kind=CommitteeKind.BIG_PARTY, org=w.a)
    o.big_party_b = committee_ensure(kind=CommitteeKind.BIG_PARTY, org=w.b)
    o.two_a = committee_ensure(kind=CommitteeKind.TWO_COMMITTEES, org=w.a)
    return o


def add_members(world, party_org, n, prefix="党员", **kw):
    """Create ``n`` people who are members of ``party_org``."""
    people = [
        Person.objects.create(
            name=f"{prefix}{i}",
            phone=f"1380000{i:04d}",
            street=world.street,
            community=kw.get("community", party_org.community),
            unit=kw.get("unit"),
        )
        for i in range(n)
    ]
    for p in people:
        PartyMember.objects.create(
            person=p,
            party_org=party_org,
            street=world.street,
            community=party_org.community,
            directly_managed=party_org.directly_managed,
            residence_community=p.community,
        )
    return people


def xlsx_upload(rows, name="data.xlsx"):
    """Return an uploaded .xlsx whose first sheet holds ``rows`` (header first)."""
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(
        name,
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def read_xlsx(content):
    """Return the first sheet of an .xlsx as a list of row tuples."""
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return [tuple(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]
