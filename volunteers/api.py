"""REST API of the volunteers app: parse input → selector/service → output.

Every list comes from the same scoped selector as the pages (another scope's
object is a 404, lists show none of it); every write calls a service (a
forbidden action is a 403, a broken rule a 400 with the Chinese message).
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from orgs.models import OrgKind, OrgNode
from portal.audit import log_access
from portal.params import query_id
from volunteers import selectors, services
from volunteers.models import (
    Activity,
    ActivityCategory,
    ActivityType,
    Attendance,
    CheckIn,
    MicroWish,
    PointsEntry,
    PostKind,
    Redemption,
    ServiceMode,
    ServicePost,
    Team,
    Volunteer,
    VolunteerKind,
    WishCategory,
)

# -- serializers ----------------------------------------------------------------------


class VolunteerSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="person.name", read_only=True)
    phone = serializers.SerializerMethodField()
    community_name = serializers.CharField(source="community.name", read_only=True)
    employer_unit_name = serializers.CharField(
        source="employer_unit.name", read_only=True, default=None, allow_null=True
    )
    balance = serializers.SerializerMethodField()

    class Meta:
        model = Volunteer
        fields = [
            "id",
            "name",
            "phone",
            "kind",
            "is_party_member",
            "community",
            "community_name",
            "employer_unit",
            "employer_unit_name",
            "skills",
            "status",
            "registered_on",
            "balance",
        ]
        read_only_fields = fields

    def get_phone(self, obj) -> str:
        return selectors.mask_phone(obj.person.phone)

    def get_balance(self, obj) -> int:
        account = getattr(obj, "account", None)
        return account.balance if account is not None else 0


class _OrgField(serializers.PrimaryKeyRelatedField):
    def __init__(self, kind, **kwargs):
        self.kind = kind
        super().__init__(queryset=OrgNode.objects.filter(kind=kind), **kwargs)


class VolunteerRegisterSerializer(serializers.Serializer):
    community = _OrgField(OrgKind.COMMUNITY)
    name = serializers.CharField(max_length=50)
    phone = serializers.CharField(max_length=20)
    kind = serializers.ChoiceField(VolunteerKind.choices, default="resident")
    employer_unit = _OrgField(OrgKind.UNIT, required=False, allow_null=True)
    skills = serializers.CharField(max_length=200, required=False, default="")


class VolunteerTeamSerializer(serializers.ModelSerializer):
    member_count = serializers.IntegerField(read_only=True)
    leader_name = serializers.CharField(
        source="leader.person.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Team
        fields = [
            "id",
            "name",
            "street",
            "community",
            "unit",
            "leader",
            "leader_name",
            "service_area",
            "description",
            "member_count",
        ]
        read_only_fields = fields


class VolunteerActivitySerializer(serializers.ModelSerializer):
    places_left = serializers.IntegerField(read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "title",
            "category",
            "activity_type",
            "service_mode",
            "description",
            "place",
            "starts_at",
            "ends_at",
            "capacity",
            "signed_up_count",
            "places_left",
            "points_per_hour",
            "status",
            "street",
            "community",
            "unit",
            "team",
            "published_at",
        ]
        read_only_fields = fields


class ActivityPublishSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    category = serializers.ChoiceField(ActivityCategory.choices, default="activity")
    activity_type = serializers.ChoiceField(ActivityType.choices)
    service_mode = serializers.ChoiceField(ServiceMode.choices, default="voluntary")
    place = serializers.CharField(max_length=200)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    capacity = serializers.IntegerField(min_value=1, max_value=10000)
    points_per_hour = serializers.IntegerField(
        min_value=0, max_value=1000, required=False, allow_null=True
    )
    description = serializers.CharField(required=False, default="", allow_blank=True)
    street = _OrgField(OrgKind.STREET, required=False, allow_null=True)
    community = _OrgField(OrgKind.COMMUNITY, required=False, allow_null=True)
    unit = _OrgField(OrgKind.UNIT, required=False, allow_null=True)


class CheckInTokenSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=500)


class VolunteerCheckInSerializer(serializers.ModelSerializer):
    activity_title = serializers.CharField(source="activity.title", read_only=True)
    volunteer_name = serializers.CharField(
        source="volunteer.person.name", read_only=True
    )

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "activity",
            "activity_title",
            "volunteer",
            "volunteer_name",
            "community",
            "unit",
            "employer_unit",
            "in_service",
            "checked_in_at",
            "checked_out_at",
            "minutes",
            "attendance",
            "confirmed_at",
            "points_awarded",
            "party_points",
            "party_confirmed_at",
        ]
        read_only_fields = fields


class CheckInAttendanceSerializer(serializers.Serializer):
    attendance = serializers.ChoiceField(
        [Attendance.PRESENT, Attendance.LATE, Attendance.ABSENT]
    )


class CheckInPartyPointsSerializer(serializers.Serializer):
    points = serializers.IntegerField(
        min_value=0, max_value=100, default=services.DEFAULT_PARTY_POINTS
    )


class PointsEntrySerializer(serializers.ModelSerializer):
    volunteer_name = serializers.CharField(
        source="volunteer.person.name", read_only=True
    )

    class Meta:
        model = PointsEntry
        fields = [
            "id",
            "volunteer",
            "volunteer_name",
            "kind",
            "points",
            "reason",
            "community",
            "checkin",
            "redemption",
            "reverses",
            "created_at",
        ]
        read_only_fields = fields


class PointsBalanceSerializer(serializers.Serializer):
    volunteer = serializers.IntegerField()
    balance = serializers.IntegerField()
    earned = serializers.IntegerField()


class PointsCorrectionSerializer(serializers.Serializer):
    volunteer = serializers.IntegerField()
    points = serializers.IntegerField(min_value=-100000, max_value=100000)
    reason = serializers.CharField(max_length=255)


class PointsReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255)


class ClaimableSerializer(serializers.ModelSerializer):
    """A wish or post with the resident's data as the reader may see it."""

    resident_name = serializers.SerializerMethodField()
    resident_address = serializers.SerializerMethodField()
    resident_phone = serializers.SerializerMethodField()
    resident_masked = serializers.SerializerMethodField()
    claimant = serializers.CharField(source="claimant_label", read_only=True)

    common = [
        "id",
        "title",
        "description",
        "community",
        "status",
        "resident_name",
        "resident_address",
        "resident_phone",
        "resident_masked",
        "claimed_by_unit",
        "claimant",
        "published_at",
        "claimed_at",
        "fulfilled_at",
        "confirmed_at",
        "cancelled_at",
        "fulfil_note",
    ]

    def _resident(self, obj):
        cache = self.context.setdefault("_residents", {})
        if obj.pk not in cache:
            cache[obj.pk] = selectors.resident_view(obj, self.context["request"].user)
        return cache[obj.pk]

    def get_resident_name(self, obj) -> str:
        return self._resident(obj)["name"]

    def get_resident_address(self, obj) -> str:
        return self._resident(obj)["address"]

    def get_resident_phone(self, obj) -> str:
        return self._resident(obj)["phone"]

    def get_resident_masked(self, obj) -> bool:
        return self._resident(obj)["masked"]


