"""The API's front door: token, stats, schema and docs."""

from rest_framework.test import APIClient

from tests.conftest import PASSWORD


def test_token_endpoint_returns_a_token_that_authenticates(world):
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "secretary_a", "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/stats/").status_code == 200


def test_token_endpoint_refuses_a_wrong_password(world):
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": "secretary_a", "password": "nope"},
        format="json",
    )
    assert response.status_code == 400
    assert "token" not in response.json()


def test_stats_need_authentication(db):
    assert APIClient().get("/api/v1/stats/").status_code in (401, 403)


def test_stats_are_scoped_to_the_caller(world):
    client = APIClient()
    client.force_authenticate(world.street_admin)
    assert client.get("/api/v1/stats/").json()["communities"] == 2
    client.force_authenticate(world.secretary_b)
    assert client.get("/api/v1/stats/").json()["communities"] == 1
    client.force_authenticate(world.outsider)
    assert client.get("/api/v1/stats/").json()["communities"] == 0


def test_openapi_schema_and_offline_docs(world, client):
    client.force_login(world.street_admin)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/auth/token/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    # Served by the portal itself: no CDN.
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html
    assert "/static/drf_spectacular_sidecar/" in html


def test_street_stats_command_prints_the_same_json(world, capsys):
    import json

    from django.core.management import call_command

    call_command("street_stats")
    assert json.loads(capsys.readouterr().out)["communities"] == 2
    call_command("street_stats", "--user", "secretary_a")
    assert json.loads(capsys.readouterr().out)["communities"] == 1


def test_a_write_no_role_of_the_caller_allows_is_refused_before_its_body(world):
    # given callers whose roles never allow starting an evaluation run
    client = APIClient()
    for user in (world.volunteer_a, world.grid_worker_a, world.outsider):
        client.force_authenticate(user)
        # when they post one, with a body that is not even valid
        response = client.post("/api/v1/evaluation-runs/", {}, format="json")
        # then they are told they may not, not what is wrong with the body
        assert response.status_code == 403, user
        assert response.json()["detail"] == "您没有执行此操作的权限。"
    # and the street admin, who may, is told what is wrong with the body
    client.force_authenticate(world.street_admin)
    response = client.post("/api/v1/evaluation-runs/", {}, format="json")
    assert response.status_code == 400
    assert "month" in response.json()


def test_a_resident_without_a_role_may_still_register_as_a_volunteer(world):
    # given a signed-in resident who holds no role
    client = APIClient()
    client.force_authenticate(world.outsider)
    # when he registers himself as a volunteer of community A
    response = client.post(
        "/api/v1/volunteers/register/",
        {"community": world.a.pk, "name": "王小明", "phone": "13800138000"},
        format="json",
    )
    # then he is one (his write is not among those refused by role)
    assert response.status_code == 201, response.content


def test_every_write_action_a_viewset_names_is_a_role_action():
    # a misspelt name would refuse every caller with a server error
    from config.api import build_router
    from portal.roles import ACTIONS

    named = {}
    for _prefix, viewset, _basename in build_router().registry:
        for write, needed in getattr(viewset, "write_actions", {}).items():
            assert hasattr(viewset, write), f"{viewset.__name__} has no {write}"
            for action in (needed,) if isinstance(needed, str) else needed:
                named[f"{viewset.__name__}.{write}"] = action
                assert action in ACTIONS, f"{viewset.__name__}.{write}: {action}"
    assert len(named) >= 30  # the API's writes are named, not skipped


# -- tokens: they expire and are revoked (SECURITY.md, "Signing in") ----------------


def token_client(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_a_token_works_until_it_expires_then_answers_401(world, settings):
    from datetime import timedelta

    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from tests import clock

    # given a secretary's token taken now, tokens lasting 30 days
    settings.PORTAL_API_TOKEN_DAYS = 30
    token = Token.objects.create(user=world.secretary_a)
    now = timezone.now()
    # then it works on its 29th day
    with clock.travel(now + timedelta(days=29)):
        assert token_client(token).get("/api/v1/stats/").status_code == 200
    # and on the 31st it answers 401, naming the scheme, with a Chinese reason
    with clock.travel(now + timedelta(days=31)):
        response = token_client(token).get("/api/v1/stats/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"] == "API 令牌已过期，请重新获取。"


def test_the_token_endpoint_replaces_an_expired_token(world):
    from datetime import timedelta

    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from tests import clock

    old = Token.objects.create(user=world.secretary_a)
    with clock.travel(timezone.now() + timedelta(days=31)):
        response = APIClient().post(
            "/api/v1/auth/token/",
            {"username": "secretary_a", "password": PASSWORD},
            format="json",
        )
        assert response.status_code == 200
        new = response.json()["token"]
        assert new != old.key
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {new}")
        assert client.get("/api/v1/stats/").status_code == 200


def test_an_unknown_token_answers_401_and_no_credentials_403(db):
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567"
    )
    response = client.get("/api/v1/people/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    # a caller without any credentials is refused as before
    assert APIClient().get("/api/v1/people/").status_code == 403


def test_a_password_change_revokes_the_api_token(world):
    from rest_framework.authtoken.models import Token

    from tests.conftest import login

    token = Token.objects.create(user=world.secretary_a)
    response = login(world.secretary_a).post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-fresh-lantern-2718",
            "new_password2": "a-fresh-lantern-2718",
        },
    )
    assert response.status_code == 302
    assert token_client(token).get("/api/v1/stats/").status_code == 401


def test_token_lifetime_setting_defaults_to_30_days():
    from django.conf import settings

    assert settings.PORTAL_API_TOKEN_DAYS == 30
    assert settings.PASSWORD_RESET_TIMEOUT == 24 * 3600
