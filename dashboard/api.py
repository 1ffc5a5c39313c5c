"""The key figures as JSON: ``GET /api/v1/stats/``."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from dashboard.stats import stats_for


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
