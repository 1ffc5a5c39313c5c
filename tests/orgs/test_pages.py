"""Staff pages: scope (404), permissions (403), lists, forms, query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgs.models import OrgKind, OrgNode, Person, Seat
from orgs.services import seat_add
from tests.conftest import login
from tests.orgs.conftest import add_members, make_person


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def _add_units(world, community, n, start=10):
    from orgs.services import unit_create

    for i in range(n):
        unit = unit_create(
            user=None,
            community=community,
            name=f"批量单位{start + i}",
            unit_kind="merchant",
            headcount=i,
        )
        unit.head = make_person(
            world, f"负责人{start + i}", community=community, unit=unit
        )
        unit.save(update_fields=["head"])


# -- the tree -----------------------------------------------------------------------


def test_tree_shows_the_street_with_member_counts(world, org):
    add_members(world, world.party_org_a, 3)
    html = login(world.street_admin).get("/orgs/").content.decode()
    assert "测试街道" in html and "甲单位党支部" in html
    assert "党员 3" in html  # the party org, its unit, community A and the street
    assert html.count("党员 3") == 4


def test_tree_search_opens_the_path_to_each_match(world):
    response = login(world.street_staff).get("/orgs/?q=乙单位")
    html = response.content.decode()
    assert "<mark>乙单位</mark>" in html
    assert "甲单位" not in html
    assert "找到 1 个" in html


def test_secretary_sees_only_own_community_in_the_tree(world):
    html = login(world.secretary_b).get("/orgs/").content.decode()
    assert "乙单位" in html and "甲单位" not in html and "测试街道" not in html


def test_tree_query_count_does_not_grow_with_the_tree(world):
    client = login(world.street_admin)
    small = _count_queries(client, "/orgs/")
    _add_units(world, world.a, 8)
    assert _count_queries(client, "/orgs/") == small


def test_volunteer_and_outsider_get_403_on_org_pages(world):
    for user in (world.volunteer_a, world.outsider):
        assert login(user).get("/orgs/").status_code == 403
        assert login(user).get("/orgs/units/").status_code == 403


# -- units ---------------------------------------------------------------------------


def test_unit_list_filters_by_community_kind_and_system(world):
    client = login(world.street_admin)
    html = client.get(f"/orgs/units/?community={world.a.pk}").content.decode()
    assert "甲单位" in html and "乙单位" not in html
    html = client.get("/orgs/units/?system=in").content.decode()
    assert "甲二单位" in html and "乙单位" not in html
    html = client.get("/orgs/units/?kind=merchant").content.decode()
    assert "乙单位" in html and "甲二单位" not in html


def test_unit_list_sorts_and_pages(world):
    _add_units(world, world.a, 55)
    client = login(world.street_admin)
    html = client.get("/orgs/units/?o=-headcount").content.decode()
    assert html.index("甲单位") < html.index("甲二单位")  # 120 before 20
    assert "第 1 / 2 页" in html
    page2 = client.get("/orgs/units/?o=code&page=2").content.decode()
    assert "乙单位" in page2


def test_unit_list_is_empty_for_another_scope_and_says_so(world):
    html = login(world.grid_worker_a).get("/orgs/units/").content.decode()
    assert "还没有登记驻街单位" in html


def test_unit_list_query_count_is_the_same_for_2_and_10_rows(world):
    client = login(world.street_admin)
    few = _count_queries(client, "/orgs/units/")
    _add_units(world, world.b, 8)
    assert OrgNode.objects.filter(kind=OrgKind.UNIT).count() == 11
    assert _count_queries(client, "/orgs/units/") == few


def test_secretary_of_b_gets_404_on_a_unit_of_a(world):
    client = login(world.secretary_b)
    for url in (
        f"/orgs/units/{world.unit_a.pk}/",
        f"/orgs/units/{world.unit_a.pk}/edit/",
        f"/orgs/nodes/{world.unit_a.pk}/party-orgs/new/",
        f"/orgs/party-orgs/{world.party_org_a.pk}/edit/",
        f"/orgs/nodes/{world.a.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/orgs/nodes/{world.unit_a.pk}/delete/").status_code == 404


def test_unit_head_gets_404_on_another_unit_of_the_same_community(world):
    client = login(world.unit_head_a)
    assert client.get(f"/orgs/units/{world.unit_a2.pk}/").status_code == 404
    assert client.get(f"/orgs/units/{world.unit_a2.pk}/edit/").status_code == 404
    assert client.get(f"/orgs/units/{world.unit_a.pk}/").status_code == 200


def test_unit_head_edits_own_unit(world):
    client = login(world.unit_head_a)
    response = client.post(
        f"/orgs/units/{world.unit_a.pk}/edit/",
        {"name": "甲单位（新名）", "unit_kind": "private", "headcount": 130},
    )
    assert response.status_code == 302
    assert OrgNode.objects.get(pk=world.unit_a.pk).name == "甲单位（新名）"


def test_unit_head_may_not_create_units(world):
    assert login(world.unit_head_a).get("/orgs/units/new/").status_code == 403


def test_secretary_creates_a_unit_only_in_own_community(world):
    client = login(world.secretary_a)
    form = client.get("/orgs/units/new/").content.decode()
    assert "甲社区" in form and "乙社区" not in form
    response = client.post(
        "/orgs/units/new/",
        {"community": world.b.pk, "name": "越权", "unit_kind": "merchant"},
    )
    assert response.status_code == 200  # the form refuses the choice
    assert not OrgNode.objects.filter(name="越权").exists()
    response = client.post(
        "/orgs/units/new/",
        {"community": world.a.pk, "name": "甲新店", "unit_kind": "merchant"},
    )
    assert response.status_code == 302
    assert OrgNode.objects.get(name="甲新店").community == world.a


def test_unit_page_shows_party_org_members_and_seats(world, org):
    add_members(world, world.party_org_a, 2, prefix="单位党员", unit=world.unit_a)
    seat_add(
        user=None,
        committee=org.big_party_a,
        person=org.large_sec,
        origin="elected",
        term_start="2024-01-01",
    )
    html = (
        login(world.unit_head_a).get(f"/orgs/units/{world.unit_a.pk}/").content.decode()
    )
    assert "甲单位党支部" in html and "单位党员0" in html
    assert "甲社区大党委" in html and "现任" in html


def test_party_org_created_under_own_unit_marks_the_unit(world):
    client = login(world.unit_head_a)
    response = client.post(
        f"/orgs/nodes/{world.unit_a.pk}/party-orgs/new/",
        {"name": "甲单位第二党支部", "party_org_type": "branch"},
    )
    assert response.status_code == 302
    node = OrgNode.objects.get(name="甲单位第二党支部")
    assert node.parent == world.unit_a and node.community == world.a


def test_deleting_a_community_with_units_answers_a_clear_refusal(world):
    client = login(world.street_admin)
    response = client.post(f"/orgs/nodes/{world.a.pk}/delete/", follow=True)
    assert "下还有下级组织，不能删除" in response.content.decode()
    assert OrgNode.objects.filter(pk=world.a.pk).exists()


def test_community_page_lists_compounds_and_committees(world, org):
    client = login(world.secretary_a)
    response = client.post(
        f"/orgs/nodes/{world.a.pk}/compounds/new/",
        {"name": "春园小区", "address": "春园路1号", "households": 300},
    )
    assert response.status_code == 302
    html = client.get(f"/orgs/nodes/{world.a.pk}/").content.decode()
    assert "春园小区" in html and "甲社区大党委" in html


# -- people ---------------------------------------------------------------------------


def test_people_list_masks_phones_for_a_unit_head_only(world):
    make_person(
        world, "手机主人", community=world.a, unit=world.unit_a, phone="13912345678"
    )
    html = login(world.unit_head_a).get("/orgs/people/").content.decode()
    assert "139****5678" in html and "13912345678" not in html
    html = login(world.secretary_a).get("/orgs/people/").content.decode()
    assert "13912345678" in html


def test_people_list_is_scoped(world):
    make_person(world, "甲居民", community=world.a)
    make_person(world, "乙居民", community=world.b)
    html = login(world.secretary_b).get("/orgs/people/").content.decode()
    assert "乙居民" in html and "甲居民" not in html


def test_people_list_filters_party_members(world, org):
    add_members(world, org.po_a, 2, prefix="直管")
    make_person(world, "群众", community=world.a)
    html = login(world.secretary_a).get("/orgs/people/?member=direct").content.decode()
    assert "直管0" in html and "群众" not in html


def test_people_list_query_count_is_the_same_for_2_and_10_rows(world, org):
    client = login(world.street_admin)
    add_members(world, org.po_a, 2, prefix="少")
    few = _count_queries(client, "/orgs/people/")
    add_members(world, org.po_b, 8, prefix="多")
    assert _count_queries(client, "/orgs/people/") == few


def test_secretary_of_b_gets_404_on_a_person_of_a(world):
    person = make_person(world, "甲的人", community=world.a)
    client = login(world.secretary_b)
    assert client.get(f"/orgs/people/{person.pk}/").status_code == 404
    assert client.get(f"/orgs/people/{person.pk}/edit/").status_code == 404


def test_unit_head_edits_own_staff_without_seeing_their_phone(world):
    person = make_person(world, "职工", community=world.b, unit=world.unit_a)
    client = login(world.unit_head_a)
    form = client.get(f"/orgs/people/{person.pk}/edit/").content.decode()
    assert "13912345678" not in form and "139****5678" in form
    response = client.post(
        f"/orgs/people/{person.pk}/edit/",
        {
            "name": "职工（改）",
            "phone": "",
            "unit": world.unit_a.pk,
            "community": world.b.pk,
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.name, person.phone) == ("职工（改）", "13912345678")


def test_secretary_registers_a_party_member(world, org):
    client = login(world.secretary_a)
    response = client.post(
        "/orgs/people/new/",
        {
            "name": "新党员",
            "phone": "13700001111",
            "gender": "F",
            "community": world.a.pk,
            "is_member": "on",
            "party_org": org.po_a.pk,
            "status": "regular",
        },
    )
    assert response.status_code == 302
    person = Person.objects.get(name="新党员")
    assert person.party_membership.directly_managed


# -- committees ------------------------------------------------------------------------


def test_committee_page_shows_current_seats_and_history(world, org):
    seat = seat_add(
        user=None,
        committee=org.big_party_a,
        person=org.small_sec,
        origin="elected",
        term_start="2024-01-01",
    )
    client = login(world.secretary_a)
    response = client.post(
        f"/orgs/seats/{seat.pk}/vacate/", {"vacated_on": "2025-02-01", "reason": "调离"}
    )
    assert response.status_code == 302
    seat_add(
        user=None,
        committee=org.big_party_a,
        person=org.sec_a,
        origin="elected",
        position="secretary",
        term_start="2024-01-01",
    )
    html = client.get(f"/orgs/committees/{org.big_party_a.pk}/").content.decode()
    current = html.split('data-testid="current-seats"')[1].split("</table>")[0]
    history = html.split('data-testid="seat-history"')[1].split("</table>")[0]
    assert "甲书记" in current and "甲二书记" not in current
    assert "甲二书记" in history and "调离" in history


def test_adding_a_seat_that_breaks_the_rule_shows_the_reason(world, org):
    client = login(world.street_admin)
    response = client.post(
        f"/orgs/committees/{org.big_working.pk}/seats/",
        {
            "person": org.small_sec.pk,
            "position": "member",
            "origin": "nominated",
            "term_start": "2024-01-01",
        },
        follow=True,
    )
    assert "大工委委员须为社区党组织书记" in response.content.decode()
    assert not Seat.objects.exists()
    response = client.post(
        f"/orgs/committees/{org.big_working.pk}/seats/",
        {
            "person": org.large_sec.pk,
            "position": "member",
            "origin": "nominated",
            "term_start": "2024-01-01",
        },
        follow=True,
    )
    assert Seat.objects.filter(committee=org.big_working).count() == 1


def test_secretary_of_b_gets_404_on_the_big_party_committee_of_a(world, org):
    client = login(world.secretary_b)
    assert client.get(f"/orgs/committees/{org.big_party_a.pk}/").status_code == 404
    seat = seat_add(
        user=None,
        committee=org.big_party_a,
        person=org.small_sec,
        origin="elected",
        term_start="2024-01-01",
    )
    response = client.post(f"/orgs/seats/{seat.pk}/vacate/", {"reason": "x"})
    assert response.status_code == 404
    assert Seat.objects.get(pk=seat.pk).vacated_on is None


def test_secretary_sees_the_big_working_committee_but_cannot_manage_it(world, org):
    client = login(world.secretary_a)
    html = client.get(f"/orgs/committees/{org.big_working.pk}/").content.decode()
    assert "增加委员" not in html
    response = client.post(
        f"/orgs/committees/{org.big_working.pk}/seats/",
        {"person": org.sec_a.pk, "origin": "recommended", "term_start": "2024-01-01"},
    )
    assert response.status_code == 403


def test_committee_list_query_count_is_flat(world, org):
    client = login(world.street_admin)
    few = _count_queries(client, "/orgs/committees/")
    from orgs.models import CommitteeKind
    from orgs.services import committee_ensure, community_create

    for i in range(4):
        c = community_create(user=None, street=world.street, name=f"新社区{i}")
        committee_ensure(kind=CommitteeKind.BIG_PARTY, org=c)
    assert _count_queries(client, "/orgs/committees/") == few


@pytest.mark.parametrize(
    "url",
    ["/orgs/", "/orgs/units/", "/orgs/people/", "/orgs/committees/", "/orgs/import/"],
)
def test_pages_render_for_street_staff(world, org, url):
    assert login(world.street_staff).get(url).status_code == 200


def test_viewing_and_exporting_people_is_recorded_in_the_access_log(world):
    from portal.models import AccessLog

    make_person(world, "被查看的人", community=world.a)
    client = login(world.secretary_a)
    client.get("/orgs/people/")
    client.get("/orgs/people/export.xlsx")
    logs = list(AccessLog.objects.order_by("id").values_list("what", "action", "count"))
    assert logs[0][:2] == ("orgs.person", AccessLog.Action.VIEW)
    assert logs[1][:2] == ("orgs.person", AccessLog.Action.EXPORT)
    assert logs[1][2] >= 1


def test_changing_a_person_is_audited_with_the_phone_masked(world):
    from auditlog.models import LogEntry

    person = make_person(world, "改号码", community=world.a, phone="13912345678")
    login(world.secretary_a).post(
        f"/orgs/people/{person.pk}/edit/",
        {"name": "改号码", "phone": "13700001111", "community": world.a.pk},
    )
    entry = LogEntry.objects.get_for_object(person).order_by("-timestamp").first()
    assert entry.actor == world.secretary_a
    assert "13700001111" not in str(entry.changes)
    assert "137****1111" in str(entry.changes)


def test_the_person_form_cannot_move_a_person_to_another_community(world):
    # given a unit head editing a member of his staff living in A
    person = make_person(world, "甲职工", community=world.a, unit=world.unit_a)
    # when he picks community B on the form
    response = login(world.unit_head_a).post(
        f"/orgs/people/{person.pk}/edit/",
        {"name": "甲职工", "community": world.b.pk, "unit": world.unit_a.pk},
    )
    # then he is refused and nothing changed
    assert response.status_code == 403
    person.refresh_from_db()
    assert person.community_id == world.a.pk
    # and the street staff may move the person
    response = login(world.street_staff).post(
        f"/orgs/people/{person.pk}/edit/",
        {"name": "甲职工", "community": world.b.pk, "unit": world.unit_a.pk},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.community_id == world.b.pk