class MicroWishSerializer(ClaimableSerializer):
    class Meta:
        model = MicroWish
        fields = [*ClaimableSerializer.common, "category"]
        read_only_fields = fields


class ServicePostSerializer(ClaimableSerializer):
    class Meta:
        model = ServicePost
        fields = [*ClaimableSerializer.common, "kind"]
        read_only_fields = fields


class ClaimableCreateSerializer(serializers.Serializer):
    community = _OrgField(OrgKind.COMMUNITY)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, default="", allow_blank=True)
    resident_name = serializers.CharField(
        max_length=50, required=False, default="", allow_blank=True
    )
    resident_address = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True
    )
    resident_phone = serializers.CharField(
        max_length=20, required=False, default="", allow_blank=True
    )


class MicroWishCreateSerializer(ClaimableCreateSerializer):
    category = serializers.ChoiceField(WishCategory.choices, default="other")


class ServicePostCreateSerializer(ClaimableCreateSerializer):
    kind = serializers.ChoiceField(PostKind.choices, default="other")


class ClaimableClaimSerializer(serializers.Serializer):
    as_unit = _OrgField(OrgKind.UNIT, required=False, allow_null=True)


class ClaimableFulfilSerializer(serializers.Serializer):
    photo = serializers.FileField()
    note = serializers.CharField(
        max_length=500, required=False, default="", allow_blank=True
    )


