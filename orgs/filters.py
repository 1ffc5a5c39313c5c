"""Filters shared by list pages, exports and the API: one definition each.

A list page, its .xlsx export and its API endpoint run the same selector
through the same filter set, so they always agree on the rows.
"""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orgs.models import (
    IN_SYSTEM_KINDS,
    Committee,
    CommitteeKind,
    MemberStatus,
    OrgKind,
    OrgNode,
    Person,
    Seat,
    UnitKind,
)
from orgs.selectors import community_list, org_node_list

SYSTEM_CHOICES = [("in", _("体制内")), ("out", _("体制外"))]
YES_NO = [("yes", _("是")), ("no", _("否"))]


def _communities(request):
    if request is None:
        return OrgNode.objects.none()
    return community_list(user=request.user)


def _units(request):
    if request is None:
        return OrgNode.objects.none()
    return org_node_list(user=request.user).filter(kind=OrgKind.UNIT)


class UnitFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("名称或编码"), method="filter_q")
    community = django_filters.ModelChoiceFilter(
        label=_("社区"), queryset=_communities, empty_label=_("全部社区")
    )
    kind = django_filters.ChoiceFilter(
        label=_("单位性质"),
        field_name="unit_kind",
        choices=UnitKind.choices,
        empty_label=_("全部性质"),
    )
    system = django_filters.ChoiceFilter(
        label=_("体制内/外"),
        choices=SYSTEM_CHOICES,
        method="filter_system",
        empty_label=_("全部"),
    )
    party = django_filters.ChoiceFilter(
        label=_("建有党组织"),
        choices=YES_NO,
        method="filter_party",
        empty_label=_("全部"),
    )
    o = django_filters.OrderingFilter(
        label=_("排序"),
        fields=(
            ("code", "code"),
            ("name", "name"),
            ("headcount", "headcount"),
            ("community__code", "community"),
            ("unit_kind", "kind"),
        ),
        field_labels={
            "code": _("编码"),
            "name": _("名称"),
            "headcount": _("职工人数"),
            "community__code": _("社区"),
            "unit_kind": _("单位性质"),
        },
    )

    class Meta:
        model = OrgNode
        fields = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__iexact=value))

    def filter_system(self, queryset, name, value):
        if value == "in":
            return queryset.filter(unit_kind__in=IN_SYSTEM_KINDS)
        if value == "out":
            return queryset.exclude(unit_kind__in=IN_SYSTEM_KINDS)
        return queryset

    def filter_party(self, queryset, name, value):
        return queryset.filter(has_party_org=value == "yes")


MEMBER_CHOICES = [
    ("member", _("党员")),
    ("direct", _("街道直管党员")),
    (MemberStatus.IN_SERVICE, _("在职党员")),
    (MemberStatus.FLOATING, _("流动党员")),
    ("none", _("非党员")),
]


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("姓名"), method="filter_q")
    community = django_filters.ModelChoiceFilter(
        label=_("所属社区"), queryset=_communities, empty_label=_("全部社区")
    )
    # Reached from a unit's page (?unit=…): a hidden field, not a 500-row select.
    unit = django_filters.ModelChoiceFilter(
        label=_("所在单位"), queryset=_units, widget=forms.HiddenInput
    )
    member = django_filters.ChoiceFilter(
        label=_("政治面貌"),
        choices=MEMBER_CHOICES,
        method="filter_member",
        empty_label=_("全部"),
    )
    o = django_filters.OrderingFilter(
        label=_("排序"),
        fields=(("name", "name"), ("birth_year", "birth_year"), ("id", "id")),
        field_labels={
            "name": _("姓名"),
            "birth_year": _("出生年份"),
            "id": _("登记顺序"),
        },
    )

    class Meta:
        model = Person
        fields = []

    def filter_q(self, queryset, name, value):
        # By name only: a phone number never travels in a URL (SECURITY.md).
        value = value.strip()
        return queryset.filter(name__icontains=value) if value else queryset

    def filter_member(self, queryset, name, value):
        if value == "member":
            return queryset.filter(party_membership__isnull=False)
        if value == "none":
            return queryset.filter(party_membership__isnull=True)
        if value == "direct":
            return queryset.filter(party_membership__directly_managed=True)
        return queryset.filter(party_membership__status=value)


class OrgNodeFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=OrgKind.choices)
    parent = django_filters.NumberFilter(field_name="parent_id")
    community = django_filters.NumberFilter(field_name="community_id")
    unit_kind = django_filters.ChoiceFilter(choices=UnitKind.choices)
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = OrgNode
        fields = []


class CommitteeFilter(django_filters.FilterSet):
    """``kind``: street → the 大工委, community → the 大党委 (``type`` is exact)."""

    kind = django_filters.ChoiceFilter(
        choices=[("street", _("街道大工委")), ("community", _("社区大党委"))],
        method="filter_kind",
    )
    type = django_filters.ChoiceFilter(field_name="kind", choices=CommitteeKind.choices)
    community = django_filters.NumberFilter(field_name="community_id")

    class Meta:
        model = Committee
        fields = []

    def filter_kind(self, queryset, name, value):
        kind = (
            CommitteeKind.BIG_WORKING if value == "street" else CommitteeKind.BIG_PARTY
        )
        return queryset.filter(kind=kind)


class SeatFilter(django_filters.FilterSet):
    committee = django_filters.NumberFilter(field_name="committee_id")
    person = django_filters.NumberFilter(field_name="person_id")
    current = django_filters.BooleanFilter(
        field_name="vacated_on", lookup_expr="isnull"
    )
    committee_kind = django_filters.ChoiceFilter(
        field_name="committee__kind", choices=CommitteeKind.choices
    )
    is_unit_secretary = django_filters.BooleanFilter()

    class Meta:
        model = Seat
        fields = []
