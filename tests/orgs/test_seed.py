"""The demo street reproduces S1–S4 exactly, and honours the seat rules."""

import datetime
import io
import json
import random

from django.core.management import call_command

from dashboard.stats import stats_for_scope
from orgs.models import (
    CommitteeKind,
    OrgKind,
    OrgNode,
    PartyMember,
    Person,
    Seat,
    SeatPosition,
)
from orgs.services import seat_qualification
from portal.demo import SeedContext
from portal.scope import Scope


def test_demo_seed_gives_the_articles_figures_and_keeps_its_contract(db):
    # given / when
    ctx = SeedContext(
        rng=random.Random(20190601),  # noqa: S311
        stdout=io.StringIO(),
        password="x",
        data={"today": datetime.date(2026, 6, 1)},
    )
    from orgs.seed import seed

    seed(ctx)
    # then: street_stats shows the article's figures (S1–S4)
    out = io.StringIO()
    call_command("street_stats", stdout=out)
    figures = json.loads(out.getvalue())
    assert figures == stats_for_scope(Scope(is_superuser=True))
    assert {k: figures[k] for k in figures if k in EXPECTED} == EXPECTED
    assert figures["party_members_in_area"] >= 8000
    assert figures["units_in_system"] + figures["units_out_of_system"] == 533
    assert figures["big_working_committee_members"] == 25
    # every unit kind is present, in and out of the system
    kinds = set(
        OrgNode.objects.filter(kind=OrgKind.UNIT).values_list("unit_kind", flat=True)
    )
    assert len(kinds) == 7
    # the seed contract other apps build on
    data = ctx.data
    assert data["street"].kind == OrgKind.STREET
    assert [c.code for c in data["communities"]] == [
        f"ZW-{i:02d}" for i in range(1, 12)
    ]
    assert len(data["units"]) == 533 and all(u.head_id for u in data["units"])
    assert not OrgNode.objects.filter(kind=OrgKind.UNIT, head__isnull=True).exists()
    head_unit = data["unit_head_unit"]
    assert head_unit.community_id == data["communities"][0].pk
    assert head_unit.has_party_org
    assert data["login_persons"]["unithead1"].pk == head_unit.head_id
    assert len(data["compounds"]) == 120
    assert len(data["party_members"]) == PartyMember.objects.count()
    committees = data["committees"]
    assert committees["leadership"].kind == CommitteeKind.LEADERSHIP
    assert 7 <= committees["leadership"].seats.count() <= 9
    assert committees["big_working"].kind == CommitteeKind.BIG_WORKING
    for community in data["communities"]:
        two = committees["two_committees"][community.pk]
        assert 5 <= two.seats.filter(vacated_on__isnull=True).count() <= 7
        assert committees["big_party"][community.pk].community_id == community.pk
    for key, community in (
        ("secretary1", data["communities"][0]),
        ("secretary2", data["communities"][1]),
    ):
        person = data["login_persons"][key]
        assert OrgNode.objects.filter(
            kind=OrgKind.PARTY_ORG, parent=community, secretary=person
        ).exists()
        assert (
            Seat.objects.get(
                committee=committees["two_committees"][community.pk],
                position=SeatPosition.SECRETARY,
                vacated_on__isnull=True,
            ).person
            == person
        )
    # every current 大工委 / 大党委 seat satisfies the S3/S4 rule
    current = Seat.objects.filter(
        vacated_on__isnull=True,
        committee__kind__in=[CommitteeKind.BIG_WORKING, CommitteeKind.BIG_PARTY],
    ).select_related("committee__community", "person")
    for seat in current:
        seat_qualification(committee=seat.committee, person=seat.person)
    assert Seat.objects.filter(vacated_on__isnull=False).exists()  # history
    assert not Person.objects.filter(phone="").exists()
    # and the trees are sound
    call_command("check_trees", stdout=io.StringIO())


EXPECTED = {
    "communities": 11,
    "units": 533,
    "residential_compounds": 120,
    "party_orgs_direct": 57,
    "party_members_direct": 1567,
    "big_party_committees": 11,
    "big_party_committee_unit_secretaries": 75,
}
