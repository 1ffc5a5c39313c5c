"""Key figures of the organisations (S1–S4), scoped to the caller.

``party_members_in_area`` counts every party member registered in the street:
directly managed, in-service (在职党员, working in a resident unit) and floating
(流动党员). ``big_working_committee_members`` counts the current seats of the
大工委; ``big_party_committee_unit_secretaries`` the current 大党委 seats held
by resident units' party secretaries.
"""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from orgs.models import (
    IN_SYSTEM_KINDS,
    Committee,
    CommitteeKind,
    OrgKind,
    OrgNode,
    PartyMember,
    ResidentialCompound,
    Seat,
)
from orgs.selectors import party_member_scope_q

LABELS = {
    "communities": pgettext_lazy("count", "社区"),
    "units": pgettext_lazy("count", "驻街单位"),
    "units_in_system": _("体制内单位"),
    "units_out_of_system": _("体制外单位"),
    "residential_compounds": pgettext_lazy("count", "居民小区"),
    "party_orgs_direct": _("街道党工委直管党组织"),
    "party_members_direct": pgettext_lazy("count", "直管党员"),
    "party_members_in_area": _("辖区党员（含在职、流动）"),
    "big_working_committee_members": _("大工委委员"),
    "big_party_committees": _("社区大党委"),
    "big_party_committee_unit_secretaries": _("大党委中的驻区单位党组织书记"),
}


COMMUNITY_LABELS = {"units": pgettext_lazy("count", "驻街单位")}


def communities(scope):
    """Return ``[(id, name)]`` of the communities in scope, in code order."""
    return list(
        OrgNode.objects.filter(scope.org_q(), kind=OrgKind.COMMUNITY)
        .order_by("code")
        .values_list("pk", "name")
    )


def by_community(scope, months):
    """Return per community: its resident units."""
    units = (
        OrgNode.objects.filter(scope.org_q(), kind=OrgKind.UNIT)
        .order_by()
        .values_list("community")
        .annotate(n=Count("pk"))
    )
    return {community: {"units": n} for community, n in units}


def stats(scope):
    nodes = OrgNode.objects.filter(scope.org_q()).aggregate(
        communities=Count("pk", filter=Q(kind=OrgKind.COMMUNITY)),
        units=Count("pk", filter=Q(kind=OrgKind.UNIT)),
        units_in_system=Count(
            "pk", filter=Q(kind=OrgKind.UNIT, unit_kind__in=IN_SYSTEM_KINDS)
        ),
        party_orgs_direct=Count(
            "pk", filter=Q(kind=OrgKind.PARTY_ORG, directly_managed=True)
        ),
    )
    members = PartyMember.objects.filter(party_member_scope_q(scope)).aggregate(
        direct=Count("pk", filter=Q(directly_managed=True)), all=Count("pk")
    )
    own = scope.q(community="community", street="street")
    seats = Seat.objects.filter(own, vacated_on__isnull=True).aggregate(
        big_working=Count("pk", filter=Q(committee__kind=CommitteeKind.BIG_WORKING)),
        unit_secretaries=Count(
            "pk",
            filter=Q(committee__kind=CommitteeKind.BIG_PARTY, is_unit_secretary=True),
        ),
    )
    return {
        "communities": nodes["communities"],
        "units": nodes["units"],
        "units_in_system": nodes["units_in_system"],
        "units_out_of_system": nodes["units"] - nodes["units_in_system"],
        "residential_compounds": ResidentialCompound.objects.filter(
            scope.q(community="community")
        ).count(),
        "party_orgs_direct": nodes["party_orgs_direct"],
        "party_members_direct": members["direct"],
        "party_members_in_area": members["all"],
        "big_working_committee_members": seats["big_working"],
        "big_party_committees": Committee.objects.filter(
            own, kind=CommitteeKind.BIG_PARTY
        ).count(),
        "big_party_committee_unit_secretaries": seats["unit_secretaries"],
    }
