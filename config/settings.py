"""Settings for the portal, read from the environment (one ``env`` object).

With no environment set, the portal runs on SQLite in ``var/`` and runs Celery
tasks in-process, so ``make run`` works on a bare machine. ``DATABASE_URL`` and
``CELERY_BROKER_URL`` switch on PostgreSQL and Redis.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
env.read_env(BASE_DIR / ".env") if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # A development key, only with DEBUG on a bare machine.
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # The form widget templates, for FORM_RENDERER below.
    "django.forms",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "mptt",
    "django_celery_beat",
    "django_htmx",
    # Security: sign-in lockout, two-factor sign-in, audit trail.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "auditlog",
    "portal",
    "orgs",
    "grids",
    "meetings",
    "volunteers",
    "evaluations",
    "support",
    "dashboard",
    # The top floor (seed_demo); it wires the apps above, none imports it.
    "config",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF, which reads a POST's body: too large an upload is refused
    # from its Content-Length, unread (portal/uploads.py).
    "portal.uploads.UploadLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Before any view, log or sign-in record reads the query string.
    "portal.middleware.QueryStringGuardMiddleware",
    # After OTPMiddleware: street admins must pass TOTP before any page or API.
    "portal.middleware.OTPRequiredMiddleware",
    "portal.middleware.AuditlogMiddleware",
    # Responses that showed personal data (portal.audit.log_access): no-store.
    "portal.middleware.NoStoreMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# Every form: labels end in the language's colon, empty choices read 请选择.
FORM_RENDERER = "portal.forms.FormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "portal.context_processors.portal",
                "dashboard.context_processors.work",
            ],
        },
    },
]

# Database: SQLite in var/ unless DATABASE_URL is set.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # The covering indexes' INCLUDE columns are a PostgreSQL optimisation;
    # SQLite (the embedded default) builds the same indexes without them.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "portal.User"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        # Django's, with the messages in Chinese (Django 5.2's lag behind).
        "NAME": "portal.security.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# A reset link a street admin hands over (Django's PasswordResetTokenGenerator):
# valid once, and for this many seconds at most.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=24 * 3600)
# API tokens (Authorization: Token …) expire after this many days; signing out,
# changing or resetting the password revoke them at once.
PORTAL_API_TOKEN_DAYS = env.int("PORTAL_API_TOKEN_DAYS", default=30)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# django-axes first: it refuses a locked-out sign-in before the password is
# checked. It needs the request, so use force_login (not client.login) in tests.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Sign-in lockout (django-axes). A street office shares one IP address, so a
# lock is per username AND address: one person's typos lock only that person
# at that address. The lock lifts after the cool-off or when an admin unlocks
# (/accounts/lockouts/, the admin, or `manage.py axes_reset_username NAME`).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "portal.security.lockout_response"
# Behind reverse proxies set PORTAL_TRUSTED_PROXIES to their number, so the
# client's address (not the proxy's) is the one locked and logged.
PORTAL_TRUSTED_PROXIES = env.int("PORTAL_TRUSTED_PROXIES", default=0)
AXES_CLIENT_IP_CALLABLE = "portal.security.client_ip"

# Two-factor sign-in (django-otp, TOTP). Required for street admins and
# superusers (PORTAL_REQUIRE_ADMIN_OTP), optional for everyone else; a user
# who enrolled a device is asked for a code at every sign-in.
PORTAL_REQUIRE_ADMIN_OTP = env.bool("PORTAL_REQUIRE_ADMIN_OTP", default=True)
PORTAL_OTP_REQUIRED_ROLES = ["street_admin"]
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="街道党建共建平台")
OTP_TOTP_THROTTLE_FACTOR = 1

# Audit trail (django-auditlog): who changed what, with personal fields masked.
# Apps register their models through portal.audit.register (CONTRIBUTING.md).
AUDITLOG_STORE_JSON_CHANGES = True
AUDITLOG_MASK_CALLABLE = "portal.audit.mask_value"

# Language and time: Simplified Chinese first, English second.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Figures are grouped by thousands in Chinese as in English (config/formats);
# USE_THOUSAND_SEPARATOR stays off so years and ids are never grouped.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
# Uploaded files live outside any public URL; views that check scope serve them.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "/media-not-public/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
PORTAL_MAX_UPLOAD_BYTES = env.int("PORTAL_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
# The first handler keeps nothing of a file past the limit (portal/uploads.py).
FILE_UPLOAD_HANDLERS = [
    "portal.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Personal data retention (SECURITY.md): days after a volunteer left until his
# name, phone and account are anonymised everywhere (a nightly task), and days
# sign-in records (django-axes) are kept.
# The dashboards' key figures are cached per scope until the next write
# (dashboard.stats_cache); figures that move with the clock alone are at most
# this old. 0 switches the cache off. CACHE_URL (e.g. redis://127.0.0.1:6379/2)
# shares it between processes; by default each process keeps its own.
PORTAL_STATS_CACHE_SECONDS = env.int("PORTAL_STATS_CACHE_SECONDS", default=120)
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

PORTAL_RETENTION_DAYS = env.int("PORTAL_RETENTION_DAYS", default=730)
PORTAL_SIGNIN_LOG_DAYS = env.int("PORTAL_SIGNIN_LOG_DAYS", default=180)

# Volunteers: minutes of service before a check-out is accepted (a check-out
# right after the check-in would record no service); read at each check-out.
VOLUNTEERS_MIN_SERVICE_MINUTES = env.int("VOLUNTEERS_MIN_SERVICE_MINUTES", default=10)

# Security: secure by default, relaxed only for a DEBUG machine.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
# The language cookie (the header's switch) follows the session cookie.
LANGUAGE_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp 4): everything from the portal itself, no
# inline script, no framing. data: images are the TOTP QR codes. Inline style
# attributes are allowed (style-src-attr) for computed widths such as progress
# bars; <style> blocks and inline scripts are not.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# REST framework.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # DRF's Token header; expires, revoked at sign-out and password change,
        # and names its user as the audit actor.
        "portal.authentication.PortalTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "portal.permissions.RoleActionPermission",
    ],
    "DEFAULT_PAGINATION_CLASS": "portal.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "街道党建共建平台 API",
    "DESCRIPTION": "Street party-building portal API (v1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs describe the API to its users: signed in only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One schema name per choice set: fields such as "status" and "kind" exist
    # in several apps with different choices (a collision is a deploy warning).
    "ENUM_NAME_OVERRIDES": {
        "SupportWorkerTypeEnum": "support.models.WorkerType",
        "SupportAttendanceStatusEnum": "support.models.AttendanceStatus",
        "SupportSocialOrgKindEnum": "support.models.SocialOrgKind",
        "SupportSocialOrgStatusEnum": "support.models.SocialOrgStatus",
        "SupportBudgetLineEnum": "support.models.BudgetLine",
        "SupportFundEntryKindEnum": "support.models.FundEntryKind",
        "SupportFundMovementEnum": "support.models.FUND_MOVEMENT_CHOICES",
        "GridCellLevelEnum": "grids.models.CellLevel",
        "GridCaseLevelEnum": "grids.models.CaseLevel",
        "GridCaseStatusEnum": "grids.models.CaseStatus",
        "GridCaseCategoryEnum": "grids.models.CaseCategory",
        "GridCaseEventKindEnum": "grids.models.CaseEventKind",
        "GridReporterKindEnum": "grids.models.ReporterKind",
        "EvaluationGradeEnum": "evaluations.models.Grade",
        "EvaluationSubjectKindEnum": "evaluations.models.SubjectKind",
        "EvaluationRunStatusEnum": "evaluations.models.RunStatus",
        "EvaluationRunTriggerEnum": "evaluations.models.RunTrigger",
        "EvaluationFeedbackCategoryEnum": "evaluations.models.FeedbackCategory",
        "CreditLevelEnum": "evaluations.models.CreditLevel",
        "CreditRatingSourceEnum": "evaluations.models.RatingSource",
        "AppealStatusEnum": "evaluations.models.AppealStatus",
        "AppealActionEnum": "evaluations.models.AppealAction",
        "CommitmentThemeEnum": "evaluations.models.CommitmentTheme",
        "MeetingStatusEnum": "meetings.models.MeetingStatus",
        "MeetingPlaceKindEnum": "meetings.models.PlaceKind",
        "MeetingProblemStatusEnum": "meetings.models.ProblemStatus",
        "MeetingProblemSourceEnum": "meetings.models.ProblemSource",
        "MeetingActionItemStatusEnum": "meetings.models.ActionItemStatus",
        "VolunteerKindEnum": "volunteers.models.VolunteerKind",
        "VolunteerStatusEnum": "volunteers.models.VolunteerStatus",
        "ActivityCategoryEnum": "volunteers.models.ActivityCategory",
        "ActivityStatusEnum": "volunteers.models.ActivityStatus",
        "EntryKindEnum": "volunteers.models.EntryKind",
        "ClaimStatusEnum": "volunteers.models.ClaimStatus",
        "WishCategoryEnum": "volunteers.models.WishCategory",
        "PostKindEnum": "volunteers.models.PostKind",
        "RedemptionStatusEnum": "volunteers.models.RedemptionStatus",
    },
}

# Celery: no broker → tasks run in-process (eager); a broker → real workers.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Time limits: a task without its own gets these; a task that sets its own
# time_limit sets a soft_time_limit below it (Celery refuses to send a task
# whose soft limit, its own or this global one, exceeds its hard limit:
# tests/config/test_celery_config.py checks every task and schedule).
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
# Redis going away under a running task (kombu 5.7.0, the newest): when the
# worker tears the lost connection down it restores its unacknowledged
# messages on a transport already closed, and dies ("Unrecoverable error:
# AttributeError … 'hostname'"); an idle worker reconnects. So the worker
# holds no unacknowledged message: every task is acknowledged when a process
# starts it (no acks_late) and nothing is prefetched beyond a free process.
# A task lost with a dead worker is picked up from the database instead (the
# evaluation watchdog, the periodic jobs' next run, reminder rows).
CELERY_TASK_ACKS_LATE = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_DISABLE_PREFETCH = True
# A task running when the connection drops finishes its work (its writes
# are in the database; there is nothing left to acknowledge).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Reconnect for as long as the outage lasts (the default gives up after 100
# tries and the worker exits); at start-up too.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A broker outage must not hang a web request: publishing gives up fast and the
# database rows (reminders, runs) carry the work until the broker returns.
# A message Redis handed out and never saw acknowledged is delivered again
# after visibility_timeout: longer than the longest task's hard limit, so a
# task still running is never started a second time.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "visibility_timeout": 2 * 60 * 60,
}

# Monthly evaluation: units per batch (progress advances per batch), an
# optional pause between batches (tests slow a run down to kill it half-way)
# and how long a run may go without a heartbeat before a new run replaces it.
# A batch is a few aggregate queries and one upsert: a street's units (about
# 500 in the demo street) in one batch cost a third of three batches' time.
EVALUATION_BATCH_SIZE = env.int("EVALUATION_BATCH_SIZE", default=1000)
EVALUATION_BATCH_DELAY_SECONDS = env.float("EVALUATION_BATCH_DELAY_SECONDS", default=0)
EVALUATION_RUN_STALE_SECONDS = env.int("EVALUATION_RUN_STALE_SECONDS", default=300)

# Mail: console by default, SMTP when EMAIL_URL is set.
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="portal@localhost")

# Notification channels beyond inbox and email (pluggable; logging by default).
PORTAL_SMS_BACKEND = env(
    "PORTAL_SMS_BACKEND", default="portal.notify.LoggingSmsBackend"
)
PORTAL_WEBHOOK_BACKEND = env(
    "PORTAL_WEBHOOK_BACKEND", default="portal.notify.LoggingWebhookBackend"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
    "loggers": {
        "portal": {"level": env("PORTAL_LOG_LEVEL", default="INFO")},
    },
}
