"""Every record that matters is in the audit log, personal fields masked."""

import re

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps

#: The records issue 10 names (and a few more that hold personal data). The
#: points ledger and the special fund's ledger are not here: they are their
#: own history, append-only in the database (who, when, why on every row).
AUDITED = [
    "portal.RoleAssignment",
    "orgs.OrgNode",
    "orgs.Person",
    "orgs.PartyMember",
    "orgs.Committee",
    "orgs.Seat",
    "grids.Cell",
    "grids.CellAssignment",
    "grids.Case",
    "meetings.Meeting",
    "meetings.MinutesRevision",
    "meetings.Attendance",
    "meetings.Problem",
    "meetings.ActionItem",
    "meetings.Attachment",
    "volunteers.Volunteer",
    "volunteers.Activity",
    "volunteers.CheckIn",
    "volunteers.Redemption",
    "volunteers.MicroWish",
    "volunteers.ServicePost",
    "evaluations.ScoringPolicy",
    "evaluations.Publication",
    "evaluations.Evaluation",
    "evaluations.GradeOverride",
    "evaluations.CreditRating",
    "evaluations.Appeal",
    "evaluations.AppealEvent",
    "support.Worker",
    "support.SocialOrg",
    "support.Budget",
    "support.Spending",
]
#: A field with such a name holds a phone or an identity number.
PERSONAL = re.compile(r"phone|mobile|id_number|id_card|identity", re.IGNORECASE)


@pytest.mark.parametrize("label", AUDITED)
def test_every_record_that_matters_is_audited(label):
    assert auditlog.contains(apps.get_model(label))


def test_every_audited_phone_or_id_field_is_masked_or_left_out():
    unmasked = []
    for model in auditlog.get_models():
        options = auditlog.get_model_fields(model)
        for field in model._meta.concrete_fields:
            if not PERSONAL.search(field.name):
                continue
            if field.name in options["mask_fields"]:
                continue
            if field.name in options["exclude_fields"]:
                continue
            if (
                options["include_fields"]
                and field.name not in options["include_fields"]
            ):
                continue
            unmasked.append(f"{model._meta.label}.{field.name}")
    assert not unmasked, unmasked


def test_a_grid_case_reporters_phone_is_masked_in_the_log(world):
    from grids.models import CaseCategory
    from grids.services import case_report

    # when a grid worker files a case with the resident's phone
    with set_actor(world.grid_worker_a):
        case = case_report(
            user=world.grid_worker_a,
            cell=world.cell_a,
            category=CaseCategory.ENVIRONMENT,
            title="楼道堆物",
            description="三楼楼道堆放杂物。",
            reporter_name="李居民",
            reporter_phone="13711112222",
        )
    # then the log names him and shows the phone masked only
    entry = LogEntry.objects.get_for_object(case).get(action=LogEntry.Action.CREATE)
    assert entry.actor_id == world.grid_worker_a.pk
    assert entry.changes_dict["reporter_phone"][1] == "137****2222"
    assert "13711112222" not in entry.changes_text + str(entry.changes)
