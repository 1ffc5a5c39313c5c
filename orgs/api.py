"""REST API of the organisations: thin viewsets over selectors and services.

Every queryset comes from a scoped selector (another scope's object is 404);
every write goes through a service (a forbidden action is 403, a broken rule
a 400 with the Chinese message).
"""

from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from orgs import selectors, services
from orgs.filters import CommitteeFilter, OrgNodeFilter, PersonFilter, SeatFilter
from orgs.models import (
    Committee,
    CommitteeKind,
    Gender,
    MemberStatus,
    OrgKind,
    OrgNode,
    PartyOrgType,
    Person,
    Seat,
    SeatOrigin,
    SeatPosition,
    UnitKind,
    mask_phone,
)
from portal import audit
from portal.roles import require


def _show_phones(serializer):
    context = serializer.context
    if "show_phones" not in context:
        request = context.get("request")
        context["show_phones"] = bool(
            request and selectors.phones_visible(request.user)
        )
    return context["show_phones"]


class ScopedMixin:
    """Fetch through a scoped selector after checking ``view_action``."""

    view_action = "orgs.view"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return self.queryset
        require(self.request.user, self.view_action)
        return self.scoped_queryset()


class MaskedPhoneField(serializers.CharField):
    """A phone shown in full only to roles with ``orgs.view_phone``."""

    def to_representation(self, value):
        value = super().to_representation(value)
        return value if _show_phones(self.parent) else mask_phone(value)


# -- org nodes --------------------------------------------------------------------


class OrgNodeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=OrgKind.choices)
    name = serializers.CharField(max_length=200)
    code = serializers.CharField(read_only=True)
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    street = serializers.IntegerField(
        source="street_id", read_only=True, allow_null=True
    )
    community = serializers.IntegerField(
        source="community_id", read_only=True, allow_null=True
    )
    unit_kind = serializers.ChoiceField(
        choices=UnitKind.choices, required=False, allow_blank=True
    )
    in_system = serializers.SerializerMethodField()
    headcount = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    address = serializers.CharField(required=False, allow_blank=True, max_length=255)
    contact_name = serializers.CharField(
        required=False, allow_blank=True, max_length=50
    )
    contact_phone = MaskedPhoneField(required=False, allow_blank=True, max_length=20)
    has_party_org = serializers.BooleanField(read_only=True)
    head = serializers.IntegerField(source="head_id", read_only=True, allow_null=True)
    head_name = serializers.SerializerMethodField()
    party_org_type = serializers.ChoiceField(
        choices=PartyOrgType.choices, required=False, allow_blank=True
    )
    secretary = serializers.IntegerField(
        source="secretary_id", required=False, allow_null=True
    )
    secretary_name = serializers.SerializerMethodField()
    directly_managed = serializers.BooleanField(required=False)

    def get_in_system(self, obj) -> bool | None:
        return obj.in_system if obj.kind == OrgKind.UNIT else None

    # The viewset annotates the two names (no Person object per row); a node
    # fetched otherwise (after a write) reads them through its relations.
    def get_head_name(self, obj) -> str:
        if hasattr(obj, "head_name"):
            return obj.head_name or ""
        return obj.head.name if obj.head_id else ""

    def get_secretary_name(self, obj) -> str:
        if hasattr(obj, "secretary_name"):
            return obj.secretary_name or ""
        return obj.secretary.name if obj.secretary_id else ""


class MoveSerializer(serializers.Serializer):
    parent = serializers.IntegerField()


