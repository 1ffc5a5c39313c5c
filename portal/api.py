"""The REST API at /api/v1/: router, token, stats, pagination, error handling.

Each app's ``api.py`` exposes ``ROUTES = [(prefix, viewset, basename), ...]``;
the router below registers them, so adding an endpoint touches only its app.
"""

from importlib import import_module

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from portal.stats import stats_for

API_APPS = ["orgs", "grids", "meetings", "volunteers", "evaluations", "support"]


def exception_handler(exc, context):
    """Turn a service's ``ValidationError`` into a 400 with its messages."""
    if isinstance(exc, DjangoValidationError):
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


class TokenView(APIView):
    """Exchange a username and password for an API token."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [TokenThrottle]
    serializer_class = AuthTokenSerializer

    @extend_schema(
        request=AuthTokenSerializer,
        responses=inline_serializer(
            "TokenResponse", {"token": serializers.CharField()}
        ),
    )
    def post(self, request):
        serializer = AuthTokenSerializer(
            data=request.data, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        token, _created = Token.objects.get_or_create(
            user=serializer.validated_data["user"]
        )
        return Response({"token": token.key}, status=status.HTTP_200_OK)


class StatsView(APIView):
    """The key figures of the caller's scope, as one flat JSON object."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=inline_serializer(
            "Stats", {"communities": serializers.IntegerField()}
        )
    )
    def get(self, request):
        return Response(stats_for(request.user))


def build_router():
    router = DefaultRouter()
    for app in API_APPS:
        try:
            module = import_module(f"{app}.api")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.api":
                raise
            continue
        for prefix, viewset, basename in getattr(module, "ROUTES", []):
            router.register(prefix, viewset, basename=basename)
    return router
