"""Viewsets of the volunteers API: parse input → selector/service → output."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from portal.audit import log_access
from portal.params import query_id
from volunteers import selectors, services
from volunteers.api.serializers import (
    ActivityPublishSerializer,
    CheckInAttendanceSerializer,
    CheckInPartyPointsSerializer,
    CheckInTokenSerializer,
    ClaimableClaimSerializer,
    ClaimableFulfilSerializer,
    MicroWishCreateSerializer,
    MicroWishSerializer,
    PointsBalanceSerializer,
    PointsCorrectionSerializer,
    PointsEntrySerializer,
    PointsReasonSerializer,
    RedemptionCreateSerializer,
    RedemptionSerializer,
    ServicePostCreateSerializer,
    ServicePostSerializer,
    VolunteerActivitySerializer,
    VolunteerCheckInSerializer,
    VolunteerRegisterSerializer,
    VolunteerSerializer,
    VolunteerTeamSerializer,
)
from volunteers.models import MicroWish, ServicePost, Volunteer


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
