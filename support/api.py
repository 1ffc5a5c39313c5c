"""REST endpoints of guarantee integration under /api/v1/.

Thin: input serializers check shape, selectors read within the caller's
scope (another scope's object is a 404), services write (a forbidden action
is a 403, a broken rule a 400 with its Chinese message).
"""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from grids.models import Cell
from orgs.models import OrgKind, OrgNode
from portal.audit import log_access
from portal.params import query_id, query_year
from portal.roles import require
from portal.scope import scope_for
from support import selectors, services
from support.models import (
    AMOUNT,
    FUND_MOVEMENT_CHOICES,
    AttendanceStatus,
    Budget,
    BudgetLine,
    FundEntryKind,
    SocialOrg,
    SocialOrgKind,
    SocialOrgStatus,
    SpecialFund,
    SpecialFundEntry,
    Spending,
    Training,
    Worker,
    WorkerType,
)


def _truthy(value):
    return str(value).lower() in ("1", "true", "yes", "on")


@extend_schema_field(OpenApiTypes.INT)
class ScopedCommunityField(serializers.PrimaryKeyRelatedField):
    """A community id, looked up among the caller's communities only."""

    def get_queryset(self):
        return selectors.communities_in_scope(scope_for(self.context["request"].user))


class SupportViewSet(viewsets.GenericViewSet):
    """Every support endpoint needs ``support.view``; objects come scoped."""

    view_action = "support.view"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        require(request.user, self.view_action)


