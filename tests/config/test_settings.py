"""Settings that matter: the deploy check, time zone, language, Celery names."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def test_deploy_check_passes_with_production_values():
    relaxed = ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE")
    env = {
        **{k: v for k, v in os.environ.items() if k not in relaxed},
        "DEBUG": "0",
        "SECRET_KEY": "a-long-and-random-production-secret-key-0123456789-abcdefghij",
        "ALLOWED_HOSTS": "portal.example.gov.cn",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_missing_secret_key_fails_at_start_up():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_language_and_time_zone():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]
    assert settings.TIME_ZONE == "Asia/Shanghai"


def test_celery_settings_are_read_by_the_app():
    from config.celery import app

    # A misspelt CELERY_* name would be silently ignored; check they arrive.
    assert app.conf.task_time_limit == settings.CELERY_TASK_TIME_LIMIT
    assert app.conf.beat_scheduler == settings.CELERY_BEAT_SCHEDULER
    assert app.conf.timezone == "Asia/Shanghai"


def test_periodic_reminder_schedule_exists_after_migrate(db):
    from django_celery_beat.models import PeriodicTask

    assert PeriodicTask.objects.filter(task="portal.send_due_reminders").exists()


def test_makemigrations_check_runs_on_a_bare_checkout():
    # the before-stop hook and a new developer run it with no environment
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _production_settings(names, **environ):
    """``names`` of ``config.settings`` as a production process computes them."""
    import json

    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SESSION_COOKIE_SECURE", "PORTAL_API_TOKEN_DAYS")
    }
    env.update(
        DEBUG="0",
        SECRET_KEY="a-long-and-random-production-secret-key-0123456789-abcdefghij",
        ALLOWED_HOSTS="portal.example.gov.cn",
        **environ,
    )
    code = (
        "import json, config.settings as s;"
        f"print(json.dumps({{k: getattr(s, k, None) for k in {names!r}}}))"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_language_cookie_follows_the_session_cookie():
    names = ["LANGUAGE_COOKIE_SECURE", "LANGUAGE_COOKIE_SAMESITE"]
    # production: Secure like the session cookie, and SameSite=Lax
    assert _production_settings(names) == {
        "LANGUAGE_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_SAMESITE": "Lax",
    }
    # a deployment without HTTPS relaxes both cookies together
    relaxed = _production_settings(names, SESSION_COOKIE_SECURE="0")
    assert relaxed["LANGUAGE_COOKIE_SECURE"] is False
    assert relaxed["LANGUAGE_COOKIE_SAMESITE"] == "Lax"


def test_api_tokens_expire_after_30_days_unless_configured():
    assert _production_settings(["PORTAL_API_TOKEN_DAYS"]) == {
        "PORTAL_API_TOKEN_DAYS": 30
    }
    assert _production_settings(
        ["PORTAL_API_TOKEN_DAYS"], PORTAL_API_TOKEN_DAYS="7"
    ) == {"PORTAL_API_TOKEN_DAYS": 7}
