"""Audit trail of changes (django-auditlog, masked) and the personal-data access log."""

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.admin.sites import site
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from orgs.models import Person, Seat
from portal import audit
from portal.audit import log_access, mask_value
from portal.models import AccessLog, Role, RoleAssignment
from portal.services import role_assign, role_revoke
from tests.conftest import login


def entries_for(obj):
    return LogEntry.objects.get_for_object(obj).order_by("timestamp", "id")


def test_role_assignments_and_seats_are_audited():
    assert auditlog.contains(RoleAssignment)
    assert auditlog.contains(Seat)


def test_a_role_change_is_logged_with_who_when_and_what(world):
    # when the street admin gives the outsider a role, then takes it away
    with set_actor(world.street_admin):
        assignment = role_assign(
            user=world.outsider, role=Role.COMMUNITY_SECRETARY, org_node=world.b
        )
        pk = assignment.pk
        role_revoke(assignment=assignment)
    # then both changes are in the audit log, by him, with the fields
    entries = list(
        LogEntry.objects.get_for_model(RoleAssignment)
        .filter(object_id=pk)
        .order_by("timestamp", "id")
    )
    assert [e.action for e in entries] == [
        LogEntry.Action.CREATE,
        LogEntry.Action.DELETE,
    ]
    assert all(e.actor_id == world.street_admin.pk for e in entries)
    assert entries[0].changes_dict["role"][1] == Role.COMMUNITY_SECRETARY
    assert "updated_at" not in entries[0].changes_dict
    assert all(e.timestamp for e in entries)


@pytest.mark.urls("tests.portal.urls_faults")
def test_the_signed_in_user_is_the_actor_of_changes_made_through_a_page(world):
    # when a page (any page) changes a role assignment
    client = login(world.street_admin)
    response = client.get("/test/assign-role/", {"user": "outsider", "node": "T-02"})
    assert response.status_code == 200
    # then the audit log names the signed-in user, set by the middleware
    assignment = RoleAssignment.objects.get(user=world.outsider)
    entry = entries_for(assignment).get()
    assert entry.actor_id == world.street_admin.pk
    assert entry.remote_addr == "127.0.0.1"


@pytest.fixture
def audited_person():
    """Register Person with its phone masked, as the orgs app will."""
    registered_here = not auditlog.contains(Person)
    if registered_here:
        audit.register(Person, mask_fields=["phone"])
    yield Person
    if registered_here:
        auditlog.unregister(Person)


def test_masked_fields_never_reach_the_audit_log_in_clear(world, audited_person):
    person = Person.objects.create(
        name="张三", phone="13912345678", street=world.street, community=world.a
    )
    person.phone = "13687654321"
    person.save()
    text = " ".join(str(e.changes) for e in entries_for(person))
    assert "13912345678" not in text and "13687654321" not in text
    assert "139****5678" in text and "136****4321" in text


def test_register_refuses_a_field_that_does_not_exist():
    with pytest.raises(ImproperlyConfigured):
        audit.register(Person, mask_fields=["mobile"])


@pytest.mark.parametrize(
    "value, masked",
    [
        ("13800138000", "138****8000"),
        ("110101199003071234", "110***********1234"),
        ("12345", "*****"),
        ("", ""),
    ],
)
def test_mask_keeps_only_the_ends(value, masked):
    assert mask_value(value) == masked


def test_log_access_records_who_viewed_how_many_people(world):
    request = RequestFactory().get("/orgs/people/", {"community": "T-01"})
    request.user = world.secretary_a
    row = log_access(request, "orgs.person", 42)
    assert row.user == world.secretary_a and row.username == "secretary_a"
    assert row.count == 42 and row.action == AccessLog.Action.VIEW
    assert row.path == "/orgs/people/" and row.query == "community=T-01"
    exported = log_access(request, "orgs.person", 42, export=True)
    assert exported.action == AccessLog.Action.EXPORT


def test_log_access_ignores_anonymous_requests(db):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert log_access(request, "orgs.person", 3) is None
    assert not AccessLog.objects.exists()


def test_the_access_log_cannot_be_edited_in_the_admin(world):
    admin = site._registry[AccessLog]
    request = RequestFactory().get("/admin/")
    request.user = world.street_admin
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request)
    assert not admin.has_delete_permission(request)


# -- the API: a token's user is the actor (issue 17, item 2) --------------------------


def test_a_write_through_the_api_with_a_token_is_audited_with_its_user(world):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    # given a unit head's staff member, and the unit head's API token
    person = Person.objects.create(
        name="李四", phone="13912345678", street=world.street, unit=world.unit_a
    )
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=world.unit_head_a).key}"
    )
    # when he corrects the person's name through the API
    response = client.patch(
        f"/api/v1/people/{person.pk}/", {"name": "李思"}, format="json"
    )
    # then the audit entry names him, as a page would
    assert response.status_code == 200, response.content
    entry = entries_for(person).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor_id == world.unit_head_a.pk
    assert entry.changes_dict["name"] == ["李四", "李思"]
    assert entry.remote_addr == "127.0.0.1"


def test_every_viewset_authenticates_tokens_with_the_portals_class():
    # another token class would leave the audit actor empty again
    from rest_framework.authentication import TokenAuthentication

    from config.api import build_router
    from portal.authentication import PortalTokenAuthentication

    for _prefix, viewset, _basename in build_router().registry:
        token_classes = [
            cls
            for cls in viewset.authentication_classes
            if issubclass(cls, TokenAuthentication)
        ]
        assert token_classes == [PortalTokenAuthentication], viewset.__name__


def test_actor_set_without_the_middleware_changes_nothing(world):
    request = RequestFactory().get("/")
    assert audit.actor_set(request, world.street_admin) is False
