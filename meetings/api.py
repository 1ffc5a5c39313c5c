"""The meetings API: /api/v1/meetings/, /api/v1/action-items/, /api/v1/problems/.

Scoped exactly like the pages (the same selectors); another scope's object is
a 404. Writes (progress on an action item, escalating a problem) call the same
services as the pages.
"""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from meetings import selectors, services
from meetings.models import (
    ActionItem,
    ActionItemStatus,
    Meeting,
    MeetingStatus,
    Problem,
    ProblemSource,
    ProblemStatus,
)
from meetings.rotation import parse_month
from portal.permissions import RoleActionPermission
from portal.roles import can

# -- serializers ---------------------------------------------------------------------


class MeetingChairSerializer(serializers.Serializer):
    seat = serializers.IntegerField(source="pk")
    person = serializers.IntegerField(source="person_id")
    name = serializers.CharField(source="person.name")
    represents = serializers.CharField(source="represents.name", default="")


class MeetingSerializer(serializers.ModelSerializer):
    committee_name = serializers.CharField(source="committee.name")
    committee_kind = serializers.CharField(source="committee.kind")
    month = serializers.SerializerMethodField()
    chair = MeetingChairSerializer(allow_null=True)
    has_minutes = serializers.BooleanField()
    problem_count = serializers.IntegerField()
    item_count = serializers.IntegerField()

    class Meta:
        model = Meeting
        fields = [
            "id",
            "committee",
            "committee_name",
            "committee_kind",
            "street",
            "community",
            "month",
            "chair",
            "held_at",
            "place_kind",
            "place",
            "address",
            "status",
            "has_minutes",
            "minutes_filed_at",
            "problem_count",
            "item_count",
        ]
        read_only_fields = fields

    def get_month(self, obj) -> str:
        return obj.month.strftime("%Y-%m")


class ActionItemSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name")
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "title",
            "problem",
            "meeting",
            "committee",
            "street",
            "community",
            "unit",
            "unit_name",
            "due_on",
            "weight",
            "status",
            "progress",
            "evidence",
            "done_at",
            "overdue",
            "created_at",
        ]
        read_only_fields = fields

    def get_overdue(self, obj) -> bool:
        return obj.status != ActionItemStatus.DONE and obj.due_on < timezone.localdate()


class ProblemSerializer(serializers.ModelSerializer):
    committee_name = serializers.CharField(source="committee.name")
    item_count = serializers.IntegerField()

    class Meta:
        model = Problem
        fields = [
            "id",
            "title",
            "description",
            "committee",
            "committee_name",
            "meeting",
            "street",
            "community",
            "source",
            "status",
            "progress",
            "reporter_name",
            "reporter_unit",
            "raised_during_meeting",
            "escalated_from",
            "grid_case_id",
            "result",
            "result_at",
            "item_count",
            "created_at",
        ]
        read_only_fields = fields


class ActionItemProgressSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[ActionItemStatus.IN_PROGRESS, ActionItemStatus.DONE]
    )
    progress = serializers.IntegerField(required=False, min_value=0, max_value=99)
    evidence = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ProblemEscalateSerializer(serializers.Serializer):
    reason = serializers.CharField()


# -- filters -----------------------------------------------------------------------------


def _month(queryset, name, value):
    try:
        month = parse_month(value)
    except ValueError as exc:
        raise ValidationError({"month": [_("月份格式应为 YYYY-MM。")]}) from exc
    return queryset.filter(month=month)


class MeetingFilter(django_filters.FilterSet):
    committee = django_filters.NumberFilter(field_name="committee_id")
    community = django_filters.NumberFilter(field_name="community_id")
    month = django_filters.CharFilter(method="filter_month")
    status = django_filters.ChoiceFilter(choices=MeetingStatus.choices)

    class Meta:
        model = Meeting
        fields = ["committee", "community", "month", "status"]

    def filter_month(self, queryset, name, value):
        return _month(queryset, name, value)