class OrgNodeViewSet(
    ScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The org tree: streets, communities, units and party organisations.

    Filters: ``kind`` (street | community | unit | party_org), ``parent``,
    ``community``, ``unit_kind``, ``q`` (name contains).
    """

    write_actions = {
        "create": ("orgs.edit", "orgs.manage_tree"),
        "partial_update": ("orgs.edit", "orgs.manage_tree"),
        "destroy": ("orgs.edit", "orgs.manage_tree"),
        "move": "orgs.manage_tree",
    }

    queryset = OrgNode.objects.none()
    serializer_class = OrgNodeSerializer
    filterset_class = OrgNodeFilter
    ordering_fields = ["code", "name", "headcount", "lft"]
    ordering = ["tree_id", "lft"]

    def scoped_queryset(self):
        return selectors.org_node_list(user=self.request.user).annotate(
            head_name=F("head__name"), secretary_name=F("secretary__name")
        )

    def list(self, request, *args, **kwargs):
        # Units carry their contact's mobile, nodes their head's and
        # secretary's names: recorded as the unit pages are.
        response = super().list(request, *args, **kwargs)
        results = response.data.get("results", response.data)
        audit.log_access(request, "orgs.org_node", len(results))
        return response

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        audit.log_access(request, "orgs.org_node", 1)
        return response

    def _node(self, pk):
        return selectors.org_node_get(user=self.request.user, pk=pk)

    def _person(self, pk, node):
        if pk is None:
            return None
        street_id = node.street_id or node.pk
        person = Person.objects.filter(pk=pk, street_id=street_id).first()
        if person is None:
            raise ValidationError({"secretary": _("人员不存在或不在本街道。")})
        return person

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        kind = data.pop("kind")
        parent_id = data.pop("parent_id", None)
        if parent_id is None:
            raise ValidationError({"parent": _("请指定上级组织。")})
        parent = self._node(parent_id)
        name = data.pop("name")
        if kind == OrgKind.UNIT:
            node = services.unit_create(
                user=request.user,
                community=parent,
                name=name,
                unit_kind=data.get("unit_kind", ""),
                **{
                    k: v
                    for k, v in data.items()
                    if k in ("headcount", "address", "contact_name", "contact_phone")
                },
            )
        elif kind == OrgKind.PARTY_ORG:
            node = services.party_org_create(
                user=request.user,
                parent=parent,
                name=name,
                party_org_type=data.get("party_org_type") or PartyOrgType.BRANCH,
                secretary=self._person(data.get("secretary_id"), parent),
                directly_managed=data.get("directly_managed", False),
            )
        elif kind == OrgKind.COMMUNITY:
            node = services.community_create(
                user=request.user, street=parent, name=name
            )
        else:
            raise ValidationError({"kind": _("街道只能由系统管理员创建。")})
        node = self.get_queryset().get(pk=node.pk)
        return Response(self.get_serializer(node).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        node = self.get_object()
        serializer = self.get_serializer(node, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("kind", None)
        if data.pop("parent_id", node.parent_id) != node.parent_id:
            raise ValidationError({"parent": _("移动组织请用 move 操作。")})
        if node.kind == OrgKind.UNIT:
            allowed = set(services.UNIT_FIELDS) - {"head"}
            services.unit_update(
                user=request.user,
                unit=node,
                **{k: v for k, v in data.items() if k in allowed},
            )
        elif node.kind == OrgKind.PARTY_ORG:
            fields = {
                k: v
                for k, v in data.items()
                if k in ("name", "party_org_type", "directly_managed")
            }
            if "secretary_id" in data:
                fields["secretary"] = self._person(data["secretary_id"], node)
            services.party_org_update(user=request.user, party_org=node, **fields)
        else:
            raise ValidationError(_("这里只能修改驻街单位和党组织。"))
        return Response(self.get_serializer(self.get_queryset().get(pk=node.pk)).data)

    def perform_destroy(self, instance):
        services.org_node_remove(user=self.request.user, node=instance)

    @extend_schema(request=MoveSerializer, responses=OrgNodeSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        node = self.get_object()
        serializer = MoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        new_parent = self._node(serializer.validated_data["parent"])
        services.org_node_relocate(user=request.user, node=node, new_parent=new_parent)
        return Response(self.get_serializer(self.get_queryset().get(pk=node.pk)).data)


# -- committees and seats ----------------------------------------------------------


class CommitteeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.SerializerMethodField(
        help_text=gettext_lazy("street（街道层面）或 community（社区层面）")
    )
    type = serializers.ChoiceField(source="kind", choices=CommitteeKind.choices)
    type_label = serializers.CharField(source="get_kind_display")
    org = serializers.IntegerField(source="org_id")
    street = serializers.IntegerField(source="street_id")
    community = serializers.IntegerField(source="community_id", allow_null=True)
    current_seats = serializers.IntegerField()

    def get_kind(self, obj) -> str:
        return "street" if obj.community_id is None else "community"


class CommitteeViewSet(ScopedMixin, viewsets.ReadOnlyModelViewSet):
    """Committees. ``kind=street`` → the 大工委, ``kind=community`` → 大党委;
    ``type`` filters by the committee's own type (leadership, big_working,
    big_party, two_committees); ``community`` by community id."""

    queryset = Committee.objects.none()
    view_action = "orgs.view_committees"
    serializer_class = CommitteeSerializer
    filterset_class = CommitteeFilter
    ordering_fields = ["name", "id"]

    def scoped_queryset(self):
        return selectors.committee_list(user=self.request.user)


class SeatSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    committee = serializers.IntegerField(source="committee_id")
    committee_name = serializers.CharField(source="committee.name", read_only=True)
    committee_type = serializers.CharField(source="committee.kind", read_only=True)
    person = serializers.IntegerField(source="person_id")
    person_name = serializers.CharField(source="person.name", read_only=True)
    represents = serializers.IntegerField(source="represents_id", read_only=True)
    represents_name = serializers.SerializerMethodField()
    position = serializers.ChoiceField(
        choices=SeatPosition.choices, default=SeatPosition.MEMBER
    )
    origin = serializers.ChoiceField(choices=SeatOrigin.choices)
    is_unit_secretary = serializers.BooleanField(read_only=True)
    term_start = serializers.DateField()
    term_end = serializers.DateField(required=False, allow_null=True)
    vacated_on = serializers.DateField(read_only=True)
    vacated_reason = serializers.CharField(read_only=True)
    is_current = serializers.BooleanField(read_only=True)

    def get_represents_name(self, obj) -> str:
        return obj.represents.name if obj.represents_id else ""


class VacateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255)
    vacated_on = serializers.DateField(required=False)


class CommitteeSeatViewSet(
    ScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Committee seats, current and past. Filters: ``committee``, ``person``,
    ``current`` (true/false), ``committee_kind``, ``is_unit_secretary``.
    POST adds a seat (the S3/S4 rule is checked); ``vacate`` ends one."""

    write_actions = {
        "create": "orgs.manage_seats",
        "vacate": "orgs.manage_seats",
    }

    queryset = Seat.objects.none()
    view_action = "orgs.view_committees"
    serializer_class = SeatSerializer
    filterset_class = SeatFilter
    ordering_fields = ["term_start", "id"]

    def scoped_queryset(self):
        return selectors.seat_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        committee = selectors.committee_get(user=request.user, pk=data["committee_id"])
        person = Person.objects.filter(
            pk=data["person_id"], street_id=committee.street_id
        ).first()
        if person is None:
            raise ValidationError({"person": _("人员不存在或不在本街道。")})
        seat = services.seat_add(
            user=request.user,
            committee=committee,
            person=person,
            position=data["position"],
            origin=data["origin"],
            term_start=data["term_start"],
            term_end=data.get("term_end"),
        )
        seat = self.get_queryset().get(pk=seat.pk)
        return Response(self.get_serializer(seat).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=VacateSerializer, responses=SeatSerializer)
    @action(detail=True, methods=["post"])
    def vacate(self, request, pk=None):
        seat = self.get_object()
        serializer = VacateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.seat_vacate(
            user=request.user,
            seat=seat,
            reason=serializer.validated_data["reason"],
            vacated_on=serializer.validated_data.get("vacated_on"),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=seat.pk)).data)


