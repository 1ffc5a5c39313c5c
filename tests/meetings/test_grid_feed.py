"""The grid's escalated cases reach the meetings, and the result goes back."""

from grids import services as grid_services
from grids.models import Case, CaseStatus
from meetings import services
from meetings.grid_feed import grid_cases_import
from meetings.models import Problem, ProblemSource, ProblemStatus
from meetings.selectors import problem_histories
from portal.models import Notification
from tests.meetings.conftest import in_days


def test_a_case_escalated_to_the_community_is_on_the_next_meeting_and_closed_by_its_result(
    mworld, meetings_next_month
):
    # given a grid worker reports a case in A's cell and escalates it to the community
    case = grid_services.case_report(
        user=mworld.grid_worker_a,
        cell=mworld.cell_a,
        category="facilities",
        title="井盖缺失",
        description="长虹路口井盖缺失",
    )
    grid_services.case_escalate(
        user=mworld.grid_worker_a, case=case, reason="网格内无法解决"
    )
    # when the feed runs (twice: it is idempotent)
    assert grid_cases_import() >= 1
    grid_cases_import()
    problem = Problem.objects.get(grid_case_id=case.pk)
    assert Problem.objects.filter(grid_case_id=case.pk).count() == 1
    # then it is on A's next meeting with the case's history
    assert (
        problem.committee == mworld.party_a and problem.meeting == meetings_next_month.a
    )
    assert problem.source == ProblemSource.GRID_CASE
    whats = [e["what"] for e in problem_histories([problem])[problem.pk]]
    assert "提级上报" in whats and "网格事件转入" in whats
    # when the meeting's item is done
    item = services.action_item_create(
        user=mworld.secretary_a,
        problem=problem,
        unit=mworld.unit_a,
        title="补装井盖",
        due_on=in_days(3),
    )
    services.action_item_update(
        user=mworld.unit_head_a, item=item, status="done", evidence="已补装"
    )
    # then the grid case is closed with the result and its reporter asked to confirm
    case.refresh_from_db()
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RESOLVED
    assert case.status == CaseStatus.CLOSED and "已补装" in case.result
    assert Notification.objects.filter(
        recipient=mworld.grid_worker_a, kind="grids.case_feedback"
    ).exists()
    assert not Notification.objects.filter(
        recipient=mworld.grid_worker_a, kind="meetings.feedback"
    ).exists()


def test_a_case_escalated_to_the_street_goes_to_the_big_working_committee(
    mworld, meetings_next_month
):
    case = grid_services.case_report(
        user=mworld.grid_worker_a,
        cell=mworld.cell_a,
        category="safety",
        title="危墙",
        description="围墙开裂",
    )
    grid_services.case_escalate(user=mworld.grid_worker_a, case=case, reason="社区无力")
    grid_cases_import()
    grid_services.case_escalate(
        user=mworld.secretary_a, case=Case.objects.get(pk=case.pk), reason="需街道统筹"
    )
    grid_cases_import()
    upper = Problem.objects.get(grid_case_id=case.pk, committee=mworld.big_working)
    lower = Problem.objects.get(grid_case_id=case.pk, committee=mworld.party_a)
    assert upper.meeting == meetings_next_month.working
    assert upper.escalated_from == lower and lower.status == ProblemStatus.ESCALATED
