"""Settings for the test suite: the real settings with test-only defaults."""

import os

os.environ.setdefault(
    "SECRET_KEY", "test-only-secret-key-not-for-production-0123456789"
)
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# One folder per xdist worker: tests that count files must not see the other's.
MEDIA_ROOT = VAR_DIR / ("test-media" + os.environ.get("PYTEST_XDIST_WORKER", ""))  # noqa: F405
# Tests run tasks in-process; the real-worker tests switch this off themselves.
CELERY_TASK_ALWAYS_EAGER = True