# -- people -----------------------------------------------------------------------


class MembershipSerializer(serializers.Serializer):
    party_org = serializers.IntegerField(source="party_org_id")
    party_org_name = serializers.CharField(source="party_org.name")
    status = serializers.ChoiceField(choices=MemberStatus.choices)
    directly_managed = serializers.BooleanField()
    employer_unit = serializers.IntegerField(source="employer_unit_id", allow_null=True)
    residence_community = serializers.IntegerField(
        source="residence_community_id", allow_null=True
    )
    joined_on = serializers.DateField(allow_null=True)


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=50)
    phone = MaskedPhoneField(required=False, allow_blank=True, max_length=20)
    gender = serializers.ChoiceField(
        choices=Gender.choices, required=False, allow_blank=True
    )
    birth_year = serializers.IntegerField(
        required=False, allow_null=True, min_value=1900, max_value=2100
    )
    street = serializers.IntegerField(source="street_id", read_only=True)
    community = serializers.IntegerField(
        source="community_id", required=False, allow_null=True
    )
    unit = serializers.IntegerField(source="unit_id", required=False, allow_null=True)
    party_membership = serializers.SerializerMethodField()

    @extend_schema(responses=MembershipSerializer)
    def get_party_membership(self, obj) -> dict | None:
        m = getattr(obj, "party_membership", None)
        return MembershipSerializer(m).data if m else None


