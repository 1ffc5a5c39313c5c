"""The orgs API: filters, scope (404), rules (400), masking, query counts."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from orgs.models import OrgNode, Seat
from orgs.services import seat_add, unit_create
from tests.orgs.conftest import add_members, make_person


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def _queries(client, url):
    client.get(url)  # warm up: the caller's scope is computed once per user
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# -- /api/v1/orgs/ ---------------------------------------------------------------


def test_orgs_filter_by_kind_parent_and_community(world):
    client = api(world.street_admin)
    streets = _results(client.get("/api/v1/orgs/?kind=street"))
    assert [(n["kind"], n["name"]) for n in streets] == [("street", "测试街道")]
    units = _results(client.get(f"/api/v1/orgs/?kind=unit&community={world.a.pk}"))
    assert {n["name"] for n in units} == {"甲单位", "甲二单位"}
    node = units[0]
    for key in ("id", "kind", "name", "parent", "community"):
        assert key in node
    children = _results(client.get(f"/api/v1/orgs/?parent={world.unit_a.pk}"))
    assert [n["kind"] for n in children] == ["party_org"]


def test_orgs_are_scoped_and_another_scope_is_404(world):
    units = _results(api(world.secretary_b).get("/api/v1/orgs/?kind=unit"))
    assert [n["name"] for n in units] == ["乙单位"]
    assert (
        api(world.secretary_b).get(f"/api/v1/orgs/{world.unit_a.pk}/").status_code
        == 404
    )
    assert (
        api(world.unit_head_a).get(f"/api/v1/orgs/{world.unit_a2.pk}/").status_code
        == 404
    )
    assert (
        api(world.unit_head_a)
        .patch(f"/api/v1/orgs/{world.unit_a2.pk}/", {"headcount": 1}, format="json")
        .status_code
        == 404
    )


def test_unit_head_patches_own_unit_through_the_service(world):
    response = api(world.unit_head_a).patch(
        f"/api/v1/orgs/{world.unit_a.pk}/",
        {"headcount": 140, "contact_phone": "13800001234"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["headcount"] == 140
    assert response.json()["contact_phone"] == "138****1234"  # masked for a head


def test_secretary_creates_a_unit_and_is_refused_in_another_community(world):
    client = api(world.secretary_a)
    response = client.post(
        "/api/v1/orgs/",
        {"kind": "unit", "name": "接口单位", "parent": world.a.pk, "unit_kind": "soe"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["in_system"] is True
    response = client.post(
        "/api/v1/orgs/",
        {"kind": "unit", "name": "越权", "parent": world.b.pk, "unit_kind": "soe"},
        format="json",
    )
    assert response.status_code == 404
    assert not OrgNode.objects.filter(name="越权").exists()


def test_moving_and_deleting_through_the_api(world):
    client = api(world.street_admin)
    response = client.post(
        f"/api/v1/orgs/{world.unit_a2.pk}/move/", {"parent": world.b.pk}, format="json"
    )
    assert response.status_code == 200 and response.json()["community"] == world.b.pk
    response = client.delete(f"/api/v1/orgs/{world.a.pk}/")
    assert response.status_code == 400
    assert "不能删除" in str(response.json())


def test_orgs_list_query_count_is_flat(world):
    client = api(world.street_admin)
    few = _queries(client, "/api/v1/orgs/?kind=unit")
    for i in range(8):
        unit_create(user=None, community=world.b, name=f"单位{i}", unit_kind="merchant")
    assert _queries(client, "/api/v1/orgs/?kind=unit") == few


# -- committees and seats -----------------------------------------------------------


def test_committee_kind_filter_means_big_working_or_big_party(world, org):
    client = api(world.street_admin)
    street = _results(client.get("/api/v1/committees/?kind=street"))
    assert [(c["type"], c["kind"]) for c in street] == [("big_working", "street")]
    community = _results(client.get("/api/v1/committees/?kind=community"))
    assert {c["type"] for c in community} == {"big_party"}
    assert len(community) == 2
    two = _results(client.get("/api/v1/committees/?type=two_committees"))
    assert [c["community"] for c in two] == [world.a.pk]


def test_committees_are_scoped(world, org):
    names = {
        c["name"] for c in _results(api(world.secretary_b).get("/api/v1/committees/"))
    }
    assert "乙社区大党委" in names and "甲社区大党委" not in names
    assert "测试街道大工委" in names  # a secretary sits beside the 大工委
    response = api(world.secretary_b).get(f"/api/v1/committees/{org.big_party_a.pk}/")
    assert response.status_code == 404


def test_seat_rule_is_enforced_through_the_api(world, org):
    client = api(world.street_admin)
    refused = client.post(
        "/api/v1/committee-seats/",
        {
            "committee": org.big_working.pk,
            "person": org.small_sec.pk,
            "origin": "nominated",
            "term_start": "2024-01-01",
        },
        format="json",
    )
    assert refused.status_code == 400
    assert "大工委委员须为" in str(refused.json())
    accepted = client.post(
        "/api/v1/committee-seats/",
        {
            "committee": org.big_party_a.pk,
            "person": org.small_sec.pk,
            "origin": "elected",
            "term_start": "2024-01-01",
        },
        format="json",
    )
    assert accepted.status_code == 201
    body = accepted.json()
    assert body["is_unit_secretary"] is True and body["is_current"] is True
    vacated = client.post(
        f"/api/v1/committee-seats/{body['id']}/vacate/",
        {"reason": "换届", "vacated_on": "2025-01-01"},
        format="json",
    )
    assert vacated.status_code == 200 and vacated.json()["vacated_on"] == "2025-01-01"
    current = _results(client.get("/api/v1/committee-seats/?current=true"))
    assert current == []
    assert Seat.objects.count() == 1


def test_secretary_of_b_cannot_touch_seats_of_a(world, org):
    seat = seat_add(
        user=None,
        committee=org.big_party_a,
        person=org.small_sec,
        origin="elected",
        term_start="2024-01-01",
    )
    client = api(world.secretary_b)
    assert client.get(f"/api/v1/committee-seats/{seat.pk}/").status_code == 404
    response = client.post(
        f"/api/v1/committee-seats/{seat.pk}/vacate/", {"reason": "x"}, format="json"
    )
    assert response.status_code == 404
    response = client.post(
        "/api/v1/committee-seats/",
        {
            "committee": org.big_party_a.pk,
            "person": org.sec_a.pk,
            "origin": "elected",
            "term_start": "2024-01-01",
        },
        format="json",
    )
    assert response.status_code == 404


def test_seat_list_query_count_is_flat(world, org):
    client = api(world.street_admin)
    seat_add(
        user=None,
        committee=org.big_party_a,
        person=org.sec_a,
        origin="elected",
        term_start="2024-01-01",
    )
    seat_add(
        user=None,
        committee=org.big_party_a,
        person=org.small_sec,
        origin="elected",
        term_start="2024-01-01",
    )
    few = _queries(client, "/api/v1/committee-seats/")
    for person in add_members(world, org.po_b, 8, prefix="b"):
        OrgNode.objects.filter(pk=org.po_b.pk).update(secretary=person)
        seat_add(
            user=None,
            committee=org.big_party_b,
            person=person,
            origin="elected",
            term_start="2024-01-01",
        )
    assert Seat.objects.count() == 10
    assert _queries(client, "/api/v1/committee-seats/") == few


def test_committee_list_query_count_is_flat(world, org):
    client = api(world.street_admin)
    few = _queries(client, "/api/v1/committees/")
    from orgs.models import CommitteeKind
    from orgs.services import committee_ensure, community_create

    for i in range(5):
        committee_ensure(
            kind=CommitteeKind.BIG_PARTY,
            org=community_create(user=None, street=world.street, name=f"c{i}"),
        )
    assert _queries(client, "/api/v1/committees/") == few


# -- people ---------------------------------------------------------------------------


def test_people_phones_are_masked_except_for_roles_that_need_them(world):
    make_person(
        world, "手机", community=world.a, unit=world.unit_a, phone="13812345678"
    )
    masked = _results(api(world.unit_head_a).get("/api/v1/people/?q=手机"))
    assert masked[0]["phone"] == "138****5678"
    full = _results(api(world.secretary_a).get("/api/v1/people/?q=手机"))
    assert full[0]["phone"] == "13812345678"


def test_people_are_scoped_and_another_scope_is_404(world):
    a_person = make_person(world, "甲人", community=world.a)
    names = {p["name"] for p in _results(api(world.secretary_b).get("/api/v1/people/"))}
    assert "甲人" not in names
    assert (
        api(world.secretary_b).get(f"/api/v1/people/{a_person.pk}/").status_code == 404
    )
    response = api(world.secretary_b).patch(
        f"/api/v1/people/{a_person.pk}/", {"name": "改"}, format="json"
    )
    assert response.status_code == 404


def test_people_show_party_membership(world, org):
    add_members(world, org.po_a, 1, prefix="党员甲")
    people = _results(api(world.secretary_a).get("/api/v1/people/?member=direct"))
    assert people[0]["party_membership"]["party_org_name"] == "甲社区党委"
    assert people[0]["party_membership"]["directly_managed"] is True


def test_secretary_creates_a_person_in_own_community_only(world):
    client = api(world.secretary_a)
    response = client.post(
        "/api/v1/people/",
        {"name": "新居民", "phone": "13700000001", "community": world.a.pk},
        format="json",
    )
    assert response.status_code == 201
    response = client.post(
        "/api/v1/people/", {"name": "越权", "community": world.b.pk}, format="json"
    )
    assert response.status_code == 403
    response = client.post(
        "/api/v1/people/",
        {"name": "坏号码", "phone": "123", "community": world.a.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "格式不正确" in str(response.json())


def test_people_list_query_count_is_flat(world, org):
    client = api(world.street_admin)
    add_members(world, org.po_a, 2, prefix="x")
    few = _queries(client, "/api/v1/people/")
    add_members(world, org.po_b, 8, prefix="y")
    assert _queries(client, "/api/v1/people/") == few


def test_stats_carry_the_orgs_keys(world, org):
    body = api(world.street_admin).get("/api/v1/stats/").json()
    assert body["units"] == 3
    assert body["units_in_system"] == 1 and body["units_out_of_system"] == 2
    assert body["party_orgs_direct"] == 2
    assert body["big_party_committees"] == 2
    body = api(world.secretary_b).get("/api/v1/stats/").json()
    assert body["units"] == 1 and body["big_party_committees"] == 1


# -- a person's residence community (issue 17, item 10) ------------------------------


def test_a_unit_head_cannot_move_his_staff_into_another_communitys_lists(world):
    # given a member of unit A's staff living in community A
    person = make_person(world, "甲单位职工", community=world.a, unit=world.unit_a)
    client = api(world.unit_head_a)
    # when the unit head sets his residence to community B
    response = client.patch(
        f"/api/v1/people/{person.pk}/", {"community": world.b.pk}, format="json"
    )
    # then he is refused and the person stays in A's lists
    assert response.status_code == 403
    person.refresh_from_db()
    assert person.community_id == world.a.pk
    # while the unit head still corrects his staff's other details
    response = client.patch(
        f"/api/v1/people/{person.pk}/",
        {"name": "甲单位职工二", "community": world.a.pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    person.refresh_from_db()
    assert (person.name, person.community_id) == ("甲单位职工二", world.a.pk)


def test_a_secretary_cannot_move_a_resident_to_another_community(world):
    person = make_person(world, "甲居民", community=world.a)
    response = api(world.secretary_a).patch(
        f"/api/v1/people/{person.pk}/", {"community": world.b.pk}, format="json"
    )
    assert response.status_code == 403
    person.refresh_from_db()
    assert person.community_id == world.a.pk


def test_street_staff_move_a_person_between_their_communities(world):
    person = make_person(world, "搬家居民", community=world.a)
    response = api(world.street_staff).patch(
        f"/api/v1/people/{person.pk}/", {"community": world.b.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    person.refresh_from_db()
    assert person.community_id == world.b.pk


def test_a_secretary_sets_the_residence_of_a_unit_worker_to_her_community(world):
    # a worker of unit A living nowhere in the street yet: A's secretary holds
    # both the old (none) and the new community
    person = make_person(world, "外来职工", unit=world.unit_a)
    response = api(world.secretary_a).patch(
        f"/api/v1/people/{person.pk}/", {"community": world.a.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    # but the unit head may not set it at all
    response = api(world.unit_head_a).patch(
        f"/api/v1/people/{person.pk}/", {"community": None}, format="json"
    )
    assert response.status_code == 403
