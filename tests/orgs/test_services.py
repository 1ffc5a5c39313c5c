"""Rules of the organisation services: seats (S3/S4), people, units, the tree."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from orgs import services
from orgs.models import (
    MemberStatus,
    OrgKind,
    OrgNode,
    Person,
    Seat,
    SeatOrigin,
    SeatPosition,
)
from tests.orgs.conftest import TERM_START, make_person


def _seat(committee, person, user=None, **kw):
    return services.seat_add(
        user=user,
        committee=committee,
        person=person,
        origin=kw.pop("origin", SeatOrigin.ELECTED),
        term_start=kw.pop("term_start", TERM_START),
        **kw,
    )


# -- 大工委 (S3) -------------------------------------------------------------------


def test_community_party_secretary_is_accepted_on_the_big_working_committee(world, org):
    # when
    seat = _seat(org.big_working, org.sec_a, user=world.street_admin)
    # then
    assert seat.represents == world.a
    assert seat.is_unit_secretary is False
    assert seat.created_by == world.street_admin


def test_large_unit_party_secretary_is_accepted_on_the_big_working_committee(
    world, org
):
    seat = _seat(org.big_working, org.large_sec, origin=SeatOrigin.NOMINATED)
    assert seat.represents == world.unit_a
    assert seat.is_unit_secretary is True


def test_two_committees_secretary_counts_as_community_secretary(world, org):
    # given: a person who sits as secretary of A's 两委 but leads no party org
    person = make_person(world, "两委书记", community=world.a)
    _seat(org.two_a, person, position=SeatPosition.SECRETARY)
    # when
    seat = _seat(org.big_working, person, origin=SeatOrigin.RECOMMENDED)
    # then
    assert seat.represents == world.a


def test_small_unit_secretary_is_refused_on_the_big_working_committee(world, org):
    with pytest.raises(ValidationError) as exc:
        _seat(org.big_working, org.small_sec)
    assert "大工委委员须为社区党组织书记" in str(exc.value)
    assert not Seat.objects.exists()


def test_ordinary_resident_is_refused_on_the_big_working_committee(world, org):
    with pytest.raises(ValidationError) as exc:
        _seat(org.big_working, org.nobody)
    assert "普通居民" in str(exc.value)


# -- 大党委 (S4) -------------------------------------------------------------------


def test_unit_party_secretary_inside_the_community_is_accepted_on_its_big_party_committee(
    world, org
):
    seat = _seat(org.big_party_a, org.small_sec)
    assert seat.is_unit_secretary is True
    assert seat.represents == world.unit_a2
    assert seat.community == world.a


def test_community_secretary_sits_on_own_big_party_committee_not_as_unit_secretary(
    world, org
):
    seat = _seat(org.big_party_a, org.sec_a, position=SeatPosition.SECRETARY)
    assert seat.is_unit_secretary is False
    assert seat.represents == org.po_a


def test_secretary_of_a_party_org_in_another_community_is_refused_on_the_big_party_committee(
    world, org
):
    with pytest.raises(ValidationError) as exc:
        _seat(org.big_party_a, org.b_unit_sec)
    message = str(exc.value)
    assert "大党委委员须为本社区内党组织的书记" in message
    assert "甲社区" in message


def test_a_person_cannot_hold_two_current_seats_on_one_committee(world, org):
    _seat(org.big_party_a, org.small_sec)
    with pytest.raises(ValidationError) as exc:
        _seat(org.big_party_a, org.small_sec)
    assert "已是该委员会的现任成员" in str(exc.value)


def test_a_second_current_secretary_is_refused(world, org):
    _seat(org.big_party_a, org.sec_a, position=SeatPosition.SECRETARY)
    with pytest.raises(ValidationError) as exc:
        _seat(org.big_party_a, org.small_sec, position=SeatPosition.SECRETARY)
    assert "已有现任书记" in str(exc.value)


def test_secretary_of_b_may_not_seat_anyone_on_a_big_party_committee_of_a(world, org):
    with pytest.raises(PermissionDenied):
        _seat(org.big_party_a, org.small_sec, user=world.secretary_b)


def test_community_secretary_may_not_manage_the_big_working_committee(world, org):
    with pytest.raises(PermissionDenied):
        _seat(org.big_working, org.sec_a, user=world.secretary_a)


def test_vacating_keeps_the_seat_as_history_and_frees_the_place(world, org):
    # given
    seat = _seat(org.big_party_a, org.sec_a, position=SeatPosition.SECRETARY)
    # when
    services.seat_vacate(
        user=world.secretary_a,
        seat=seat,
        reason="换届",
        vacated_on=datetime.date(2025, 1, 5),
    )
    # then: the row stays with who/when/why, and the person may sit again
    seat.refresh_from_db()
    assert seat.vacated_on == datetime.date(2025, 1, 5)
    assert seat.vacated_reason == "换届"
    assert seat.vacated_by == world.secretary_a
    again = _seat(
        org.big_party_a,
        org.sec_a,
        position=SeatPosition.SECRETARY,
        term_start=datetime.date(2025, 1, 6),
    )
    assert Seat.objects.filter(committee=org.big_party_a).count() == 2
    assert again.is_current


def test_vacating_needs_a_reason_and_happens_once(world, org):
    seat = _seat(org.big_party_a, org.small_sec)
    with pytest.raises(ValidationError):
        services.seat_vacate(user=None, seat=seat, reason=" ")
    services.seat_vacate(user=None, seat=seat, reason="调动")
    with pytest.raises(ValidationError):
        services.seat_vacate(user=None, seat=seat, reason="再次")


# -- units, people, memberships -----------------------------------------------------


def test_secretary_creates_a_unit_in_own_community_with_the_next_code(world):
    unit = services.unit_create(
        user=world.secretary_a,
        community=world.a,
        name="甲新单位",
        unit_kind="merchant",
        headcount=3,
    )
    assert unit.code == "T-01-U003"
    assert (unit.street_id, unit.community_id) == (world.street.pk, world.a.pk)


def test_secretary_cannot_create_a_unit_in_another_community(world):
    with pytest.raises(PermissionDenied):
        services.unit_create(
            user=world.secretary_b,
            community=world.a,
            name="越权单位",
            unit_kind="merchant",
        )


def test_unit_head_edits_own_unit_but_not_another(world):
    services.unit_update(user=world.unit_head_a, unit=world.unit_a, headcount=150)
    assert OrgNode.objects.get(pk=world.unit_a.pk).headcount == 150
    with pytest.raises(PermissionDenied):
        services.unit_update(user=world.unit_head_a, unit=world.unit_a2, headcount=1)


def test_unit_update_refuses_a_bad_phone_in_chinese(world):
    with pytest.raises(ValidationError) as exc:
        services.unit_update(user=None, unit=world.unit_a, contact_phone="12ab")
    assert "格式不正确" in str(exc.value)


def test_unit_update_never_writes_stale_tree_numbers(world):
    # given: an in-memory unit whose lft/rght go stale when another node is added
    stale = OrgNode.objects.get(pk=world.unit_b.pk)
    services.unit_create(
        user=None, community=world.a, name="插入", unit_kind="merchant"
    )
    # when
    services.unit_update(user=None, unit=stale, name="乙单位（改）")
    # then
    from orgs.trees import org_tree_problems

    assert org_tree_problems() == []


def test_unit_head_registers_a_person_in_own_unit_only(world):
    person = services.person_create(
        user=world.unit_head_a,
        street=world.street,
        name="新职工",
        phone="13700000000",
        unit=world.unit_a,
        community=world.b,
    )
    assert person.unit == world.unit_a
    with pytest.raises(PermissionDenied):
        services.person_create(
            user=world.unit_head_a,
            street=world.street,
            name="别人的职工",
            unit=world.unit_a2,
        )


def test_party_member_in_service_needs_employer_and_residence(world, org):
    person = make_person(world, "在职党员", community=world.a, unit=world.unit_a)
    with pytest.raises(ValidationError) as exc:
        services.party_member_set(
            user=None,
            person=person,
            party_org=world.party_org_a,
            status=MemberStatus.IN_SERVICE,
        )
    assert "在职党员必须填写工作单位" in str(exc.value)
    member = services.party_member_set(
        user=None,
        person=person,
        party_org=world.party_org_a,
        status=MemberStatus.IN_SERVICE,
        employer_unit=world.unit_a,
        residence_community=world.b,
    )
    assert member.directly_managed is False
    assert member.community == world.a


def test_a_refused_membership_registers_no_person_either(world):
    # given a membership that lacks what an in-service member needs
    membership = {"party_org": world.party_org_a, "status": MemberStatus.IN_SERVICE}
    # when the person is registered with it
    with pytest.raises(ValidationError):
        services.person_create_with_membership(
            user=None,
            street=world.street,
            name="半途登记",
            community=world.a,
            membership=membership,
        )
    # then neither the person nor the membership is written
    assert not Person.objects.filter(name="半途登记").exists()


def test_a_refused_membership_leaves_the_person_unchanged(world):
    # given a person of community A
    person = make_person(world, "原名", community=world.a)
    # when the rename comes with a membership that is refused
    with pytest.raises(ValidationError):
        services.person_update_with_membership(
            user=None,
            person=person,
            fields={"name": "新名"},
            membership={"party_org": None, "status": MemberStatus.REGULAR},
        )
    # then the rename is rolled back with it
    person.refresh_from_db()
    assert person.name == "原名"


def test_member_of_a_direct_party_org_is_directly_managed_by_default(world, org):
    person = make_person(world, "直管党员", community=world.a)
    member = services.party_member_set(user=None, person=person, party_org=org.po_a)
    assert member.directly_managed is True
    other = make_person(world, "非直管", community=world.a, unit=world.unit_a)
    with pytest.raises(ValidationError) as exc:
        services.party_member_set(
            user=None,
            person=other,
            party_org=world.party_org_a,
            directly_managed=True,
        )
    assert "不是街道党工委直管的党组织" in str(exc.value)


# -- the tree ------------------------------------------------------------------------


def test_deleting_a_community_with_units_is_refused_and_deletes_nothing(world):
    with pytest.raises(ValidationError) as exc:
        services.org_node_remove(user=world.street_admin, node=world.a)
    assert "下还有下级组织" in str(exc.value)
    assert OrgNode.objects.filter(pk=world.a.pk).exists()


def test_moving_a_unit_updates_its_community_and_its_party_orgs(world):
    services.org_node_relocate(
        user=world.street_admin, node=world.unit_a, new_parent=world.b
    )
    unit = OrgNode.objects.get(pk=world.unit_a.pk)
    party_org = OrgNode.objects.get(pk=world.party_org_a.pk)
    assert unit.community_id == world.b.pk
    assert party_org.community_id == world.b.pk


def test_moving_a_unit_takes_its_party_members_to_the_new_community(world):
    # given a member of the unit's party organisation, counted in community A
    person = make_person(world, "随单位迁移", community=world.a, unit=world.unit_a)
    member = services.party_member_set(
        user=None, person=person, party_org=world.party_org_a
    )
    assert member.community_id == world.a.pk
    # when the unit moves to community B
    services.org_node_relocate(
        user=world.street_admin, node=world.unit_a, new_parent=world.b
    )
    # then the member counts in B, like the party organisation
    member.refresh_from_db()
    assert member.community_id == world.b.pk


def test_a_moved_community_stays_its_own_community(world):
    services.org_node_move(node=world.a, new_parent=world.street)
    assert OrgNode.objects.get(pk=world.a.pk).community_id == world.a.pk


def test_bulk_add_builds_a_consistent_subtree(world):
    from orgs.trees import org_tree_problems

    nodes = services.org_tree_bulk_add(
        parent=world.street,
        specs=[
            services.NodeSpec.of(
                OrgKind.COMMUNITY,
                "丙社区",
                "T-03",
                children=[
                    services.NodeSpec.of(
                        OrgKind.UNIT,
                        "丙单位",
                        "T-03-U001",
                        unit_kind="merchant",
                        children=[
                            services.NodeSpec.of(
                                OrgKind.PARTY_ORG, "丙单位党支部", "T-03-U001-P1"
                            )
                        ],
                    )
                ],
            )
        ],
    )
    assert [n.code for n in nodes] == ["T-03", "T-03-U001", "T-03-U001-P1"]
    assert nodes[2].community_id == nodes[0].pk
    assert org_tree_problems() == []


# -- the one writer of people for the other apps ------------------------------------


def test_person_get_or_create_reuses_the_street_person_of_that_name_and_phone(world):
    # given a resident of A known to the street
    known = make_person(world, "王芳", community=world.a, phone="13900000001")
    # when another app names her with the same phone (spaces typed in)
    person, created = services.person_get_or_create(
        street=world.street, community=world.b, name=" 王芳 ", phone="139 0000 0001"
    )
    # then she is the one person, unchanged
    assert (person, created) == (known, False)
    assert person.community == world.a
    # and a new name or phone is a new person of the community given
    other, created = services.person_get_or_create(
        street=world.street, community=world.b, name="王芳", phone="13900000002"
    )
    assert created and other != known and other.community == world.b
    # unless the caller means a new person
    twin, created = services.person_get_or_create(
        street=world.street, name="王芳", phone="13900000001", reuse=False
    )
    assert created and twin != known


def test_person_get_or_create_checks_the_phone_and_the_places_as_person_create(world):
    # a bad phone: the message of the orgs person form
    with pytest.raises(ValidationError) as exc:
        services.person_get_or_create(
            street=world.street, community=world.a, name="张三", phone="12345"
        )
    assert exc.value.message_dict == {
        "phone": ["电话号码“12345”格式不正确（手机号为 11 位数字）。"]
    }
    # a community that is not one of the street's
    with pytest.raises(ValidationError, match="社区不属于本街道"):
        services.person_get_or_create(
            street=world.street, community=world.unit_a, name="张三"
        )
    assert not Person.objects.filter(name="张三").exists()


def test_person_get_or_create_for_an_account_keeps_one_person_up_to_date(world):
    # given an account registering itself twice, the second time with a new phone
    first, created = services.person_get_or_create(
        street=world.street,
        community=world.a,
        name="李四",
        phone="13700000001",
        account=world.outsider,
    )
    assert created and first.user == world.outsider
    again, created = services.person_get_or_create(
        street=world.street,
        community=world.b,
        name="李四",
        phone="13700000002",
        account=world.outsider,
    )
    # then it is the same person, with the new phone and the first community
    assert (again, created) == (first, False)
    again.refresh_from_db()
    assert (again.phone, again.community) == ("13700000002", world.a)
