"""Excel: templates, all-or-nothing imports, refusals, exports."""

import io
import zipfile

from django.test import TestCase

from orgs.imports import MEMBER_COLUMNS, UNIT_COLUMNS
from orgs.models import MemberStatus, OrgKind, OrgNode, PartyMember, Person
from orgs.trees import org_tree_problems
from tests.conftest import login
from tests.orgs.conftest import read_xlsx, xlsx_upload

UNIT_HEADER = [c.header for c in UNIT_COLUMNS]
MEMBER_HEADER = [c.header for c in MEMBER_COLUMNS]


def _post(client, kind, upload):
    """Upload as the page does; the import task runs in-process after commit."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/orgs/import/", {"kind": kind, "file": upload})


def _job_page(client, response):
    """The page the upload led to (its import job's result)."""
    assert response.status_code == 302, response.status_code
    assert response.url.startswith("/orgs/import/jobs/")
    page = client.get(response.url)
    assert page.status_code == 200
    return page.content.decode()


def _snapshot():
    return (
        OrgNode.objects.count(),
        Person.objects.count(),
        PartyMember.objects.count(),
    )


def test_unit_template_downloads_with_chinese_headers(world):
    response = login(world.secretary_a).get("/orgs/import/template/units.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    rows = read_xlsx(response.content)
    assert rows[0][:3] == ("所属社区*", "单位名称*", "单位性质*")


def test_party_member_template_downloads(world):
    response = login(world.street_staff).get("/orgs/import/template/party-members.xlsx")
    assert read_xlsx(response.content)[0][:2] == ("姓名*", "手机号")


def test_good_unit_file_imports_every_row_and_keeps_the_tree_sound(world):
    # given
    upload = xlsx_upload(
        [
            UNIT_HEADER,
            [
                "甲社区",
                "甲新商店",
                "商户",
                5,
                "长虹路1号",
                "王",
                "13800000001",
                "李老板",
                "13800000002",
            ],
            ["T-01", "甲新学校", "事业单位", 80, "", "", "", "", ""],
        ]
    )
    # when
    response = _post(login(world.secretary_a), "units", upload)
    # then
    assert response.status_code == 302
    shop = OrgNode.objects.get(name="甲新商店")
    assert shop.code == "T-01-U003" and shop.community == world.a
    assert shop.head.name == "李老板" and shop.head.unit == shop
    assert OrgNode.objects.get(name="甲新学校").in_system
    assert org_tree_problems() == []


def test_bad_unit_file_writes_nothing_and_lists_every_bad_row(world):
    # given: row 2 fine, row 3 bad kind, row 4 another community, row 6 no name
    before = _snapshot()
    upload = xlsx_upload(
        [
            UNIT_HEADER,
            ["甲社区", "好单位", "商户", 5],
            ["甲社区", "坏性质", "外星企业", 5],
            ["乙社区", "越权单位", "商户", 5],
            [None, None, None, None],
            ["甲社区", "", "商户", "很多"],
        ]
    )
    # when
    client = login(world.secretary_a)
    response = _post(client, "units", upload)
    # then
    html = _job_page(client, response)
    assert "未写入任何数据" in html
    assert "第 3 行" in html and "单位性质“外星企业”无效" in html
    assert "第 4 行" in html and "不在您的管辖范围内" in html
    assert "第 6 行" in html and "请填写单位名称" in html and "职工人数" in html
    assert "第 2 行" not in html and "第 5 行" not in html
    assert _snapshot() == before


def test_two_errors_on_one_row_are_joined_without_doubled_punctuation(world):
    # given: a row with no name and a headcount that is not a number
    upload = xlsx_upload([UNIT_HEADER, ["甲社区", "", "商户", "很多"]])
    # when
    client = login(world.secretary_a)
    response = _post(client, "units", upload)
    # then both reasons are on the row, joined by one "；", ending with one "。"
    html = _job_page(client, response)
    assert "请填写单位名称；职工人数必须是不小于 0 的整数。" in html
    assert "。；" not in html and "；；" not in html


def test_a_rows_reasons_join_into_one_sentence_in_english_too():
    from django.utils import translation

    from orgs.excel import join_reasons

    assert join_reasons(["请填写姓名。", "性别应为男或女。"]) == (
        "请填写姓名；性别应为男或女。"
    )
    assert join_reasons(["请填写姓名。", "请填写姓名。"]) == "请填写姓名。"
    with translation.override("en"):
        assert join_reasons(["Name is required.", "Bad gender."]) == (
            "Name is required; Bad gender."
        )


def test_duplicate_unit_in_community_is_a_row_error(world):
    upload = xlsx_upload([UNIT_HEADER, ["甲社区", "甲单位", "商户"]])
    client = login(world.street_admin)
    response = _post(client, "units", upload)
    assert "已在该社区登记" in _job_page(client, response)


def test_non_xlsx_file_is_refused_with_a_clear_message(world):
    before = _snapshot()
    client = login(world.secretary_a)
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = SimpleUploadedFile("units.csv", "所属社区,单位名称\n".encode())
    response = _post(client, "units", csv)
    assert response.status_code == 400
    assert "只能导入 Excel 的 .xlsx 文件" in response.content.decode()
    xls = SimpleUploadedFile(
        "old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 600
    )
    response = _post(client, "units", xls)
    assert response.status_code == 400
    assert "不是有效的 .xlsx 文件" in response.content.decode()
    assert _snapshot() == before


def test_corrupt_xlsx_is_refused_without_a_server_error(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<not-xml")
    upload = SimpleUploadedFile("broken.xlsx", buffer.getvalue())
    response = _post(login(world.secretary_a), "units", upload)
    assert response.status_code == 400
    assert "无法读取" in response.content.decode()


def test_zip_bomb_is_refused(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (30 * 1024 * 1024))
    upload = SimpleUploadedFile("bomb.xlsx", buffer.getvalue())
    response = _post(login(world.secretary_a), "units", upload)
    assert response.status_code == 400
    assert "解压后过大" in response.content.decode()


def test_header_that_does_not_match_the_template_is_refused(world):
    upload = xlsx_upload([["名字", "类型"], ["甲", "乙"]])
    response = _post(login(world.secretary_a), "units", upload)
    assert response.status_code == 400
    assert "表头与模板不符" in response.content.decode()


def test_unit_head_may_not_import(world):
    upload = xlsx_upload([UNIT_HEADER, ["甲社区", "x", "商户"]])
    assert _post(login(world.unit_head_a), "units", upload).status_code == 403


def test_good_party_member_file_imports_people_and_memberships(world, org):
    upload = xlsx_upload(
        [
            MEMBER_HEADER,
            [
                "赵一",
                "13811112222",
                "男",
                1980,
                "甲社区党委",
                "直管党员",
                "",
                "",
                "甲社区",
                "2005-07-01",
            ],
            [
                "钱二",
                13811113333,
                "女",
                1990,
                "T-01-U001-P1",
                "在职党员",
                "否",
                "甲单位",
                "乙社区",
                None,
            ],
            ["孙三", "", "", "", "甲社区党委", "流动党员", "", "", "T-01", "2012/6"],
        ]
    )
    response = _post(login(world.secretary_a), "party-members", upload)
    assert response.status_code == 302
    zhao = PartyMember.objects.get(person__name="赵一")
    assert zhao.directly_managed and zhao.party_org == org.po_a
    qian = PartyMember.objects.get(person__name="钱二")
    assert qian.status == MemberStatus.IN_SERVICE
    assert qian.person.phone == "13811113333"
    assert (qian.employer_unit, qian.residence_community) == (world.unit_a, world.b)
    assert qian.person.unit == world.unit_a
    sun = PartyMember.objects.get(person__name="孙三")
    assert sun.status == MemberStatus.FLOATING and sun.joined_on.year == 2012


def test_bad_party_member_file_writes_nothing_and_lists_rows(world, org):
    before = _snapshot()
    upload = xlsx_upload(
        [
            MEMBER_HEADER,
            ["好人", "13811112222", "男", 1980, "甲社区党委", "直管党员"],
            ["无组织", "13811112223", "男", 1980, "不存在党委", "直管党员"],
            [
                "在职",
                "12",
                "人",
                1800,
                "T-01-U001-P1",
                "在职党员",
                "是",
                "",
                "",
                "明天",
            ],
            ["越权", "", "", "", "乙社区党委", "直管党员"],
        ]
    )
    client = login(world.secretary_a)
    response = _post(client, "party-members", upload)
    html = _job_page(client, response)
    assert "共有 3 行有误" in html
    assert "第 3 行" in html and "“不存在党委”不存在" in html
    row4 = html.split("第 4 行")[1].split("</tr>")[0]
    for reason in (
        "手机号",
        "性别",
        "出生年份",
        "在职党员必须填写工作单位",
        "入党日期",
    ):
        assert reason in row4
    assert "第 5 行" in html
    assert _snapshot() == before


def test_unit_export_follows_the_list_filters_and_masks_phones(world):
    # given: the unit head sees only unit_a; phones masked for that role
    world.unit_a.contact_phone = "13812345678"
    world.unit_a.save(update_fields=["contact_phone"])
    # when
    response = login(world.unit_head_a).get("/orgs/units/export.xlsx")
    # then
    rows = read_xlsx(response.content)
    assert rows[0][0] == "编码"
    assert [r[0] for r in rows[1:]] == ["T-01-U001"]
    assert rows[1][8] == "138****5678"
    # and a street admin's filtered export has the same rows as the filtered list
    response = login(world.street_admin).get(
        "/orgs/units/export.xlsx?system=out&o=code"
    )
    codes = [r[0] for r in read_xlsx(response.content)[1:]]
    assert codes == ["T-01-U001", "T-02-U001"]
    assert read_xlsx(response.content)[1][8] == "13812345678"


def test_export_escapes_cells_that_look_like_formulas(world):
    world.unit_a.name = '=HYPERLINK("http://evil","点我")'
    world.unit_a.save(update_fields=["name"])
    response = login(world.street_admin).get("/orgs/units/export.xlsx?q=HYPERLINK")
    rows = read_xlsx(response.content)
    assert rows[1][2] == '\'=HYPERLINK("http://evil","点我")'


def test_people_export_contains_membership_columns(world, org):
    from tests.orgs.conftest import add_members

    add_members(world, org.po_a, 2, prefix="导出党员")
    response = login(world.secretary_a).get("/orgs/people/export.xlsx?member=direct")
    rows = read_xlsx(response.content)
    assert rows[0][:4] == ("姓名", "性别", "出生年份", "手机号")
    names = {r[0] for r in rows[1:]}
    assert names == {"导出党员0", "导出党员1"}
    assert {r[6] for r in rows[1:]} == {"直管党员"}


def test_committee_export_lists_current_and_past_seats(world, org):
    from orgs.services import seat_add, seat_vacate

    seat = seat_add(
        user=None,
        committee=org.big_party_a,
        person=org.small_sec,
        origin="elected",
        term_start="2024-01-01",
    )
    seat_vacate(user=None, seat=seat, reason="调动")
    response = login(world.secretary_a).get(
        f"/orgs/committees/{org.big_party_a.pk}/export.xlsx"
    )
    rows = read_xlsx(response.content)
    assert rows[1][0] == "甲二书记" and rows[1][8] == "调动"


def test_secretary_b_gets_404_exporting_a_committee_of_a(world, org):
    response = login(world.secretary_b).get(
        f"/orgs/committees/{org.big_party_a.pk}/export.xlsx"
    )
    assert response.status_code == 404
    assert OrgKind.UNIT  # keep the import used


def _export_queries(client, url):
    """Return the queries an export took, its rows, and the model instances
    it built per class (``post_init``: one per object loaded from a row)."""
    from collections import Counter

    from django.db import connection
    from django.db.models.signals import post_init
    from django.test.utils import CaptureQueriesContext

    built = Counter()

    def count(sender, **kwargs):
        built[sender.__name__] += 1

    post_init.connect(count, weak=False)
    try:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
    finally:
        post_init.disconnect(count)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), read_xlsx(response.content), built


def _add_people(world, party_org, start, n):
    """``n`` people in A from number ``start``, every other one a member."""
    from tests.orgs.conftest import make_person

    for i in range(start, start + n):
        person = make_person(world, f"批量{i:03d}", community=world.a)
        if i % 2:
            PartyMember.objects.create(
                person=person,
                party_org=party_org,
                street=world.street,
                community=party_org.community,
                residence_community=world.b,
                employer_unit=world.unit_a2,
            )


def test_people_export_query_count_is_the_same_for_10_and_50_people(world, org):
    # given 10 people (half of them party members) and then 40 more
    client = login(world.street_admin)
    _add_people(world, org.po_a, 0, 10)
    few, rows, built_few = _export_queries(client, "/orgs/people/export.xlsx")
    assert sum(1 for r in rows if r[0].startswith("批量")) == 10
    _add_people(world, org.po_a, 10, 40)
    # when the export is downloaded again
    many, rows, built_many = _export_queries(client, "/orgs/people/export.xlsx")
    # then it holds all 50 for as many queries as it took for 10
    assert sum(1 for r in rows if r[0].startswith("批量")) == 50
    assert many == few
    # and its rows are values: no person, membership or tree node built per row
    for model in ("Person", "PartyMember", "OrgNode"):
        assert built_many[model] == built_few[model], model


def test_people_export_row_holds_what_the_person_page_shows(world, org):
    from tests.orgs.conftest import make_person

    # given a party member with every column filled, and a resident who is not
    member = Person.objects.create(
        name="导出甲",
        phone="13912340000",
        gender="F",
        birth_year=1980,
        street=world.street,
        community=world.a,
        unit=world.unit_a,
    )
    PartyMember.objects.create(
        person=member,
        party_org=org.po_a,
        status=MemberStatus.IN_SERVICE,
        directly_managed=True,
        employer_unit=world.unit_a2,
        residence_community=world.b,
        street=world.street,
        community=world.a,
        joined_on="2001-07-01",
    )
    make_person(world, "导出乙", community=world.a, phone="13700001111")
    # when the street admin (who sees phones) exports people named 导出
    response = login(world.street_admin).get("/orgs/people/export.xlsx?q=导出")
    rows = [
        [v if v is not None else "" for v in r] for r in read_xlsx(response.content)
    ]
    # then each row holds every column, labels in Chinese
    assert sorted(rows[1:]) == sorted(
        [
            [
                "导出甲",
                "女",
                1980,
                "13912340000",
                "甲社区",
                "甲单位",
                "在职党员",
                "是",
                "甲社区党委",
                "甲二单位",
                "乙社区",
                "2001-07-01",
            ],
            [
                "导出乙",
                "",
                "",
                "13700001111",
                "甲社区",
                "",
                "非党员",
                "",
                "",
                "",
                "",
                "",
            ],
        ]
    )
    # and the unit head, who may not see phones, gets them masked
    head_rows = read_xlsx(
        login(world.unit_head_a).get("/orgs/people/export.xlsx?q=导出").content
    )
    assert [r[3] for r in head_rows[1:]] == ["139****0000"]


def test_unit_export_lists_each_units_party_orgs_and_their_secretaries(world, org):
    from orgs.services import org_node_create

    # given unit A with a second party organisation, without a secretary
    org_node_create(
        kind=OrgKind.PARTY_ORG,
        name="甲单位第二支部",
        code="T-01-U001-P2",
        parent=world.unit_a,
        party_org_type="branch",
    )
    client = login(world.street_admin)
    # when the units are exported
    queries, rows, _built = _export_queries(client, "/orgs/units/export.xlsx?o=code")
    by_code = {r[0]: r for r in rows[1:]}
    # then each unit lists its party organisations and their secretaries
    assert by_code["T-01-U001"][11:] == ("甲单位党支部、甲单位第二支部", "甲单位书记")
    assert by_code["T-01-U002"][11:] == ("甲二单位党支部", "甲二书记")
    # with the kind's label and the system it belongs to
    assert by_code["T-01-U002"][3:6] == ("机关", "体制内", 20)
    assert by_code["T-01-U001"][3:6] == ("非公企业", "体制外", 120)
    # in as many queries for three more units
    from orgs.services import unit_create

    for i in range(3):
        unit_create(
            user=None, community=world.b, name=f"新单位{i}", unit_kind="merchant"
        )
    more, rows, _built = _export_queries(client, "/orgs/units/export.xlsx?o=code")
    assert len(rows) == len(by_code) + 4 and more == queries


def test_a_name_with_a_control_character_is_exported_without_it(world):
    from tests.orgs.conftest import make_person

    # given a name pasted with a bell character (an .xlsx cannot hold it)
    make_person(world, "控制\x07字符", community=world.a)
    # when the people are exported
    response = login(world.street_admin).get("/orgs/people/export.xlsx?q=字符")
    # then the export succeeds and the name reads without it
    assert response.status_code == 200
    assert [r[0] for r in read_xlsx(response.content)[1:]] == ["控制字符"]
