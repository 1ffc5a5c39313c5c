"""The API's token authentication: tokens that expire, and an audit actor.

A module of its own, like ``portal.permissions``: REST framework's settings
import it while its views are still loading, so it imports models lazily.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


class TokenRefused(AuthenticationFailed):
    """A token that is unknown, revoked or expired: 401 (``portal.api``).

    REST framework answers 403 when the first authentication class (the
    session) sends no ``WWW-Authenticate`` header; a client that sent a token
    must learn that the token, not the action, is refused.
    """

    default_detail = _("API 令牌无效或已被撤销，请重新获取。")
    default_code = "token_refused"


class PortalTokenAuthentication(TokenAuthentication):
    """REST framework's ``Token`` header, refused once the token is older than
    ``PORTAL_API_TOKEN_DAYS``; the token's user becomes the actor of the audit
    entries the request writes.

    The audit middleware takes the actor from ``request.user`` before the view
    runs, when a token caller is still anonymous: REST framework authenticates
    him only inside the view. Every viewset uses this class (the default
    authentication), so every API write is audited with its caller.
    """

    def authenticate(self, request):
        try:
            result = super().authenticate(request)
        except TokenRefused:
            raise
        except AuthenticationFailed as exc:
            raise TokenRefused(exc.detail) from None
        if result is None:
            return None
        from portal import audit

        audit.actor_set(request._request, result[0])
        return result

    def authenticate_credentials(self, key):
        from rest_framework.authtoken.models import Token

        from portal.services import api_token_expired

        token = Token.objects.select_related("user").filter(key=key).first()
        if token is None or not token.user.is_active:
            raise TokenRefused()
        if api_token_expired(token):
            raise TokenRefused(_("API 令牌已过期，请重新获取。"))
        return token.user, token
