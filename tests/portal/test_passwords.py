"""Passwords: change when signed in, one-time reset links a street admin hands
over, and the API tokens both revoke."""

import re
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from orgs.models import OrgKind, Person
from orgs.services import org_node_create
from portal.models import Role, User
from portal.services import role_assign, user_create
from tests import clock
from tests.conftest import PASSWORD, login

NEW_PASSWORD = "a-fresh-lantern-2718"


def sign_in(username, password):
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": username, "password": password}
    )
    return client, response


def account_events(user):
    """The ``event`` of each audit entry about ``user``'s account, oldest first."""
    return [
        (entry.additional_data or {}).get("event")
        for entry in LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(User),
            object_pk=str(user.pk),
        ).order_by("id")
    ]


@pytest.fixture
def other_street_admin(world):
    """The admin of street Y, whose secretary lives in Y."""
    y = org_node_create(kind=OrgKind.STREET, name="外街道", code="Y")
    c = org_node_create(kind=OrgKind.COMMUNITY, name="丙社区", code="Y-01", parent=y)
    admin = user_create(username="y_admin", password=PASSWORD)
    role_assign(user=admin, role=Role.STREET_ADMIN, org_node=y)
    secretary = user_create(username="secretary_c", password=PASSWORD)
    role_assign(user=secretary, role=Role.COMMUNITY_SECRETARY, org_node=c)
    Person.objects.create(name="丙书记", street=y, community=c, user=secretary)
    admin.secretary_c = secretary
    return admin


def reset_link(client, account):
    """Ask for ``account``'s reset link as ``client``; return the link's path."""
    response = client.post(f"/accounts/users/{account.pk}/password-reset/")
    assert response.status_code == 200, response.status_code
    match = re.search(r'value="(https?://[^"]+/accounts/reset/[^"]+)"', response.text)
    assert match, response.text
    return match.group(1).split("testserver", 1)[1]


def set_password_through(link, password=NEW_PASSWORD):
    """Open ``link`` as the user would and type the new password twice."""
    client = Client()
    opened = client.get(link)
    if opened.status_code != 302:
        return opened
    form_url = opened["Location"]
    return client.post(form_url, {"new_password1": password, "new_password2": password})


# -- change when signed in -----------------------------------------------------------


def test_the_security_page_links_the_password_change(world):
    # given a secretary on her security page
    html = login(world.secretary_a).get("/accounts/security/").text
    # then the password change is offered
    assert 'href="/accounts/password_change/"' in html


def test_a_signed_in_user_changes_his_password_and_keeps_his_session(world):
    # given a secretary signed in on two devices, with an API token
    client, _ = sign_in("secretary_a", PASSWORD)
    other_device, _ = sign_in("secretary_a", PASSWORD)
    Token.objects.create(user=world.secretary_a)
    # when she changes her password
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    # then she is back on her security page, still signed in
    assert response.status_code == 302
    assert response["Location"] == "/accounts/security/"
    assert "密码已修改" in client.get("/accounts/security/").text
    # and the other device is signed out, the API token revoked
    assert other_device.get("/").status_code == 302
    assert not Token.objects.filter(user=world.secretary_a).exists()
    # and only the new password signs in
    assert sign_in("secretary_a", PASSWORD)[1].status_code == 200
    assert sign_in("secretary_a", NEW_PASSWORD)[1].status_code == 302
    # and the change is in the audit log, by herself
    entry = LogEntry.objects.filter(object_pk=str(world.secretary_a.pk)).latest("id")
    assert entry.additional_data == {"event": "password_changed"}
    assert entry.actor == world.secretary_a


def test_a_weak_or_mistyped_new_password_is_refused_in_chinese(world):
    client = login(world.secretary_a)
    # a wrong old password
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": "not-my-password",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "旧密码" in response.text
    # a password the validators refuse (too short, too common, numeric)
    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": "1234", "new_password2": "1234"},
    )
    assert response.status_code == 200
    assert "密码太短，至少需要 8 个字符" in response.text
    # and nothing changed
    world.secretary_a.refresh_from_db()
    assert world.secretary_a.check_password(PASSWORD)
    assert account_events(world.secretary_a) == []