class RedemptionSerializer(serializers.ModelSerializer):
    item_name = serializers.CharField(source="item.name", read_only=True)
    volunteer_name = serializers.CharField(
        source="volunteer.person.name", read_only=True
    )

    class Meta:
        model = Redemption
        fields = [
            "id",
            "volunteer",
            "volunteer_name",
            "item",
            "item_name",
            "quantity",
            "points",
            "status",
            "community",
            "redeemed_at",
            "cancelled_at",
            "cancel_reason",
        ]
        read_only_fields = fields


class RedemptionCreateSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    quantity = serializers.IntegerField(min_value=1, max_value=100, default=1)
    volunteer = serializers.IntegerField(required=False, allow_null=True)


# -- viewsets -----------------------------------------------------------------------------


def _valid(serializer_class, request, **kwargs):
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class VolunteerViewSet(viewsets.ReadOnlyModelViewSet):
    """Volunteers in the caller's scope (a volunteer sees himself)."""

    write_actions = {
        "create": "volunteers.manage",
    }

    serializer_class = VolunteerSerializer
    filterset_fields = ["community", "kind", "is_party_member", "status"]
    ordering_fields = ["registered_on", "id"]
    ordering = ["-id"]

    def get_queryset(self):
        return selectors.volunteer_list(user=self.request.user)

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        log_access(request, "volunteers.volunteer", len(response.data["results"]))
        return response

    @extend_schema(request=VolunteerRegisterSerializer, responses=VolunteerSerializer)
    def create(self, request):
        """Register a resident as a volunteer (staff of the community)."""
        data = _valid(VolunteerRegisterSerializer, request)
        volunteer = services.volunteer_register(user=request.user, **data)
        return Response(
            VolunteerSerializer(volunteer).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=VolunteerRegisterSerializer, responses=VolunteerSerializer)
    @action(detail=False, methods=["post"])
    def register(self, request):
        """Register the caller as a volunteer of a community."""
        data = _valid(VolunteerRegisterSerializer, request)
        volunteer = services.volunteer_register_self(user=request.user, **data)
        return Response(
            VolunteerSerializer(volunteer).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(responses=VolunteerSerializer)
    @action(detail=False, methods=["get"])
    def me(self, request):
        """The caller's own volunteer registration."""
        volunteer = get_object_or_404(
            Volunteer.objects.select_related("person", "community", "account"),
            person__user=request.user,
        )
        return Response(VolunteerSerializer(volunteer).data)


class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = VolunteerTeamSerializer
    filterset_fields = ["community"]
    ordering_fields = ["name", "member_count"]
    ordering = ["name"]

    def get_queryset(self):
        return selectors.team_list(user=self.request.user)


class ActivityViewSet(viewsets.ReadOnlyModelViewSet):
    """Activities: staff see their scope, volunteers their street's."""

    write_actions = {
        "create": "volunteers.publish_activity",
        "signup": "volunteers.participate",
    }

    serializer_class = VolunteerActivitySerializer
    filterset_fields = ["community", "unit", "activity_type", "status", "category"]
    ordering_fields = ["starts_at", "id"]
    ordering = ["-starts_at"]

    def get_queryset(self):
        return selectors.activity_list(user=self.request.user)

    @extend_schema(
        request=ActivityPublishSerializer, responses=VolunteerActivitySerializer
    )
    def create(self, request):
        """Publish an activity in one step."""
        data = _valid(ActivityPublishSerializer, request)
        activity = services.activity_publish(user=request.user, **data)
        return Response(
            VolunteerActivitySerializer(activity).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=None, responses={201: None})
    @action(detail=True, methods=["post"])
    def signup(self, request, pk=None):
        services.signup_create(user=request.user, activity=self.get_object())
        return Response(status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"], url_path="cancel-signup")
    def cancel_signup(self, request, pk=None):
        services.signup_cancel(user=request.user, activity=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=CheckInTokenSerializer, responses=VolunteerCheckInSerializer)
    @action(detail=False, methods=["post"])
    def checkin(self, request):
        """Check in with the token of a scanned QR code."""
        data = _valid(CheckInTokenSerializer, request)
        checkin = services.checkin_scan(user=request.user, token=data["token"])
        return Response(
            VolunteerCheckInSerializer(checkin).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=CheckInTokenSerializer, responses=VolunteerCheckInSerializer)
    @action(detail=False, methods=["post"])
    def checkout(self, request):
        data = _valid(CheckInTokenSerializer, request)
        checkin = services.checkin_checkout(user=request.user, token=data["token"])
        return Response(VolunteerCheckInSerializer(checkin).data)


class CheckInViewSet(viewsets.ReadOnlyModelViewSet):
    write_actions = {
        "confirm": "volunteers.publish_activity",
        "party_confirm": "volunteers.confirm_party_points",
    }
    serializer_class = VolunteerCheckInSerializer
    filterset_fields = ["activity", "community", "attendance", "in_service"]
    ordering_fields = ["checked_in_at", "id"]
    ordering = ["-checked_in_at"]

    def get_queryset(self):
        return selectors.checkin_list(user=self.request.user)

    @extend_schema(
        request=CheckInAttendanceSerializer, responses=VolunteerCheckInSerializer
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Confirm attendance (present/late/absent); points follow."""
        data = _valid(CheckInAttendanceSerializer, request)
        checkin = services.attendance_confirm(
            user=request.user, checkin=self.get_object(), **data
        )
        return Response(VolunteerCheckInSerializer(checkin).data)

    @extend_schema(
        request=CheckInPartyPointsSerializer, responses=VolunteerCheckInSerializer
    )
    @action(detail=True, methods=["post"], url_path="party-confirm")
    def party_confirm(self, request, pk=None):
        """The employer's party org confirms its member's service points."""
        data = _valid(CheckInPartyPointsSerializer, request)
        checkin = services.party_points_confirm(
            user=request.user, checkin=self.get_object(), **data
        )
        return Response(VolunteerCheckInSerializer(checkin).data)


class PointsViewSet(viewsets.ReadOnlyModelViewSet):
    """The points ledger (entries only ever added) and balances."""

    write_actions = {
        "correct": "volunteers.correct_points",
        "reverse": "volunteers.correct_points",
    }

    serializer_class = PointsEntrySerializer
    filterset_fields = ["volunteer", "kind", "community"]
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at"]

    def get_queryset(self):
        return selectors.entry_list(user=self.request.user)

    @extend_schema(
        responses=PointsBalanceSerializer,
        parameters=[OpenApiParameter("volunteer", int, required=False)],
    )
    @action(detail=False, methods=["get"])
    def balance(self, request):
        """Balance of ``?volunteer=`` (default: the caller)."""
        if request.query_params.get("volunteer"):
            volunteer_id = query_id(request.query_params, "volunteer")
            if volunteer_id is None:
                from rest_framework.exceptions import ValidationError

                raise ValidationError({"volunteer": [_("请填写志愿者编号。")]})
            account = get_object_or_404(
                selectors.account_list(user=request.user), volunteer_id=volunteer_id
            )
        else:
            account = get_object_or_404(
                selectors.account_list(user=request.user),
                volunteer__person__user=request.user,
            )
        return Response(
            {
                "volunteer": account.volunteer_id,
                "balance": account.balance,
                "earned": account.earned,
            }
        )

    @extend_schema(request=PointsCorrectionSerializer, responses=PointsEntrySerializer)
    @action(detail=False, methods=["post"])
    def correct(self, request):
        data = _valid(PointsCorrectionSerializer, request)
        volunteer = selectors.volunteer_get(user=request.user, pk=data["volunteer"])
        entry = services.points_correct(
            user=request.user,
            volunteer=volunteer,
            points=data["points"],
            reason=data["reason"],
        )
        return Response(PointsEntrySerializer(entry).data, status=201)

    @extend_schema(request=PointsReasonSerializer, responses=PointsEntrySerializer)
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        """Reverse an entry with a reason (the entry itself never changes)."""
        data = _valid(PointsReasonSerializer, request)
        entry = services.points_reverse(
            user=request.user, entry=self.get_object(), reason=data["reason"]
        )
        return Response(PointsEntrySerializer(entry).data, status=201)


class _ClaimableViewSet(viewsets.ReadOnlyModelViewSet):
    write_actions = {
        "create": "volunteers.manage",
        "claim": "volunteers.claim",
        "confirm": "volunteers.manage",
        "cancel": "volunteers.manage",
    }
    model = None
    create_serializer = None
    filterset_fields = ["community", "status", "claimed_by_unit"]
    ordering_fields = ["published_at", "claimed_at", "id"]
    ordering = ["-published_at"]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self):
        return selectors.claimable_list(user=self.request.user, model=self.model)

    def create(self, request):
        data = _valid(self.create_serializer, request)
        obj = services.claimable_create(user=request.user, model=self.model, **data)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ClaimableClaimSerializer)
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        """Claim for the caller (a party member) or for his unit (``as_unit``)."""
        data = _valid(ClaimableClaimSerializer, request)
        obj = services.claimable_claim(
            user=request.user, obj=self.get_object(), as_unit=data.get("as_unit")
        )
        return Response(self.get_serializer(obj).data)

    @extend_schema(request=ClaimableFulfilSerializer)
    @action(detail=True, methods=["post"])
    def fulfil(self, request, pk=None):
        data = _valid(ClaimableFulfilSerializer, request)
        obj = services.claimable_fulfil(
            user=request.user, obj=self.get_object(), **data
        )
        return Response(self.get_serializer(obj).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        obj = services.claimable_confirm(user=request.user, obj=self.get_object())
        return Response(self.get_serializer(obj).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        obj = services.claimable_cancel(user=request.user, obj=self.get_object())
        return Response(self.get_serializer(obj).data)


class WishViewSet(_ClaimableViewSet):
    """Micro-wishes; the resident's data is masked unless you are the claimant."""

    model = MicroWish
    serializer_class = MicroWishSerializer
    create_serializer = MicroWishCreateSerializer

    @extend_schema(request=MicroWishCreateSerializer, responses=MicroWishSerializer)
    def create(self, request):
        return super().create(request)


class ServicePostViewSet(_ClaimableViewSet):
    """Service posts; the resident's data is masked unless you are the claimant."""

    model = ServicePost
    serializer_class = ServicePostSerializer
    create_serializer = ServicePostCreateSerializer

    @extend_schema(request=ServicePostCreateSerializer, responses=ServicePostSerializer)
    def create(self, request):
        return super().create(request)


class RedemptionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    write_actions = {
        "create": ("volunteers.manage", "volunteers.participate"),
        "cancel": "volunteers.correct_points",
    }
    serializer_class = RedemptionSerializer
    filterset_fields = ["volunteer", "status", "community"]
    ordering_fields = ["redeemed_at", "id"]
    ordering = ["-redeemed_at"]

    def get_queryset(self):
        return selectors.redemption_list(user=self.request.user)

    @extend_schema(request=RedemptionCreateSerializer, responses=RedemptionSerializer)
    def create(self, request):
        """Redeem points at the love station (self, or staff for a volunteer)."""
        data = _valid(RedemptionCreateSerializer, request)
        item = get_object_or_404(
            selectors.item_list(user=request.user), pk=data["item"]
        )
        volunteer = None
        if data.get("volunteer"):
            volunteer = selectors.volunteer_get(user=request.user, pk=data["volunteer"])
        redemption = services.redemption_create(
            user=request.user,
            item=item,
            quantity=data["quantity"],
            volunteer=volunteer,
        )
        return Response(
            RedemptionSerializer(redemption).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=PointsReasonSerializer, responses=RedemptionSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        data = _valid(PointsReasonSerializer, request)
        redemption = self.get_object()
        services.redemption_cancel(
            user=request.user, redemption=redemption, reason=data["reason"]
        )
        redemption.refresh_from_db()
        return Response(RedemptionSerializer(redemption).data)


ROUTES = [
    ("volunteers", VolunteerViewSet, "volunteers"),
    ("teams", TeamViewSet, "teams"),
    ("activities", ActivityViewSet, "activities"),
    ("checkins", CheckInViewSet, "checkins"),
    ("points", PointsViewSet, "points"),
    ("wishes", WishViewSet, "wishes"),
    ("service-posts", ServicePostViewSet, "service-posts"),
    ("redemptions", RedemptionViewSet, "redemptions"),
]