class PersonViewSet(
    ScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """People (no ID-card numbers) and their party membership. Phones are
    masked (138****5678) unless the caller's role may see them. Filters: ``q``
    (name), ``community``, ``unit``, ``member`` (member | direct | in_service |
    floating | none)."""

    queryset = Person.objects.none()
    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    ordering_fields = ["name", "birth_year", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scoped_queryset(self):
        return selectors.person_list(user=self.request.user)

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        results = response.data.get("results", response.data)
        audit.log_access(request, "orgs.person", len(results))
        return response

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        audit.log_access(request, "orgs.person", 1)
        return response

    def _places(self, data):
        """Return the scoped community and unit nodes named in ``data``."""
        places = {}
        for key, kind in (
            ("community_id", OrgKind.COMMUNITY),
            ("unit_id", OrgKind.UNIT),
        ):
            if key not in data:
                continue
            if data[key] is None:
                places[key[:-3]] = None
                continue
            try:
                places[key[:-3]] = selectors.org_node_get(
                    user=self.request.user, pk=data[key], kind=kind
                )
            except Http404:
                if kind == OrgKind.COMMUNITY:
                    # A person may live in any community of the street.
                    node = OrgNode.objects.filter(pk=data[key], kind=kind).first()
                    if node is not None:
                        places[key[:-3]] = node
                        continue
                raise ValidationError(
                    {key[:-3]: _("所选社区或单位不存在或不在您的管辖范围内。")}
                ) from None
        return places

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        places = self._places(data)
        anchor = places.get("community") or places.get("unit")
        if anchor is None:
            raise ValidationError({"community": _("请指定所属社区或所在单位。")})
        if anchor.street_id is None:
            raise ValidationError({"community": _("所选社区无效。")})
        person = services.person_create(
            user=request.user,
            street=anchor.street,
            name=data["name"],
            phone=data.get("phone", ""),
            gender=data.get("gender", ""),
            birth_year=data.get("birth_year"),
            **places,
        )
        person = self.get_queryset().get(pk=person.pk)
        return Response(
            self.get_serializer(person).data, status=status.HTTP_201_CREATED
        )

    def partial_update(self, request, *args, **kwargs):
        person = self.get_object()
        serializer = self.get_serializer(person, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        fields = {
            k: v
            for k, v in data.items()
            if k in ("name", "phone", "gender", "birth_year")
        }
        fields.update(self._places(data))
        if fields:
            services.person_update(user=request.user, person=person, **fields)
        return Response(self.get_serializer(self.get_queryset().get(pk=person.pk)).data)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)


ROUTES = [
    ("orgs", OrgNodeViewSet, "orgs"),
    ("committees", CommitteeViewSet, "committees"),
    ("committee-seats", CommitteeSeatViewSet, "committee-seats"),
    ("people", PersonViewSet, "people"),
]