def test_the_password_change_needs_a_signed_in_user(db):
    response = Client().get("/accounts/password_change/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# -- reset links handed over by the street admin ---------------------------------------


def test_street_admin_makes_a_reset_link_that_works_once(world):
    # given a secretary who forgot her password and holds an API token
    Token.objects.create(user=world.secretary_a)
    admin = login(world.street_admin)
    # when the street admin makes her a reset link
    link = reset_link(admin, world.secretary_a)
    # then her API token is revoked and the link is audited with who made it
    assert not Token.objects.filter(user=world.secretary_a).exists()
    entry = LogEntry.objects.filter(object_pk=str(world.secretary_a.pk)).latest("id")
    assert entry.actor == world.street_admin
    assert entry.additional_data == {"event": "password_reset_link_created"}
    # when she opens it and sets a new password
    response = set_password_through(link)
    # then she is sent to sign in with it
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert sign_in("secretary_a", NEW_PASSWORD)[1].status_code == 302
    assert account_events(world.secretary_a) == [
        "password_reset_link_created",
        "password_reset",
    ]
    # and the link does not work a second time
    again = Client().get(link, follow=True)
    assert "此重置链接无效" in again.text
    response = set_password_through(link, "another-lantern-3141")
    assert response.status_code == 200
    world.secretary_a.refresh_from_db()
    assert world.secretary_a.check_password(NEW_PASSWORD)


def test_a_reset_lifts_the_sign_in_lockout_of_that_account(world):
    # given a secretary who locked herself out trying passwords
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in("secretary_a", "wrong-guess")
    assert sign_in("secretary_a", PASSWORD)[1].status_code == 429
    # when she sets a new password through the admin's link
    link = reset_link(login(world.street_admin), world.secretary_a)
    assert set_password_through(link).status_code == 302
    # then she signs in with it at once
    assert sign_in("secretary_a", NEW_PASSWORD)[1].status_code == 302


def test_a_reset_link_expires(world):
    # given a link made now
    link = reset_link(login(world.street_admin), world.secretary_a)
    # when she opens it after the reset timeout
    later = timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    with clock.travel(later):
        response = set_password_through(link)
    # then it is refused and her password is unchanged
    assert response.status_code == 200
    assert "此重置链接无效" in response.text
    world.secretary_a.refresh_from_db()
    assert world.secretary_a.check_password(PASSWORD)


def test_a_reset_link_refuses_a_weak_password(world):
    link = reset_link(login(world.street_admin), world.secretary_a)
    response = set_password_through(link, "12345678")
    assert response.status_code == 200
    world.secretary_a.refresh_from_db()
    assert world.secretary_a.check_password(PASSWORD)


def test_an_admin_of_another_street_gets_404_for_a_reset_outside_his_scope(
    world, other_street_admin
):
    # given the admin of street Y
    client = login(other_street_admin)
    # when he asks for a reset link of a secretary of street T
    response = client.post(f"/accounts/users/{world.secretary_a.pk}/password-reset/")
    # then: not found, and no link, no audit entry
    assert response.status_code == 404
    assert account_events(world.secretary_a) == []
    # while the secretary of his own street is his to reset
    assert reset_link(client, other_street_admin.secretary_c)


def test_an_account_that_also_acts_in_another_street_is_not_reset_by_either_admin(
    world, other_street_admin
):
    # given the secretary of A who also became a volunteer in street Y
    c = other_street_admin.secretary_c.role_assignments.get().org_node
    role_assign(user=world.secretary_a, role=Role.VOLUNTEER, org_node=c)
    # then neither street's admin may take her account over
    for admin in (world.street_admin, other_street_admin):
        response = login(admin).post(
            f"/accounts/users/{world.secretary_a.pk}/password-reset/"
        )
        assert response.status_code == 404


def test_only_street_admins_make_reset_links(world):
    for user in (world.street_staff, world.secretary_a, world.unit_head_a):
        client = login(user)
        response = client.post(
            f"/accounts/users/{world.volunteer_a.pk}/password-reset/"
        )
        assert response.status_code == 403, user
        assert client.get("/accounts/users/").status_code == 403
        assert 'href="/accounts/users/"' not in client.get("/accounts/security/").text
    assert account_events(world.volunteer_a) == []


def test_superusers_and_admin_staff_cannot_be_reset_by_a_street_admin(world):
    # given a Django admin user with a person in the street
    staff = user_create(username="backoffice", password=PASSWORD)
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    Person.objects.create(name="后台", street=world.street, user=staff)
    # then the street admin does not manage that account
    response = login(world.street_admin).post(
        f"/accounts/users/{staff.pk}/password-reset/"
    )
    assert response.status_code == 404


def test_the_users_page_lists_the_accounts_of_his_street_with_their_reset_button(
    world, other_street_admin
):
    # given the street admin on his security page
    client = login(world.street_admin)
    assert 'href="/accounts/users/"' in client.get("/accounts/security/").text
    # when he opens the accounts page
    response = client.get("/accounts/users/")
    # then it lists his street's accounts with a reset button, none of street Y
    assert response.status_code == 200
    html = response.text
    for user in (world.secretary_a, world.unit_head_a, world.volunteer_a):
        assert f"/accounts/users/{user.pk}/password-reset/" in html
    assert "secretary_c" not in html and "y_admin" not in html
    # and the outsider without any role or person is not his
    assert "outsider" not in html
    # and the page is not kept in any cache (it lists people)
    assert "no-store" in response["Cache-Control"]


def test_the_forgotten_password_page_says_whom_to_ask(db):
    # given someone at the sign-in page
    login_page = Client().get("/accounts/login/").text
    # then it links the forgotten password page, which answers anonymously
    assert 'href="/accounts/password_reset/"' in login_page
    response = Client().get("/accounts/password_reset/")
    assert response.status_code == 200
    assert "街道管理员" in response.text


# -- sign-out revokes the API token ------------------------------------------------------


def test_signing_out_revokes_the_api_token(world):
    # given a secretary signed in with an API token
    client = login(world.secretary_a)
    token = Token.objects.create(user=world.secretary_a)
    # when she signs out
    assert client.post("/accounts/logout/").status_code == 302
    # then her token answers 401
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.get("/api/v1/stats/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_the_users_page_asks_as_many_queries_for_twice_the_accounts(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        client = login(world.street_admin)
        client.get("/accounts/users/")  # the scope is computed once per user
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/accounts/users/").status_code == 200
        return len(ctx.captured_queries)

    def add_volunteers(start, n):
        for i in range(start, start + n):
            user = user_create(username=f"vol{i}", password=PASSWORD)
            role_assign(user=user, role=Role.VOLUNTEER, org_node=world.a)
            Person.objects.create(
                name=f"志愿者{i}", street=world.street, community=world.a, user=user
            )

    add_volunteers(0, 3)
    few = queries()
    add_volunteers(3, 6)
    assert queries() == few
