"""Sign-in: lockout per username + address, admin unlock, two-factor, sessions."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client, override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from portal.models import AccessLog, Role
from portal.services import role_assign, user_create
from tests.conftest import PASSWORD, login, otp_device, totp_code

OFFICE_IP = "10.20.30.40"
LIMIT = settings.AXES_FAILURE_LIMIT


def sign_in(client, username, password=PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def lock_out(username, ip=OFFICE_IP):
    client = Client(REMOTE_ADDR=ip)
    for _ in range(LIMIT):
        response = sign_in(client, username, "wrong-password")
    return client, response


def wrong_code(device):
    """A six-digit code that is none of the codes the device accepts now."""
    accepted = {totp_code(device, steps) for steps in (-1, 0, 1)}
    return next(
        c for c in ("000000", "111111", "222222", "333333") if c not in accepted
    )


# -- lockout --------------------------------------------------------------------


def test_repeated_wrong_passwords_lock_that_username_at_that_address(world):
    # given a secretary mistyping her password at the office
    client = Client(REMOTE_ADDR=OFFICE_IP)
    for _ in range(LIMIT - 1):
        # then the first tries just say the password is wrong
        assert sign_in(client, "secretary_a", "wrong").status_code == 200
    # when she fails once more
    response = sign_in(client, "secretary_a", "wrong")
    # then she is locked out with a clear Chinese page
    assert response.status_code == 429
    html = response.content.decode()
    assert "登录已暂停" in html and "联系街道管理员解锁" in html
    assert "secretary_a" in html
    # and even the right password is refused from that address for now
    assert sign_in(client, "secretary_a").status_code == 429


def test_a_colleague_behind_the_same_address_still_signs_in(world):
    # given the secretary locked out at the shared office address
    lock_out("secretary_a")
    # when a colleague signs in from the same address
    response = sign_in(Client(REMOTE_ADDR=OFFICE_IP), "volunteer_a")
    # then he gets in
    assert response.status_code == 302
    # and the secretary herself may sign in from another address
    assert sign_in(Client(REMOTE_ADDR="10.99.0.1"), "secretary_a").status_code == 302
    # while the office address stays locked for her
    assert sign_in(Client(REMOTE_ADDR=OFFICE_IP), "secretary_a").status_code == 429


def test_street_admin_unlocks_a_locked_out_user(world):
    # given the secretary locked out at the office
    office, _ = lock_out("secretary_a")
    admin = login(world.street_admin)
    # when the street admin opens the lockout page
    page = admin.get("/accounts/lockouts/")
    # then it lists her with the address
    html = page.content.decode()
    assert page.status_code == 200
    assert "secretary_a" in html and OFFICE_IP in html
    # and viewing the list was recorded in the access log
    assert AccessLog.objects.filter(
        user=world.street_admin, what="axes.accessattempt", count=1
    ).exists()
    # when he unlocks her
    attempt = AccessAttempt.objects.get(username="secretary_a")
    response = admin.post("/accounts/lockouts/", {"attempt": attempt.pk}, follow=True)
    assert "已解除 secretary_a" in response.content.decode()
    # then she signs in from the office at once
    assert sign_in(office, "secretary_a").status_code == 302


def test_axes_reset_command_also_unlocks(world):
    office, _ = lock_out("secretary_a")
    call_command("axes_reset_username", "secretary_a")
    assert sign_in(office, "secretary_a").status_code == 302


@pytest.mark.parametrize(
    "persona", ["street_staff", "secretary_a", "unit_head_a", "volunteer_a"]
)
def test_only_street_admins_may_see_or_lift_lockouts(world, persona):
    lock_out("secretary_b")
    client = login(getattr(world, persona))
    assert client.get("/accounts/lockouts/").status_code == 403
    attempt = AccessAttempt.objects.get(username="secretary_b")
    assert (
        client.post("/accounts/lockouts/", {"attempt": attempt.pk}).status_code == 403
    )
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


def test_lockout_page_needs_sign_in(db):
    response = Client().get("/accounts/lockouts/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_token_endpoint_is_locked_too(world):
    # given wrong passwords sent to the token endpoint
    client = APIClient(REMOTE_ADDR=OFFICE_IP)
    for _ in range(LIMIT):
        client.post(
            "/api/v1/auth/token/",
            {"username": "secretary_a", "password": "wrong"},
            format="json",
        )
    # when the right password comes from the same address
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "secretary_a", "password": PASSWORD},
        format="json",
    )
    # then no token is issued, with the lockout's reason
    assert response.status_code == 429
    assert "token" not in response.json()
    assert "联系街道管理员解锁" in response.json()["detail"]


# -- passwords and sessions ----------------------------------------------------


def test_weak_passwords_are_refused(db):
    for weak in ("12345678", "password", "abc"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    with pytest.raises(ValidationError) as caught:
        user_create(username="weak", password="12345678")
    assert "password" in caught.value.message_dict


def test_sessions_expire_after_the_working_day_and_with_the_browser(world):
    client = Client()
    sign_in(client, "secretary_a")
    assert client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() <= 8 * 3600
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert not cookie["max-age"]  # a browser-session cookie


# -- two-factor sign-in: street admins ---------------------------------------------

PAGES_AND_API = [
    "/",
    "/accounts/lockouts/",
    "/admin/",
    "/api/v1/stats/",
    "/api/schema/",
]


def test_street_admin_without_totp_reaches_no_page_and_no_session_api(world):
    # given a street admin who typed the right password, no device yet
    client = Client()
    assert sign_in(client, "street_admin").status_code == 302
    for url in PAGES_AND_API:
        response = client.get(url)
        if url.startswith("/api/"):
            # then the session API refuses with a Chinese reason
            assert response.status_code == 403, url
            assert "两步验证" in response.json()["detail"]
        else:
            # and every page sends him to bind an authenticator first
            assert response.status_code == 302, url
            assert response["Location"].startswith("/accounts/otp/setup/"), url


def test_street_admin_enrols_with_the_portals_qr_code_then_reaches_pages(world):
    client = Client()
    sign_in(client, "street_admin")
    # when he opens the enrolment page
    page = client.get("/accounts/otp/setup/?next=/api/v1/stats/")
    html = page.content.decode()
    # then the portal draws the QR code itself, as a data: image
    assert page.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in html
    assert 'alt="两步验证二维码"' in html
    device = TOTPDevice.objects.get(user=world.street_admin, confirmed=False)
    # a wrong code binds nothing
    response = client.post("/accounts/otp/setup/", {"token": wrong_code(device)})
    assert response.status_code == 200
    assert "验证码不正确" in response.content.decode()
    assert client.get("/").status_code == 302
    # when he types the code his authenticator shows
    with override_settings(OTP_TOTP_THROTTLE_FACTOR=0):
        response = client.post(
            "/accounts/otp/setup/",
            {"token": totp_code(device), "next": "/api/v1/stats/"},
        )
    # then he goes on where he was heading, and pages and API answer
    assert response.status_code == 302
    assert response["Location"] == "/api/v1/stats/"
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/stats/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_enrolled_street_admin_must_type_a_valid_code_after_the_password(world):
    device = otp_device(world.street_admin)
    client = Client()
    sign_in(client, "street_admin")
    response = client.get("/accounts/lockouts/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/otp/?next=%2Faccounts%2Flockouts%2F"
    # someone with only the password cannot bind his own phone instead
    assert client.get("/accounts/otp/setup/").status_code == 302
    with override_settings(OTP_TOTP_THROTTLE_FACTOR=0):
        bad = client.post(
            "/accounts/otp/",
            {"token": wrong_code(device), "next": "/accounts/lockouts/"},
        )
        assert bad.status_code == 200
        assert "验证码不正确或已过期" in bad.content.decode()
        assert client.get("/accounts/lockouts/").status_code == 302
        good = client.post(
            "/accounts/otp/",
            {"token": totp_code(device), "next": "/accounts/lockouts/"},
        )
    assert good.status_code == 302 and good["Location"] == "/accounts/lockouts/"
    assert client.get("/accounts/lockouts/").status_code == 200
    assert client.get("/api/v1/stats/").status_code == 200


def test_a_code_works_only_once(world):
    device = otp_device(world.street_admin)
    code = totp_code(device)
    first, second = Client(), Client()
    sign_in(first, "street_admin")
    sign_in(second, "street_admin")
    with override_settings(OTP_TOTP_THROTTLE_FACTOR=0):
        assert first.post("/accounts/otp/", {"token": code}).status_code == 302
        assert second.post("/accounts/otp/", {"token": code}).status_code == 200
    assert second.get("/").status_code == 302


def test_open_redirects_are_refused_after_the_code(world):
    device = otp_device(world.street_admin)
    client = Client()
    sign_in(client, "street_admin")
    response = client.post(
        "/accounts/otp/", {"token": totp_code(device), "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.otp_unverified
def test_force_login_without_the_test_helper_does_not_pass_totp(world, client):
    client.force_login(world.street_admin)
    assert client.get("/").status_code == 302
    assert client.get("/api/v1/stats/").status_code == 403


def test_test_personas_still_reach_pages_through_force_login(world, client):
    client.force_login(world.street_admin)
    assert client.get("/").status_code == 200
    assert login(world.street_admin).get("/accounts/lockouts/").status_code == 200


# -- two-factor sign-in: the token API ------------------------------------------


def token_request(data):
    return APIClient().post("/api/v1/auth/token/", data, format="json")


@override_settings(OTP_TOTP_THROTTLE_FACTOR=0)
def test_street_admin_gets_an_api_token_only_with_a_valid_totp_code(world):
    device = otp_device(world.street_admin)
    credentials = {"username": "street_admin", "password": PASSWORD}
    # without a code: refused, the field is named
    response = token_request(credentials)
    assert response.status_code == 400
    assert "otp_token" in response.json() and "token" not in response.json()
    # with a wrong code: refused
    response = token_request({**credentials, "otp_token": wrong_code(device)})
    assert response.status_code == 400 and "token" not in response.json()
    # with the authenticator's code: a token that works
    response = token_request({**credentials, "otp_token": totp_code(device)})
    assert response.status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/v1/stats/").status_code == 200


def test_becoming_street_admin_revokes_tokens_taken_without_a_code(world):
    Token.objects.create(user=world.secretary_a)
    role_assign(user=world.secretary_a, role=Role.STREET_ADMIN, org_node=world.street)
    assert not Token.objects.filter(user=world.secretary_a).exists()


# -- two-factor sign-in: optional for everyone else -------------------------------


def test_a_secretary_may_switch_two_factor_on_and_is_then_asked_for_it(world):
    client = login(world.secretary_a)
    assert "未开启" in client.get("/accounts/security/").content.decode()
    assert client.get("/accounts/otp/setup/").status_code == 200
    device = TOTPDevice.objects.get(user=world.secretary_a)
    response = client.post("/accounts/otp/setup/", {"token": totp_code(device)})
    assert response.status_code == 302
    assert "已开启" in client.get("/accounts/security/").content.decode()
    # at the next sign-in the code is asked for
    again = Client()
    sign_in(again, "secretary_a")
    response = again.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/otp/")


def test_a_secretary_without_a_device_is_not_asked_for_a_code(world):
    client = Client()
    sign_in(client, "secretary_a")
    assert client.get("/").status_code == 200


@override_settings(OTP_TOTP_THROTTLE_FACTOR=0)
def test_optional_two_factor_can_be_switched_off_but_not_for_street_admins(world):
    device = otp_device(world.secretary_a)
    client = Client()
    sign_in(client, "secretary_a")
    client.post("/accounts/otp/", {"token": totp_code(device)})
    response = client.post("/accounts/otp/disable/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=world.secretary_a).exists()
    admin = login(world.street_admin)
    assert admin.post("/accounts/otp/disable/").status_code == 403
    assert TOTPDevice.objects.filter(user=world.street_admin).exists()


def test_demo_admin_can_sign_in_with_the_printed_secret(db, tmp_path, settings):
    # given the demo seed (foundation steps) writing var/demo-logins.txt
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", "--password", "demo-Password-2024", verbosity=0)
    text = (tmp_path / "demo-logins.txt").read_text(encoding="utf-8")
    device = TOTPDevice.objects.get(user__username="admin", confirmed=True)
    # then the file names the admin's TOTP secret and its otpauth URI
    assert "otpauth://totp/" in text and "两步验证" in text
    from portal.otp import secret_b32

    assert secret_b32(device) in text
    # and the admin gets in with the password and a code from that secret
    client = Client()
    sign_in(client, "admin", "demo-Password-2024")
    with override_settings(OTP_TOTP_THROTTLE_FACTOR=0):
        client.post("/accounts/otp/", {"token": totp_code(device)})
    assert client.get("/").status_code == 200


def test_behind_a_proxy_the_client_address_is_locked_not_the_proxy(world, settings):
    # given one trusted reverse proxy in front of the portal
    settings.PORTAL_TRUSTED_PROXIES = 1
    proxy = "10.0.0.1"

    def via_proxy(client_ip, forged=""):
        chain = f"{forged}, {client_ip}" if forged else client_ip
        return Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=chain)

    # when the secretary is locked out at the office
    office = via_proxy(OFFICE_IP)
    for _ in range(LIMIT):
        sign_in(office, "secretary_a", "wrong")
    # then only the office address is locked, not every client of the proxy
    assert sign_in(via_proxy(OFFICE_IP), "secretary_a").status_code == 429
    assert sign_in(via_proxy("10.50.0.9"), "secretary_a").status_code == 302
    # and a forged leading X-Forwarded-For entry does not escape the lock
    forged = via_proxy(OFFICE_IP, forged="1.2.3.4")
    assert sign_in(forged, "secretary_a").status_code == 429
    assert AccessAttempt.objects.get(username="secretary_a").ip_address == OFFICE_IP
