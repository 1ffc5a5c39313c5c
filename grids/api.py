"""REST API of the grid: cells, cases and visits, all scoped by the caller.

Thin: parse input → selector or service → output serializer.
"""

import django_filters
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from grids import selectors, services
from grids.models import (
    Case,
    CaseCategory,
    CaseEvent,
    CaseLevel,
    CaseStatus,
    Cell,
    CellLevel,
    Visit,
)
from grids.photos import MAX_PHOTOS
from orgs.models import OrgKind, OrgNode
from portal.params import query_int
from portal.scope import scope_for

# -- cells --------------------------------------------------------------------------


class CellSerializer(serializers.ModelSerializer):
    leader_name = serializers.CharField(
        source="leader.name", default="", read_only=True
    )

    class Meta:
        model = Cell
        fields = [
            "id",
            "level",
            "code",
            "name",
            "parent",
            "leader",
            "leader_name",
            "street",
            "community",
            "compound",
            "centre",
        ]
        read_only_fields = fields


class CellDetailSerializer(CellSerializer):
    units = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta(CellSerializer.Meta):
        fields = [*CellSerializer.Meta.fields, "units", "boundary"]
        read_only_fields = fields


class CellFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=CellLevel.choices)
    parent = django_filters.NumberFilter(field_name="parent_id")
    community = django_filters.NumberFilter(field_name="community_id")

    class Meta:
        model = Cell
        fields = ["level", "parent", "community"]


class CellViewSet(viewsets.ReadOnlyModelViewSet):
    """Grid cells the caller sees (a grid worker: his cells and below)."""

    filterset_class = CellFilter
    ordering_fields = ["code", "level", "name"]
    ordering = ["tree_id", "lft"]

    def get_queryset(self):
        qs = selectors.cell_list(user=self.request.user).order_by("tree_id", "lft")
        if self.action == "retrieve":
            qs = qs.prefetch_related("units")
        return qs

    def get_serializer_class(self):
        return CellDetailSerializer if self.action == "retrieve" else CellSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("level", int, description="1, 2, 3 or 4 (default 2)")
        ],
        responses={200: dict},
    )
    @action(detail=False, methods=["get"])
    def geojson(self, request):
        """The visible cells of one level as a GeoJSON FeatureCollection."""
        level = query_int(request.query_params, "level", CellLevel.AREA)
        return Response(selectors.map_geojson(user=request.user, level=level))


# -- cases --------------------------------------------------------------------------


class CaseEventSerializer(serializers.ModelSerializer):
    # Declared: a read-only model field loses ``allow_blank``, and the schema
    # would then forbid the "" of steps that change no level.
    from_level = serializers.ChoiceField(
        choices=CaseLevel.choices, allow_blank=True, read_only=True
    )
    to_level = serializers.ChoiceField(
        choices=CaseLevel.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "kind",
            "from_level",
            "to_level",
            "by",
            "actor_name",
            "text",
            "at",
        ]
        read_only_fields = fields


class CaseSerializer(serializers.ModelSerializer):
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "cell",
            "street",
            "community",
            "unit",
            "category",
            "title",
            "description",
            "location",
            "level",
            "status",
            "deadline",
            "overdue",
            "reporter_kind",
            "reporter",
            "escalated_at",
            "result",
            "closed_at",
            "confirmed_at",
            "reopen_count",
            "created_at",
        ]
        read_only_fields = fields


class CaseDetailSerializer(CaseSerializer):
    events = CaseEventSerializer(many=True, read_only=True)
    photos = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "events", "photos"]
        read_only_fields = fields

    def get_photos(self, case) -> list[str]:
        return [reverse("grids:photo", args=[p.pk]) for p in case.photos.all()]


class CaseReportSerializer(serializers.Serializer):
    cell = serializers.PrimaryKeyRelatedField(queryset=Cell.objects.none())
    unit = serializers.PrimaryKeyRelatedField(
        queryset=OrgNode.objects.filter(kind=OrgKind.UNIT),
        required=False,
        allow_null=True,
    )
    category = serializers.ChoiceField(choices=CaseCategory.choices)
    title = serializers.CharField(max_length=120)
    description = serializers.CharField()
    location = serializers.CharField(max_length=200, required=False, default="")
    deadline = serializers.DateField(required=False, allow_null=True)
    reporter_name = serializers.CharField(max_length=50, required=False, default="")
    reporter_phone = serializers.CharField(max_length=20, required=False, default="")
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, default=list
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["cell"].queryset = selectors.reportable_cells(user=request.user)


class CaseTextSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, default="")


class CaseFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=CaseLevel.choices)
    status = django_filters.ChoiceFilter(choices=CaseStatus.choices)
    category = django_filters.ChoiceFilter(choices=CaseCategory.choices)
    community = django_filters.NumberFilter(field_name="community_id")
    cell = django_filters.NumberFilter(field_name="cell_id")
    overdue = django_filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = Case
        fields = ["level", "status", "category", "community", "cell", "overdue"]

    def filter_overdue(self, queryset, name, value):
        today = timezone.localdate()
        overdue = {"status": CaseStatus.OPEN, "deadline__lt": today}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)


class CaseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Grid cases (事件): report, then escalate / close / confirm / reopen.

    Actions take ``{"text": "…"}``: the reason (escalate, reopen), the result
    (close) or a remark (confirm, note).
    """

    write_actions = {
        "create": "grids.report_case",
        "escalate": "grids.handle_case",
        "close": "grids.handle_case",
        "note": "grids.handle_case",
    }

    filterset_class = CaseFilter
    ordering_fields = ["deadline", "created_at", "level", "status"]
    ordering = ["-created_at", "-id"]
    #: Photos in one request (``portal.uploads``).
    upload_files = MAX_PHOTOS
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.case_list(user=self.request.user).prefetch_related(
                "events", "photos"
            )
        return selectors.case_list(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "create":
            return CaseReportSerializer
        if self.action in ("escalate", "close", "confirm", "reopen", "note"):
            return CaseTextSerializer
        if self.action == "retrieve":
            return CaseDetailSerializer
        return CaseSerializer

    @extend_schema(request=CaseReportSerializer, responses={201: CaseDetailSerializer})
    def create(self, request, *args, **kwargs):
        serializer = CaseReportSerializer(
            data=request.data, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if hasattr(request.data, "getlist"):
            data["photos"] = request.FILES.getlist("photos")
        case = services.case_report(user=request.user, **data)
        case = selectors.case_get(user=request.user, pk=case.pk)
        return Response(CaseDetailSerializer(case).data, status=status.HTTP_201_CREATED)

    def _act(self, request, run):
        case = self.get_object()
        serializer = CaseTextSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run(case, serializer.validated_data["text"])
        case = selectors.case_get(user=request.user, pk=case.pk)
        return Response(CaseDetailSerializer(case).data)

    @extend_schema(request=CaseTextSerializer, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        """Escalate one level up (cell → community → street); ``text`` = why."""
        return self._act(
            request,
            lambda case, text: services.case_escalate(
                user=request.user, case=case, reason=text
            ),
        )

    @extend_schema(request=CaseTextSerializer, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close with the result (``text``), fed back to the reporter."""
        return self._act(
            request,
            lambda case, text: services.case_close(
                user=request.user, case=case, result=text
            ),
        )

    @extend_schema(request=CaseTextSerializer, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """The reporter confirms the problem is solved."""
        return self._act(
            request,
            lambda case, text: services.case_confirm(
                user=request.user, case=case, text=text
            ),
        )

    @extend_schema(request=CaseTextSerializer, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """The reporter says it is not solved (``text`` = why)."""
        return self._act(
            request,
            lambda case, text: services.case_reopen(
                user=request.user, case=case, reason=text
            ),
        )

    @extend_schema(request=CaseTextSerializer, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def note(self, request, pk=None):
        """Add a progress note."""
        return self._act(
            request,
            lambda case, text: services.case_note(
                user=request.user, case=case, text=text
            ),
        )


# -- visits -------------------------------------------------------------------------


class VisitSerializer(serializers.ModelSerializer):
    visitor_name = serializers.CharField(
        source="visitor.name", default="", read_only=True
    )
    photo_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "cell",
            "street",
            "community",
            "visitor",
            "visitor_name",
            "recorded_by",
            "visited_on",
            "findings",
            "photo_count",
            "created_at",
        ]
        read_only_fields = fields


class VisitCreateSerializer(serializers.Serializer):
    cell = serializers.PrimaryKeyRelatedField(queryset=Cell.objects.none())
    visited_on = serializers.DateField()
    findings = serializers.CharField()
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, default=list
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["cell"].queryset = Cell.objects.filter(
                selectors.cell_visible_q(scope_for(request.user))
            )


class VisitViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Routine visits (巡访) the caller sees; a grid worker logs his own."""

    write_actions = {
        "create": "grids.visit",
    }

    filterset_fields = ["cell", "community", "visited_on"]
    ordering_fields = ["visited_on", "created_at"]
    ordering = ["-visited_on", "-id"]
    #: Photos in one request (``portal.uploads``).
    upload_files = MAX_PHOTOS
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return selectors.visit_list(user=self.request.user)

    def get_serializer_class(self):
        return VisitCreateSerializer if self.action == "create" else VisitSerializer

    @extend_schema(request=VisitCreateSerializer, responses={201: VisitSerializer})
    def create(self, request, *args, **kwargs):
        serializer = VisitCreateSerializer(
            data=request.data, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if hasattr(request.data, "getlist"):
            data["photos"] = request.FILES.getlist("photos")
        visit = services.visit_log(user=request.user, **data)
        visit = selectors.visit_list(user=request.user).get(pk=visit.pk)
        return Response(VisitSerializer(visit).data, status=status.HTTP_201_CREATED)


ROUTES = [
    ("grids", CellViewSet, "grid"),
    ("grid-cases", CaseViewSet, "grid-case"),
    ("visits", VisitViewSet, "visit"),
]
