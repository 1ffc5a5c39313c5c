"""REST API of the evaluations: runs, results, credit ratings, appeals,
commitments. Viewsets parse input, call a selector or a service, and render;
every queryset is the user's scoped one, so another scope's object is a 404."""

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from evaluations import selectors, services
from evaluations.models import (
    Appeal,
    AppealEvent,
    Commitment,
    CommitmentTheme,
    CreditLevel,
    CreditRating,
    Evaluation,
    EvaluationRun,
    FeedbackCategory,
    Grade,
    RunTrigger,
)
from evaluations.months import month_label, parse_month


@extend_schema_field(
    {"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2024-05"}
)
class MonthField(serializers.Field):
    """A month as ``YYYY-MM``."""

    def to_representation(self, value):
        return month_label(value)

    def to_internal_value(self, data):
        try:
            return parse_month(str(data))
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


def _street(request):
    street = selectors.street_for(request.user)
    if street is None:
        raise NotFound()
    return street


# -- runs ------------------------------------------------------------------------------


class EvaluationRunSerializer(serializers.ModelSerializer):
    month = MonthField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    policy_version = serializers.IntegerField(source="policy.version", read_only=True)
    percent = serializers.IntegerField(read_only=True)
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)
    waiting_for_queue = serializers.BooleanField(read_only=True)

    class Meta:
        model = EvaluationRun
        fields = [
            "id",
            "street",
            "month",
            "status",
            "status_label",
            "trigger",
            "policy_version",
            "units_total",
            "units_done",
            "committees_total",
            "committees_done",
            "percent",
            "attempts",
            "queued_at",
            "requeues",
            "waiting_for_queue",
            "created_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "error",
        ]
        read_only_fields = [f for f in fields if f != "month"]


class RunFilter(django_filters.FilterSet):
    month = django_filters.CharFilter(method="filter_month")
    status = django_filters.CharFilter()

    class Meta:
        model = EvaluationRun
        fields = ["month", "status"]

    def filter_month(self, queryset, name, value):
        try:
            return queryset.filter(month=parse_month(value))
        except ValidationError as exc:
            raise DRFValidationError({"month": exc.messages}) from exc


class EvaluationRunViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Monthly evaluation runs. POST ``{"month": "YYYY-MM"}`` starts one (admin)."""

    write_actions = {
        "create": "evaluations.run",
    }

    serializer_class = EvaluationRunSerializer
    filterset_class = RunFilter
    ordering_fields = ["created_at", "month"]

    def get_queryset(self):
        return selectors.run_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run = services.evaluation_run_start(
            user=request.user,
            street=_street(request),
            month=serializer.validated_data["month"],
            trigger=RunTrigger.API,
        )
        run.refresh_from_db()
        return Response(self.get_serializer(run).data, status=status.HTTP_201_CREATED)


# -- results ------------------------------------------------------------------------


class EvaluationSerializer(serializers.ModelSerializer):
    month = MonthField()
    unit_name = serializers.CharField(
        source="unit.name", read_only=True, default=None, allow_null=True
    )
    committee_name = serializers.CharField(
        source="committee.name", read_only=True, default=None, allow_null=True
    )
    community_name = serializers.CharField(
        source="community.name", read_only=True, default=None, allow_null=True
    )
    # Blank until the month is published (see CaseEventSerializer in grids).
    feedback_category = serializers.ChoiceField(
        choices=FeedbackCategory.choices, allow_blank=True, read_only=True
    )
    score = serializers.DecimalField(
        max_digits=5, decimal_places=2, coerce_to_string=False
    )
    grade_label = serializers.CharField(source="get_grade_display")
    policy_version = serializers.IntegerField(source="policy.version")
    published = serializers.BooleanField(source="is_published")

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "month",
            "kind",
            "unit",
            "unit_name",
            "committee",
            "committee_name",
            "community",
            "community_name",
            "score",
            "grade",
            "grade_label",
            "computed_grade",
            "overridden",
            "published",
            "policy_version",
            "metrics",
            "breakdown",
            "feedback_category",
        ]
        read_only_fields = fields


_GRADE_BY_LABEL = {str(label): value for value, label in Grade.choices}


class EvaluationFilter(django_filters.FilterSet):
    month = django_filters.CharFilter(method="filter_month")
    grade = django_filters.CharFilter(method="filter_grade")
    unit = django_filters.NumberFilter(field_name="unit_id")
    committee = django_filters.NumberFilter(field_name="committee_id")
    community = django_filters.NumberFilter(field_name="community_id")
    kind = django_filters.CharFilter()

    class Meta:
        model = Evaluation
        fields = ["month", "grade", "unit", "committee", "community", "kind"]

    def filter_month(self, queryset, name, value):
        try:
            return queryset.filter(month=parse_month(value))
        except ValidationError as exc:
            raise DRFValidationError({"month": exc.messages}) from exc

    def filter_grade(self, queryset, name, value):
        grade = value if value in Grade.values else _GRADE_BY_LABEL.get(value)
        if grade is None:
            raise DRFValidationError(
                {
                    "grade": [
                        _("excellent / good / fair / poor（或 优秀/良好/一般/较差）")
                    ]
                }
            )
        return queryset.filter(grade=grade)


class EvaluationViewSet(viewsets.ReadOnlyModelViewSet):
    """Monthly results of units and committees (filters: month=YYYY-MM, unit,
    committee, community, grade, kind)."""

    serializer_class = EvaluationSerializer
    filterset_class = EvaluationFilter
    ordering_fields = ["score", "month"]

    def get_queryset(self):
        return selectors.evaluation_list(user=self.request.user).order_by(
            "-month", "kind", "-score", "id"
        )


# -- credit ratings --------------------------------------------------------------------


class CreditRatingSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name")
    community_name = serializers.CharField(source="community.name")
    level_label = serializers.CharField(source="get_level_display")
    source_label = serializers.CharField(source="get_source_display")
    as_of_month = MonthField()
    decided_by = serializers.StringRelatedField()

    class Meta:
        model = CreditRating
        fields = [
            "id",
            "unit",
            "unit_name",
            "community",
            "community_name",
            "level",
            "level_label",
            "stars",
            "derived_level",
            "derived_stars",
            "source",
            "source_label",
            "as_of_month",
            "basis",
            "reason",
            "previous",
            "decided_by",
            "created_at",
        ]
        read_only_fields = fields


class CreditRatingFilter(django_filters.FilterSet):
    unit = django_filters.NumberFilter(field_name="unit_id")
    community = django_filters.NumberFilter(field_name="community_id")
    level = django_filters.ChoiceFilter(choices=CreditLevel.choices)
    stars = django_filters.NumberFilter()

    class Meta:
        model = CreditRating
        fields = ["unit", "community", "level", "stars"]


class CreditRatingViewSet(viewsets.ReadOnlyModelViewSet):
    """Out-of-system units' credit levels and stars: each unit's current rating,
    or with ``?history=1`` every entry of the history."""

    serializer_class = CreditRatingSerializer
    filterset_class = CreditRatingFilter
    ordering_fields = ["level", "stars", "created_at"]

    def get_queryset(self):
        history = self.request.query_params.get("history") in ("1", "true")
        current = not history and self.action == "list"
        return selectors.rating_list(user=self.request.user, current=current).order_by(
            "-id"
        )


# -- appeals --------------------------------------------------------------------------


class AppealEventSerializer(serializers.ModelSerializer):
    actor = serializers.StringRelatedField()
    action_label = serializers.CharField(source="get_action_display")

    class Meta:
        model = AppealEvent
        fields = ["action", "action_label", "note", "actor", "created_at"]


class AppealSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    rating_level = serializers.CharField(source="rating.level", read_only=True)
    rating_stars = serializers.IntegerField(source="rating.stars", read_only=True)
    attachment_url = serializers.SerializerMethodField()
    events = AppealEventSerializer(many=True, read_only=True)
    submitted_by = serializers.StringRelatedField()
    decided_by = serializers.StringRelatedField()

    class Meta:
        model = Appeal
        fields = [
            "id",
            "unit",
            "unit_name",
            "community",
            "rating",
            "rating_level",
            "rating_stars",
            "reason",
            "attachment_url",
            "status",
            "status_label",
            "submitted_by",
            "decided_by",
            "decided_at",
            "decision_reason",
            "result_rating",
            "created_at",
            "events",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "nullable": True})
    def get_attachment_url(self, appeal):
        if not appeal.attachment:
            return None
        return reverse("evaluations:appeal_attachment", args=[appeal.pk])


class AppealCreateSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    reason = serializers.CharField(max_length=5000)
    attachment = serializers.FileField(required=False, allow_null=True)


class AppealDecisionSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    reason = serializers.CharField(max_length=2000)
    level = serializers.ChoiceField(choices=CreditLevel.choices, required=False)
    stars = serializers.IntegerField(min_value=1, max_value=5, required=False)


class AppealViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Appeals against credit ratings: a unit head files one (multipart, with
    an optional PDF/JPG/PNG attachment), a street admin decides it."""

    write_actions = {
        "create": "evaluations.appeal",
        "decide": "evaluations.decide_appeal",
    }

    serializer_class = AppealSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_fields = ["status", "unit"]

    def get_queryset(self):
        return selectors.appeal_list(user=self.request.user).prefetch_related(
            Prefetch("events", queryset=AppealEvent.objects.select_related("actor"))
        )

    @extend_schema(request=AppealCreateSerializer, responses=AppealSerializer)
    def create(self, request, *args, **kwargs):
        data = AppealCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        unit = selectors.rated_unit_get(
            user=request.user, pk=data.validated_data["unit"]
        )
        appeal = services.appeal_submit(
            user=request.user,
            unit=unit,
            reason=data.validated_data["reason"],
            attachment=data.validated_data.get("attachment"),
        )
        appeal = self.get_queryset().get(pk=appeal.pk)
        return Response(self.get_serializer(appeal).data, status=201)

    @extend_schema(request=AppealDecisionSerializer, responses=AppealSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        appeal = self.get_object()
        data = AppealDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.appeal_decide(
            user=request.user,
            appeal=appeal,
            accept=data.validated_data["accept"],
            reason=data.validated_data["reason"],
            level=data.validated_data.get("level"),
            stars=data.validated_data.get("stars"),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)


# -- commitments ------------------------------------------------------------------------


class CommitmentSerializer(serializers.ModelSerializer):
    theme = serializers.ChoiceField(choices=CommitmentTheme.choices)
    theme_label = serializers.CharField(source="get_theme_display", read_only=True)
    answers_count = serializers.IntegerField(read_only=True)
    average_score = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = Commitment
        fields = [
            "id",
            "street",
            "year",
            "theme",
            "theme_label",
            "title",
            "content",
            "views_considered",
            "answers_count",
            "average_score",
            "created_at",
        ]
        read_only_fields = ["id", "street", "views_considered", "created_at"]


class CommitmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The street's two-way commitments by year and theme, with their average
    satisfaction (1–5) from the units' surveys. Street staff may add one."""

    write_actions = {
        "create": "evaluations.commitments",
    }

    serializer_class = CommitmentSerializer
    filterset_fields = ["year", "theme"]

    def get_queryset(self):
        return selectors.commitment_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        commitment = services.commitment_create(
            user=request.user, street=_street(request), **serializer.validated_data
        )
        commitment = self.get_queryset().get(pk=commitment.pk)
        return Response(self.get_serializer(commitment).data, status=201)


ROUTES = [
    ("evaluation-runs", EvaluationRunViewSet, "evaluation-run"),
    ("evaluations", EvaluationViewSet, "evaluation"),
    ("credit-ratings", CreditRatingViewSet, "credit-rating"),
    ("appeals", AppealViewSet, "appeal"),
    ("commitments", CommitmentViewSet, "commitment"),
]
