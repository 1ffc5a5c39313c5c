"""Each app tells the kernel's retention what keeps and what copies a person.

``portal.retention`` knows no app's models: orgs, grids, meetings,
volunteers and support register their rules in ``AppConfig.ready()``. These
are the rules anonymisation follows (tests/volunteers/test_retention.py
follows one person through them).
"""

from portal import retention


def _label(model):
    return model._meta.label


def test_every_app_registered_what_keeps_a_persons_data():
    keepers = [(_label(m), reason) for m, _condition, reason in retention._KEEPERS]
    assert keepers == [
        ("orgs.PartyMember", "party member"),
        ("orgs.OrgNode", "head of an org"),
        ("orgs.Seat", "seat"),
        ("grids.Cell", "grid leader"),
        ("grids.CellAssignment", "grid"),
        ("support.Worker", "worker"),
    ]


def test_every_app_registered_the_copies_of_a_persons_name_and_phone():
    copies = {
        (_label(m), of, lookup, tuple(f for f, _v in values))
        for m, of, lookup, values in retention._COPIES
    }
    assert copies == {
        ("meetings.Attendance", "person", "seat__person", ("name",)),
        ("meetings.Problem", "user", "reporter", ("reporter_name",)),
        ("grids.CaseEvent", "user", "by", ("actor_name",)),
        ("grids.Case", "phone", "reporter_phone", ("reporter_name", "reporter_phone")),
        *(
            (
                f"volunteers.{name}",
                "phone",
                "resident_phone",
                ("resident_name", "resident_phone", "resident_address"),
            )
            for name in ("MicroWish", "ServicePost")
        ),
    }
    assert [_label(m) for m in retention._PERSON_ROWS] == ["volunteers.Volunteer"]


def test_a_cells_leader_is_kept_by_the_rule_grids_registered(world):
    # given a person who leads a grid cell (and has no other reason to stay)
    from orgs.models import Person

    person = Person.objects.create(
        name="网格长甲", street=world.street, community=world.a
    )
    assert retention.person_is_still_needed(person) == ""
    # when he leads the cell
    world.cell_a.leader = person
    world.cell_a.save(update_fields=["leader"])
    # then his data is still needed, for the reason grids gave
    assert retention.person_is_still_needed(person) == "grid leader"
