"""Sign-in lockout (django-axes): the Chinese lockout page and who is locked;
the password length rule in Chinese."""

from django.conf import settings
from django.contrib.auth import password_validation
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _


def client_ip(request):
    """The client's address: REMOTE_ADDR, or the proxies' X-Forwarded-For.

    With ``PORTAL_TRUSTED_PROXIES = n`` (the number of reverse proxies in
    front of the portal, each appending to X-Forwarded-For), the client is
    the n-th address from the right; anything left of it was written by the
    client and is not trusted. Used for the sign-in lockout, the audit log
    and the access log.
    """
    count = settings.PORTAL_TRUSTED_PROXIES
    if count:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR") or None


def cooloff_minutes():
    cooloff = settings.AXES_COOLOFF_TIME
    return int(cooloff.total_seconds() // 60) if cooloff else None


def lockout_message():
    minutes = cooloff_minutes()
    if minutes:
        return _(
            "连续输错密码次数过多，该账号已在本机暂停登录。请 %(minutes)s 分钟后再试，"
            "或联系街道管理员解锁。"
        ) % {"minutes": minutes}
    return _("连续输错密码次数过多，该账号已在本机暂停登录。请联系街道管理员解锁。")


def lockout_response(request, original_response=None, credentials=None):
    """Answer a locked-out sign-in: a page for people, JSON for the API.

    Called by django-axes (``AXES_LOCKOUT_CALLABLE``). The status is 429 so a
    client knows to wait rather than retry.
    """
    from axes.helpers import get_client_username

    status = settings.AXES_HTTP_RESPONSE_CODE
    wants_json = request.path_info.startswith("/api/") or (
        request.headers.get("x-requested-with") == "XMLHttpRequest"
    )
    if wants_json:
        return JsonResponse({"detail": lockout_message()}, status=status)
    return render(
        request,
        "registration/locked_out.html",
        {
            "username": get_client_username(request, credentials) or "",
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": cooloff_minutes(),
            "message": lockout_message(),
        },
        status=status,
    )


def current_lockouts():
    """Return the access attempts that lock someone out right now."""
    from axes.models import AccessAttempt

    attempts = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    )
    if settings.AXES_COOLOFF_TIME:
        since = timezone.now() - settings.AXES_COOLOFF_TIME
        attempts = attempts.filter(attempt_time__gte=since)
    return attempts.order_by("-attempt_time", "-id")


def signin_records_purge(*, now=None):
    """Delete django-axes records older than ``PORTAL_SIGNIN_LOG_DAYS``.

    Failed attempts, failure logs and successful sign-ins hold usernames,
    addresses and browsers: kept for investigating abuse, not for ever. A
    lockout still in force is never that old. Return how many rows went.
    """
    from datetime import timedelta

    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    now = now or timezone.now()
    before = now - timedelta(days=settings.PORTAL_SIGNIN_LOG_DAYS)
    return sum(
        model.objects.filter(attempt_time__lt=before).delete()[0]
        for model in (AccessAttempt, AccessFailureLog, AccessLog)
    )


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's minimum length, with its messages in the portal's Chinese.

    Django 5.2 reworded the message and its Chinese translation lags behind:
    a user typing a short password would read English.
    """

    def get_error_message(self):
        return _("密码太短，至少需要 %(min_length)d 个字符。") % {
            "min_length": self.min_length
        }

    def get_help_text(self):
        return _("密码至少需要 %(min_length)d 个字符。") % {
            "min_length": self.min_length
        }
