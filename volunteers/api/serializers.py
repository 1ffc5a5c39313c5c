"""Serializers of the volunteers API: input shapes and output rows."""

from rest_framework import serializers

from orgs.models import OrgKind, OrgNode
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