# -- workers -----------------------------------------------------------------------
class WorkerSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="person.name")
    community_name = serializers.CharField(source="community.name")
    cells = serializers.SerializerMethodField()
    trainings_this_year = serializers.IntegerField(
        source="trainings_year", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Worker
        fields = [
            "id",
            "name",
            "worker_type",
            "community",
            "community_name",
            "employer",
            "hired_on",
            "left_on",
            "cells",
            "trainings_this_year",
            "note",
        ]

    def get_cells(self, worker) -> list[str]:
        return [c.code for c in worker.cells.all()]


class WorkerInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    worker_type = serializers.ChoiceField(choices=WorkerType.choices)
    community = ScopedCommunityField()
    employer = serializers.CharField(max_length=200)
    hired_on = serializers.DateField()
    cells = serializers.PrimaryKeyRelatedField(
        queryset=Cell.objects.all(), many=True, required=False
    )
    note = serializers.CharField(required=False, allow_blank=True)


class WorkerUpdateSerializer(serializers.Serializer):
    employer = serializers.CharField(max_length=200)
    hired_on = serializers.DateField()
    cells = serializers.PrimaryKeyRelatedField(
        queryset=Cell.objects.all(), many=True, required=False
    )
    note = serializers.CharField(required=False, allow_blank=True)


class WorkerViewSet(SupportViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Social workers and grid workers. ``?compliance=under`` lists shortfalls."""

    write_actions = {
        "create": "support.manage",
        "update": "support.manage",
    }

    serializer_class = WorkerSerializer
    ordering_fields = ["id", "hired_on", "trainings_year"]
    ordering = ["community_id", "id"]

    def get_queryset(self):
        params = self.request.query_params
        active = params.get("active", "true")
        return selectors.worker_list(
            user=self.request.user,
            worker_type=params.get("worker_type", ""),
            search=params.get("search", ""),
            active=None if active == "all" else _truthy(active),
            compliance=params.get("compliance", ""),
        ).filter(**self._community_filter())

    def _community_filter(self):
        community = query_id(self.request.query_params, "community")
        return {"community_id": community} if community else {}

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        log_access(request, "support.worker", len(response.data["results"]))
        return response

    @extend_schema(request=WorkerInputSerializer, responses=WorkerSerializer)
    def create(self, request):
        data = _valid(WorkerInputSerializer, request)
        worker = services.worker_create(
            user=request.user,
            name=data["name"],
            phone=data.get("phone", ""),
            worker_type=data["worker_type"],
            community=data["community"],
            employer=data["employer"],
            hired_on=data["hired_on"],
            cells=data.get("cells", []),
            note=data.get("note", ""),
        )
        return Response(
            WorkerSerializer(self.get_queryset().get(pk=worker.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=WorkerUpdateSerializer, responses=WorkerSerializer)
    def update(self, request, pk=None):
        worker = self.get_object()
        data = _valid(WorkerUpdateSerializer, request)
        services.worker_update(
            user=request.user,
            worker=worker,
            employer=data["employer"],
            hired_on=data["hired_on"],
            cells=data.get("cells", []),
            note=data.get("note", ""),
        )
        return Response(WorkerSerializer(self.get_queryset().get(pk=worker.pk)).data)


def _valid(serializer_class, request, **kwargs):
    serializer = serializer_class(
        data=request.data, context={"request": request}, **kwargs
    )
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# -- trainings ------------------------------------------------------------------------
class TrainingSerializer(serializers.ModelSerializer):
    community_name = serializers.CharField(
        source="community.name", default=None, read_only=True, allow_null=True
    )
    present_count = serializers.IntegerField(
        read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Training
        fields = [
            "id",
            "street",
            "community",
            "community_name",
            "topic",
            "held_on",
            "trainer",
            "location",
            "audience",
            "present_count",
        ]


class TrainingInputSerializer(serializers.Serializer):
    community = ScopedCommunityField(required=False, allow_null=True)
    street = serializers.PrimaryKeyRelatedField(
        queryset=OrgNode.objects.filter(kind=OrgKind.STREET),
        required=False,
        allow_null=True,
    )
    topic = serializers.CharField(max_length=200)
    held_on = serializers.DateField()
    trainer = serializers.CharField(max_length=100)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    audience = serializers.ChoiceField(
        choices=WorkerType.choices, required=False, allow_blank=True
    )


class AttendanceRowSerializer(serializers.Serializer):
    worker = serializers.IntegerField()
    status = serializers.ChoiceField(choices=AttendanceStatus.choices)


class AttendanceInputSerializer(serializers.Serializer):
    rows = AttendanceRowSerializer(many=True, allow_empty=False)


class AttendanceOutputSerializer(serializers.Serializer):
    worker = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="person.name")
    community = serializers.IntegerField(source="community_id")
    status = serializers.CharField(allow_null=True)


class TrainingViewSet(SupportViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Rotation trainings; ``POST …/attendance/`` records who attended."""

    write_actions = {
        "create": "support.manage",
        "attendance": "support.record_attendance",
    }

    serializer_class = TrainingSerializer
    ordering_fields = ["held_on", "id", "present_count"]
    ordering = ["-held_on", "-id"]

    def get_queryset(self):
        params = self.request.query_params
        return selectors.training_list(
            user=self.request.user,
            year=query_year(params),
            search=params.get("search", ""),
        )

    @extend_schema(request=TrainingInputSerializer, responses=TrainingSerializer)
    def create(self, request):
        data = _valid(TrainingInputSerializer, request)
        street = data.get("street")
        if street is None and not data.get("community"):
            streets = list(selectors.streets_in_scope(scope_for(request.user))[:2])
            street = streets[0] if len(streets) == 1 else None
        training = services.training_create(
            user=request.user,
            community=data.get("community"),
            street=street,
            topic=data["topic"],
            held_on=data["held_on"],
            trainer=data["trainer"],
            location=data.get("location", ""),
            audience=data.get("audience", ""),
        )
        return Response(
            TrainingSerializer(self.get_queryset().get(pk=training.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(methods=["GET"], responses=AttendanceOutputSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=AttendanceInputSerializer,
        responses=AttendanceOutputSerializer(many=True),
    )
    # One plain list of the eligible workers: not paginated, not filtered.
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        filter_backends=[],
    )
    def attendance(self, request, pk=None):
        """The eligible workers in the caller's scope and their attendance."""
        training = self.get_object()
        if request.method == "POST":
            data = _valid(AttendanceInputSerializer, request)
            services.training_record_attendance(
                user=request.user,
                training=training,
                statuses={row["worker"]: row["status"] for row in data["rows"]},
            )
        workers = list(
            selectors.training_eligible_workers(user=request.user, training=training)
        )
        current = selectors.training_attendance_map(training=training, workers=workers)
        for worker in workers:
            worker.status = current.get(worker.pk)
        return Response(AttendanceOutputSerializer(workers, many=True).data)


# -- social organisations ---------------------------------------------------------------
class SocialOrgSerializer(serializers.ModelSerializer):
    community_name = serializers.CharField(
        source="community.name", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = SocialOrg
        fields = [
            "id",
            "street",
            "community",
            "community_name",
            "name",
            "kind",
            "activity",
            "status",
            "incubated_on",
            "leader_name",
            "contact_phone",
            "members",
            "registered",
            "venue",
            "note",
        ]
        read_only_fields = fields


class SocialOrgInputSerializer(serializers.Serializer):
    community = ScopedCommunityField(required=False, allow_null=True)
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=SocialOrgKind.choices)
    activity = serializers.CharField(max_length=50, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=SocialOrgStatus.choices, required=False)
    incubated_on = serializers.DateField()
    leader_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    contact_phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True
    )
    members = serializers.IntegerField(min_value=0, required=False)
    registered = serializers.BooleanField(required=False)
    venue = serializers.CharField(max_length=200, required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True)


class SocialOrgStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=SocialOrgStatus.choices)
    reason = serializers.CharField(max_length=255)


class SocialOrgViewSet(
    SupportViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin
):
    """Social organisations incubated by the street."""

    write_actions = {
        "create": "support.manage",
        "set_status": "support.manage",
    }

    serializer_class = SocialOrgSerializer
    ordering_fields = ["id", "name", "incubated_on", "members"]
    ordering = ["community_id", "name", "id"]

    def get_queryset(self):
        params = self.request.query_params
        return selectors.social_org_list(
            user=self.request.user,
            kind=params.get("kind", ""),
            status=params.get("status", ""),
            search=params.get("search", ""),
        )

    @extend_schema(request=SocialOrgInputSerializer, responses=SocialOrgSerializer)
    def create(self, request):
        data = dict(_valid(SocialOrgInputSerializer, request))
        community = data.pop("community", None)
        street = None
        if community is None:
            streets = list(selectors.streets_in_scope(scope_for(request.user))[:2])
            street = streets[0] if len(streets) == 1 else None
        org = services.social_org_create(
            user=request.user, community=community, street=street, **data
        )
        return Response(SocialOrgSerializer(org).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SocialOrgStatusSerializer, responses=SocialOrgSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        org = self.get_object()
        data = _valid(SocialOrgStatusSerializer, request)
        org = services.social_org_set_status(user=request.user, org=org, **data)
        return Response(SocialOrgSerializer(org).data)


# -- community funds -----------------------------------------------------------------------
class BudgetSerializer(serializers.ModelSerializer):
    community_name = serializers.CharField(source="community.name", read_only=True)
    spent = serializers.DecimalField(
        read_only=True, default=None, allow_null=True, **AMOUNT
    )

    class Meta:
        model = Budget
        fields = [
            "id",
            "community",
            "community_name",
            "year",
            "line",
            "amount",
            "spent",
            "note",
        ]


class BudgetInputSerializer(serializers.Serializer):
    community = ScopedCommunityField()
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    line = serializers.ChoiceField(choices=BudgetLine.choices)
    amount = serializers.DecimalField(min_value=0, **AMOUNT)
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True)


class BudgetViewSet(SupportViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Budget lines per community and year; ``POST`` sets one (kept as revision)."""

    write_actions = {
        "create": "support.manage",
    }

    serializer_class = BudgetSerializer
    ordering_fields = ["id", "year", "amount"]
    ordering = ["-year", "community_id", "line"]

    def get_queryset(self):
        params = self.request.query_params
        return selectors.budget_list(
            user=self.request.user,
            year=query_year(params),
            line=params.get("line", ""),
        )

    @extend_schema(request=BudgetInputSerializer, responses=BudgetSerializer)
    def create(self, request):
        data = _valid(BudgetInputSerializer, request)
        budget = services.budget_set(
            user=request.user,
            community=data["community"],
            year=data["year"],
            line=data["line"],
            amount=data["amount"],
            reason=data.get("reason", ""),
        )
        return Response(
            BudgetSerializer(self.get_queryset().get(pk=budget.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class SpendingSerializer(serializers.ModelSerializer):
    community_name = serializers.CharField(source="community.name", read_only=True)
    year = serializers.IntegerField(source="budget.year", read_only=True)
    line = serializers.CharField(source="budget.line", read_only=True)
    attachment_url = serializers.SerializerMethodField()

    class Meta:
        model = Spending
        fields = [
            "id",
            "community",
            "community_name",
            "budget",
            "year",
            "line",
            "amount",
            "spent_on",
            "purpose",
            "payee",
            "attachment_name",
            "attachment_url",
            "voided_at",
            "void_reason",
        ]

    def get_attachment_url(self, spending) -> str | None:
        if not spending.attachment:
            return None
        return reverse("support:spending_attachment", args=[spending.pk])


@extend_schema_field(OpenApiTypes.INT)
class ScopedBudgetField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return selectors.budgets_visible(scope_for(self.context["request"].user))


class SpendingInputSerializer(serializers.Serializer):
    budget = ScopedBudgetField()
    amount = serializers.DecimalField(**AMOUNT)
    spent_on = serializers.DateField()
    purpose = serializers.CharField(max_length=255)
    payee = serializers.CharField(max_length=200, required=False, allow_blank=True)
    attachment = serializers.FileField(required=False, allow_null=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255)


class SpendingViewSet(SupportViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Spending records; ``POST`` multipart with an optional ``attachment``."""

    write_actions = {
        "create": "support.record_spending",
        "void": "support.record_spending",
    }

    serializer_class = SpendingSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    ordering_fields = ["id", "spent_on", "amount"]
    ordering = ["-spent_on", "-id"]

    def get_queryset(self):
        params = self.request.query_params
        return selectors.spending_list(
            user=self.request.user,
            year=query_year(params),
            line=params.get("line", ""),
        )

    @extend_schema(request=SpendingInputSerializer, responses=SpendingSerializer)
    def create(self, request):
        data = _valid(SpendingInputSerializer, request)
        spending = services.spending_create(
            user=request.user,
            budget=data["budget"],
            amount=data["amount"],
            spent_on=data["spent_on"],
            purpose=data["purpose"],
            payee=data.get("payee", ""),
            attachment=data.get("attachment"),
        )
        return Response(
            SpendingSerializer(spending).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=ReasonSerializer, responses=SpendingSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        spending = self.get_object()
        data = _valid(ReasonSerializer, request)
        spending = services.spending_void(
            user=request.user, spending=spending, reason=data["reason"]
        )
        return Response(SpendingSerializer(spending).data)


# -- the special fund ------------------------------------------------------------------------
class SpecialFundSerializer(serializers.ModelSerializer):
    balance = serializers.DecimalField(
        read_only=True, default=None, allow_null=True, **AMOUNT
    )

    class Meta:
        model = SpecialFund
        fields = ["id", "street", "name", "manager", "established_on", "balance"]


class FundEntrySerializer(serializers.ModelSerializer):
    balance = serializers.DecimalField(
        read_only=True, default=None, allow_null=True, **AMOUNT
    )

    class Meta:
        model = SpecialFundEntry
        fields = [
            "id",
            "fund",
            "kind",
            "amount",
            "occurred_on",
            "counterparty",
            "purpose",
            "community",
            "unit",
            "reverses",
            "balance",
        ]


class FundEntryInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FUND_MOVEMENT_CHOICES)
    amount = serializers.DecimalField(**AMOUNT)
    occurred_on = serializers.DateField()
    counterparty = serializers.CharField(
        max_length=200, required=False, allow_blank=True
    )
    purpose = serializers.CharField(max_length=255, required=False, allow_blank=True)
    unit = serializers.PrimaryKeyRelatedField(
        queryset=OrgNode.objects.filter(kind=OrgKind.UNIT),
        required=False,
        allow_null=True,
    )
    community = serializers.PrimaryKeyRelatedField(
        queryset=OrgNode.objects.filter(kind=OrgKind.COMMUNITY),
        required=False,
        allow_null=True,
    )


class SpecialFundViewSet(
    SupportViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin
):
    """The street's special funds; ``…/entries/`` is the ledger (append-only)."""

    write_actions = {
        "entries": "support.manage",
    }

    serializer_class = SpecialFundSerializer
    ordering = ["name"]

    def get_queryset(self):
        return selectors.special_fund_list(user=self.request.user)

    @extend_schema(methods=["GET"], responses=FundEntrySerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=FundEntryInputSerializer,
        responses=FundEntrySerializer,
    )
    @action(detail=True, methods=["get", "post"])
    def entries(self, request, pk=None):
        fund = self.get_object()
        if request.method == "POST":
            data = _valid(FundEntryInputSerializer, request)
            common = {
                "user": request.user,
                "fund": fund,
                "amount": data["amount"],
                "occurred_on": data["occurred_on"],
                "counterparty": data.get("counterparty", ""),
                "purpose": data.get("purpose", ""),
            }
            if data["kind"] == FundEntryKind.CONTRIBUTION:
                entry = services.special_fund_contribute(
                    unit=data.get("unit"), **common
                )
            else:
                entry = services.special_fund_grant(
                    community=data.get("community"), **common
                )
            return Response(
                FundEntrySerializer(entry).data, status=status.HTTP_201_CREATED
            )
        ledger = selectors.special_fund_ledger(fund=fund)
        page = self.paginate_queryset(ledger)
        return self.get_paginated_response(FundEntrySerializer(page, many=True).data)


ROUTES = [
    ("workers", WorkerViewSet, "support-worker"),
    ("trainings", TrainingViewSet, "support-training"),
    ("social-orgs", SocialOrgViewSet, "support-social-org"),
    ("budgets", BudgetViewSet, "support-budget"),
    ("spendings", SpendingViewSet, "support-spending"),
    ("special-funds", SpecialFundViewSet, "support-special-fund"),
]