class ActionItemFilter(django_filters.FilterSet):
    unit = django_filters.NumberFilter(field_name="unit_id")
    community = django_filters.NumberFilter(field_name="community_id")
    committee = django_filters.NumberFilter(field_name="committee_id")
    problem = django_filters.NumberFilter(field_name="problem_id")
    status = django_filters.ChoiceFilter(choices=ActionItemStatus.choices)
    overdue = django_filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = ActionItem
        fields = ["unit", "community", "committee", "problem", "status", "overdue"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.filter(selectors.overdue_q())
        return queryset.exclude(selectors.overdue_q())


class ProblemFilter(django_filters.FilterSet):
    committee = django_filters.NumberFilter(field_name="committee_id")
    meeting = django_filters.NumberFilter(field_name="meeting_id")
    community = django_filters.NumberFilter(field_name="community_id")
    status = django_filters.ChoiceFilter(choices=ProblemStatus.choices)
    source = django_filters.ChoiceFilter(choices=ProblemSource.choices)
    escalated = django_filters.BooleanFilter(method="filter_escalated")

    class Meta:
        model = Problem
        fields = ["committee", "meeting", "community", "status", "source", "escalated"]

    def filter_escalated(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(escalated_from__isnull=not value)


# -- viewsets ---------------------------------------------------------------------------


class CanViewMeetings(permissions.BasePermission):
    """Roles without ``meetings.view`` (volunteers, grid workers) get a 403."""

    def has_permission(self, request, view):
        return bool(request.user and can(request.user, "meetings.view"))


class MeetingViewSet(viewsets.ReadOnlyModelViewSet):
    """Joint meetings in the caller's scope; filter ``committee``, ``month`` (YYYY-MM)."""

    permission_classes = [
        permissions.IsAuthenticated,
        CanViewMeetings,
        RoleActionPermission,
    ]
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter
    ordering_fields = ["month", "held_at", "id"]
    ordering = ["-month", "held_at", "id"]

    def get_queryset(self):
        return selectors.meeting_list(user=self.request.user)


class ActionItemViewSet(viewsets.ReadOnlyModelViewSet):
    """Action items in scope; filter ``unit``, ``status``, ``overdue`` (true/false)."""

    permission_classes = [
        permissions.IsAuthenticated,
        CanViewMeetings,
        RoleActionPermission,
    ]
    serializer_class = ActionItemSerializer
    filterset_class = ActionItemFilter
    ordering_fields = ["due_on", "progress", "id"]
    ordering = ["due_on", "id"]

    def get_queryset(self):
        return selectors.action_item_list(user=self.request.user)

    @extend_schema(request=ActionItemProgressSerializer, responses=ActionItemSerializer)
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        """Report progress (in_progress with ``progress``) or completion (done with ``evidence``)."""
        item = self.get_object()
        data = ActionItemProgressSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.action_item_update(
            user=request.user, item=item, **data.validated_data
        )
        item = self.get_queryset().get(pk=item.pk)
        return Response(ActionItemSerializer(item).data)


class ProblemViewSet(viewsets.ReadOnlyModelViewSet):
    """Agenda problems in scope; filter ``committee``, ``meeting``, ``status``, ``source``."""

    write_actions = {
        "escalate": "meetings.escalate",
    }

    permission_classes = [
        permissions.IsAuthenticated,
        CanViewMeetings,
        RoleActionPermission,
    ]
    serializer_class = ProblemSerializer
    filterset_class = ProblemFilter
    ordering_fields = ["created_at", "progress", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.problem_list(user=self.request.user)

    @extend_schema(
        request=ProblemEscalateSerializer,
        responses=inline_serializer(
            "Escalated", {"escalated_to": serializers.IntegerField()}
        ),
    )
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        """Escalate a 大党委 problem to the 大工委 with a reason (S9)."""
        problem = self.get_object()
        data = ProblemEscalateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upper = services.problem_escalate(
            user=request.user, problem=problem, reason=data.validated_data["reason"]
        )
        return Response({"escalated_to": upper.pk}, status=201)


ROUTES = [
    ("meetings", MeetingViewSet, "meeting"),
    ("action-items", ActionItemViewSet, "action-item"),
    ("problems", ProblemViewSet, "problem"),
]
