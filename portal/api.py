"""The kernel's part of the REST API at /api/v1/: the token and error
handling. The router of every app's ``ROUTES`` is ``config.api``; the stats
JSON is ``dashboard.api``.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """Turn a service's ``ValidationError`` into a 400 with its messages, and
    a refused token into a 401 (``portal.authentication.TokenRefused``)."""
    from portal.authentication import TokenRefused

    if isinstance(exc, TokenRefused):
        # REST framework made it a 403: the session, the first authentication
        # class, names no scheme. The token's own scheme is the answer.
        exc.status_code = status.HTTP_401_UNAUTHORIZED
        exc.auth_header = "Token"
    elif isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            exc = DRFValidationError(exc.message_dict)
        else:
            exc = DRFValidationError({"detail": exc.messages})
    elif isinstance(exc, PermissionDenied):
        from rest_framework.exceptions import PermissionDenied as DRFPermissionDenied

        exc = DRFPermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        from rest_framework.exceptions import NotFound

        exc = NotFound()
    return drf_exception_handler(exc, context)


class TokenThrottle(AnonRateThrottle):
    rate = "30/min"


class PortalAuthTokenSerializer(AuthTokenSerializer):
    """Username and password, plus a TOTP code for users who need one.

    Street admins (and users who enrolled a device) get a token only with a
    valid code from their authenticator: a token never bypasses two-factor
    sign-in. Locked-out users (django-axes) are refused like a wrong password.
    """

    otp_token = serializers.CharField(
        label=_("动态验证码"),
        required=False,
        allow_blank=True,
        write_only=True,
        help_text=_("街道管理员及已开启两步验证的用户必填：验证器上的 6 位数字"),
    )

    def validate(self, attrs):
        from django_otp import user_has_device

        from portal.otp import role_requires_otp, verify_code

        attrs = super().validate(attrs)
        user = attrs["user"]
        if role_requires_otp(user) or user_has_device(user, confirmed=True):
            code = attrs.get("otp_token") or ""
            if not code:
                raise DRFValidationError(
                    {
                        "otp_token": [
                            _("此账号需要两步验证，请填写验证器上的动态验证码。")
                        ]
                    }
                )
            if verify_code(user, code) is None:
                raise DRFValidationError(
                    {"otp_token": [_("动态验证码不正确或已过期。")]}
                )
        return attrs


class TokenView(APIView):
    """Exchange a username and password (and TOTP code) for an API token.

    The token expires after ``PORTAL_API_TOKEN_DAYS`` days (then 401); signing
    out of the portal, a new password or a reset link revokes it at once.
    """

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [TokenThrottle]
    serializer_class = PortalAuthTokenSerializer

    @extend_schema(
        request=PortalAuthTokenSerializer,
        responses=inline_serializer(
            "TokenResponse", {"token": serializers.CharField()}
        ),
    )
    def post(self, request):
        serializer = PortalAuthTokenSerializer(
            data=request.data, context={"request": request}
        )
        if not serializer.is_valid():
            if getattr(request, "axes_locked_out", False):
                # django-axes flagged this DRF request (its middleware sees only
                # Django's request): answer like the sign-in page, 429.
                from portal.security import lockout_message

                return Response(
                    {"detail": lockout_message()},
                    status=status.HTTP_429_TOO_MANY_REQUESTS,
                )
            raise DRFValidationError(serializer.errors)
        from portal.services import api_token_issue

        token = api_token_issue(user=serializer.validated_data["user"])
        return Response({"token": token.key}, status=status.HTTP_200_OK)
