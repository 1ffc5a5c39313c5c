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
        "DJANGO_SETTINGS_MODULE": "portal.settings",
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
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings"
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
    from portal.celery import app

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
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
