"""Middleware of the portal: language choice, refusing NUL characters in URLs,
the two-factor gate, the audit log's actor, no caching of personal data."""

from urllib.parse import urlencode

from auditlog.middleware import AuditlogMiddleware as BaseAuditlogMiddleware
from django.conf import settings
from django.http import JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from portal.audit import AUDIT_CONTEXT_ATTR, NO_STORE_ATTR
from portal.otp import confirmed_devices, is_verified, otp_needed
from portal.security import client_ip


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Activate the language chosen with the header switch, else Chinese.

    Django's own middleware follows the browser's Accept-Language, which would
    show English to staff whose browsers happen to be set that way; the portal
    is Chinese first and English only on request.
    """

    def process_request(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if not language or not translation.check_for_language(language):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class QueryStringGuardMiddleware:
    """Refuse a URL whose path or query string holds a NUL character: 400.

    PostgreSQL refuses NUL in text, so ``?q=%00`` reaching a search, a filter
    or the access log's copy of the query string would be a server error on
    whichever page reads it. No one types a NUL: refuse it once, for every
    page and the API, before any view reads the parameters (pages: the
    styled error page in Chinese; the API: JSON).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info or _holds_nul(request.GET):
            return self.refuse(request)
        return self.get_response(request)

    def refuse(self, request):
        message = _("链接中含有无效字符（空字符），请检查后重试。")
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400)
        from portal.views import error_400

        return error_400(request, message=message)


def _holds_nul(params):
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in params.lists()
    )


#: URL names an unverified user may still reach (sign-in, the code pages).
OPEN_URL_NAMES = ("login", "logout", "otp-verify", "otp-setup", "set_language")
#: Path prefixes that never need a session (assets, health, token endpoint).
OPEN_PREFIXES = ("/static/", "/healthz/", "/api/v1/auth/token/")


class OTPRequiredMiddleware:
    """Send a signed-in user who must pass TOTP to the code page first.

    Pages redirect to the code (or enrolment) page and come back to ``next``;
    the session API answers 403 with a Chinese message. Token clients are
    anonymous here: the token endpoint itself asks street admins for a code.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths = None

    def open_paths(self):
        if self._open_paths is None:
            self._open_paths = tuple(reverse(name) for name in OPEN_URL_NAMES)
        return self._open_paths

    def __call__(self, request):
        path = request.path_info
        if (
            not path.startswith(OPEN_PREFIXES)
            and path not in self.open_paths()
            and otp_needed(request)
            and not is_verified(request)
        ):
            return self.refuse(request)
        return self.get_response(request)

    def refuse(self, request):
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {"detail": _("请先完成两步验证（动态验证码）后再访问。")}, status=403
            )
        name = "otp-verify" if confirmed_devices(request.user).exists() else "otp-setup"
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse(name)}?{query}")


class AuditlogMiddleware(BaseAuditlogMiddleware):
    """django-auditlog's middleware (actor = signed-in user), with the client
    address taken as the sign-in lockout takes it: X-Forwarded-For is trusted
    only through the configured proxies (``PORTAL_TRUSTED_PROXIES``).

    The context is kept on the request, so that the API's token
    authentication, which runs later inside the view, can name its user as
    the actor (``portal.audit.actor_set``).
    """

    @staticmethod
    def _get_remote_addr(request):
        return client_ip(request)

    def get_extra_data(self, request):
        # django-auditlog keeps this very dict as the request's context and
        # reads the actor from it when an entry is saved.
        context = super().get_extra_data(request)
        setattr(request, AUDIT_CONTEXT_ATTR, context)
        return context


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every response that showed personal data.

    A view, API list or export showing people calls ``portal.audit.log_access``,
    which marks the request; nothing of it may stay in a browser's cache (a
    shared office computer) or a proxy's.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, NO_STORE_ATTR, False):
            add_never_cache_headers(response)
        return response
