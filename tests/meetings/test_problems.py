"""Problems → action items → roll-up → escalation → feedback (S7, S9, S10)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from meetings import services
from meetings.models import (
    ActionItem,
    ActionItemStatus,
    ActionItemUpdate,
    Problem,
    ProblemEvent,
    ProblemEventKind,
    ProblemSource,
    ProblemStatus,
)
from meetings.selectors import problem_histories
from portal.models import Notification
from tests.conftest import login
from tests.meetings.conftest import in_days


@pytest.fixture
def problem_a(mworld, meetings_next_month):
    return services.problem_create(
        user=mworld.unit_head_a,
        committee=mworld.party_a,
        title="小区路灯损坏",
        description="三栋到五栋之间的路灯不亮",
        reporter_unit=mworld.unit_a,
    )


def test_a_member_unit_raises_a_problem_for_the_next_meeting(
    mworld, problem_a, meetings_next_month
):
    # then it is on the next meeting's agenda, with who raised it
    assert problem_a.meeting == meetings_next_month.a
    assert problem_a.reporter == mworld.unit_head_a
    assert problem_a.status == ProblemStatus.OPEN
    assert problem_a.community == mworld.a
    assert problem_a.events.get().kind == ProblemEventKind.CREATED


def test_a_unit_not_on_the_committee_cannot_raise_a_problem_there(
    mworld, meetings_next_month
):
    with pytest.raises(PermissionDenied):
        services.problem_create(
            user=mworld.unit_head_a, committee=mworld.party_b, title="x"
        )


def test_progress_is_the_weighted_roll_up_of_the_items(mworld, problem_a):
    # given two items of weights 1 and 3
    light = services.action_item_create(
        user=mworld.secretary_a,
        problem=problem_a,
        unit=mworld.unit_a,
        title="更换灯具",
        due_on=in_days(20),
        weight=1,
    )
    wiring = services.action_item_create(
        user=mworld.secretary_a,
        problem=problem_a,
        unit=mworld.unit_a2,
        title="改造线路",
        due_on=in_days(30),
        weight=3,
    )
    # when the first is done and the second is 40% done
    services.action_item_update(
        user=mworld.unit_head_a, item=light, status="done", evidence="已更换 6 盏灯"
    )
    services.action_item_update(
        user=mworld.secretary_a, item=wiring, status="in_progress", progress=40
    )
    # then the problem is (1×100 + 3×40) / 4 = 55% along, in progress
    problem_a.refresh_from_db()
    assert problem_a.progress == 55
    assert problem_a.status == ProblemStatus.IN_PROGRESS
    # and each item keeps its history with who did what
    steps = list(light.updates.values_list("status_to", flat=True))
    assert steps == ["open", "done"]
    assert light.updates.last().actor == mworld.unit_head_a


def test_an_item_done_needs_evidence_and_in_progress_needs_a_percentage(
    mworld, problem_a
):
    item = services.action_item_create(
        user=mworld.secretary_a,
        problem=problem_a,
        unit=mworld.unit_a,
        title="更换灯具",
        due_on=in_days(10),
    )
    with pytest.raises(ValidationError, match="完成佐证"):
        services.action_item_update(user=mworld.unit_head_a, item=item, status="done")
    with pytest.raises(ValidationError, match="0 到 99"):
        services.action_item_update(
            user=mworld.unit_head_a, item=item, status="in_progress", progress=150
        )
    with pytest.raises(ValidationError, match="推进中"):
        services.action_item_update(user=mworld.unit_head_a, item=item, status="open")
    item.refresh_from_db()
    assert item.status == ActionItemStatus.OPEN and item.updates.count() == 1


@pytest.mark.parametrize(
    "unit_attr, due, message",
    [
        ("unit_b", 10, "本社区"),
        ("a", 10, "驻区单位"),
        ("unit_a", -1, "不能早于今天"),
    ],
)
def test_an_item_needs_a_unit_of_the_community_and_a_future_due_date(
    mworld, problem_a, unit_attr, due, message
):
    with pytest.raises(ValidationError) as exc:
        services.action_item_create(
            user=mworld.secretary_a,
            problem=problem_a,
            unit=getattr(mworld, unit_attr),
            title="x",
            due_on=in_days(due),
        )
    assert message in " ".join(exc.value.messages)
    assert not ActionItem.objects.exists()


def test_a_unit_head_can_update_only_his_units_items(mworld, problem_a):
    item = services.action_item_create(
        user=mworld.secretary_a,
        problem=problem_a,
        unit=mworld.unit_a2,
        title="改造线路",
        due_on=in_days(10),
    )
    with pytest.raises(PermissionDenied):
        services.action_item_update(
            user=mworld.unit_head_a, item=item, status="in_progress", progress=10
        )


def test_when_all_items_are_done_the_reporter_gets_the_result(mworld, problem_a):
    # given one item assigned to unit A
    item = services.action_item_create(
        user=mworld.secretary_a,
        problem=problem_a,
        unit=mworld.unit_a,
        title="更换灯具",
        due_on=in_days(10),
    )
    # when the unit head marks it done with evidence
    services.action_item_update(
        user=mworld.unit_head_a, item=item, status="done", evidence="已更换 6 盏灯"
    )
    # then the problem is resolved with the result, and the reporter was told
    problem_a.refresh_from_db()
    assert problem_a.status == ProblemStatus.RESOLVED
    assert problem_a.progress == 100
    assert "已更换 6 盏灯" in problem_a.result
    assert problem_a.feedback_sent_at is not None
    note = Notification.objects.get(
        recipient=mworld.unit_head_a, kind="meetings.feedback"
    )
    assert "小区路灯损坏" in note.title and "已更换 6 盏灯" in note.body
    kinds = list(problem_a.events.values_list("kind", flat=True))
    assert kinds == ["created", "item_added", "resolved", "feedback"]


def test_an_answer_closes_a_problem_and_goes_back_to_the_reporter(mworld, problem_a):
    services.problem_answer(
        user=mworld.secretary_a, problem=problem_a, answer="属区城管局职责，已转交"
    )
    problem_a.refresh_from_db()
    assert problem_a.status == ProblemStatus.ANSWERED
    assert Notification.objects.filter(
        recipient=mworld.unit_head_a, body="属区城管局职责，已转交"
    ).exists()


def test_escalation_puts_the_problem_with_its_history_on_the_big_working_agenda(
    mworld, problem_a, meetings_next_month
):
    # given A's problem has been discussed (an item agreed, then stuck)
    services.action_item_create(
        user=mworld.secretary_a,
        problem=problem_a,
        unit=mworld.unit_a,
        title="协调电力部门",
        due_on=in_days(10),
    )
    # when A's secretary escalates it to the 大工委 with a reason
    upper = services.problem_escalate(
        user=mworld.secretary_a, problem=problem_a, reason="涉及供电公司，社区协调不动"
    )
    # then the 大工委 has it on its next meeting, linked to the original
    problem_a.refresh_from_db()
    assert problem_a.status == ProblemStatus.ESCALATED
    assert upper.committee == mworld.big_working
    assert upper.meeting == meetings_next_month.working
    assert upper.escalated_from == problem_a
    assert upper.source == ProblemSource.ESCALATED
    # and its history tells the whole story, with who and why
    history = problem_histories([upper])[upper.pk]
    whats = [e["what"] for e in history]
    assert whats == ["提出", "制定举措", "上报大工委", "大工委受理"]
    escalated = history[2]
    assert escalated["who"] == str(mworld.secretary_a)
    assert escalated["note"] == "涉及供电公司，社区协调不动"
    assert escalated["where"] == "甲社区大党委"
    # and street staff are told
    assert Notification.objects.filter(
        recipient=mworld.street_staff, kind="meetings.escalation"
    ).exists()
    # and the 大工委 meeting page shows it with that history
    page = login(mworld.street_staff).get(
        "/meetings/%s/" % meetings_next_month.working.pk
    )
    html = page.content.decode()
    assert "小区路灯损坏" in html and "涉及供电公司，社区协调不动" in html
    assert "甲社区大党委" in html


def test_the_big_working_result_flows_back_to_the_original_problem_and_reporter(
    mworld, problem_a
):
    # given an escalated problem that the 大工委 assigns to a unit
    upper = services.problem_escalate(
        user=mworld.secretary_a, problem=problem_a, reason="需要街道统筹"
    )
    item = services.action_item_create(
        user=mworld.street_staff,
        problem=upper,
        unit=mworld.unit_b,
        title="街道统筹资金更换线路",
        due_on=in_days(15),
    )
    # when the item is done
    services.action_item_update(
        user=mworld.street_staff, item=item, status="done", evidence="线路已改造完成"
    )
    # then both levels are resolved, the original carries the 大工委's result
    upper.refresh_from_db()
    problem_a.refresh_from_db()
    assert upper.status == ProblemStatus.RESOLVED
    assert problem_a.status == ProblemStatus.RESOLVED
    assert "大工委办理结果" in problem_a.result and "线路已改造完成" in problem_a.result
    # and the original reporter gets the answer once
    notes = Notification.objects.filter(
        recipient=mworld.unit_head_a, kind="meetings.feedback"
    )
    assert notes.count() == 1 and "线路已改造完成" in notes.get().body
    # and the original's history shows the whole way back
    kinds = list(problem_a.events.values_list("kind", flat=True))
    assert kinds == ["created", "escalated", "resolved", "feedback"]
    down = problem_histories([problem_a], downwards=True)[problem_a.pk]
    assert "大工委受理" in [e["what"] for e in down]


@pytest.mark.parametrize("case", ["twice", "no_reason", "from_big_working", "closed"])
def test_escalation_is_refused_when_it_makes_no_sense(mworld, problem_a, case):
    if case == "twice":
        services.problem_escalate(
            user=mworld.secretary_a, problem=problem_a, reason="r"
        )
        problem, reason, message = problem_a, "again", "已办结或已上报"
    elif case == "no_reason":
        problem, reason, message = problem_a, " ", "上报原因"
    elif case == "from_big_working":
        problem = services.problem_create(
            user=mworld.street_staff, committee=mworld.big_working, title="街道层面问题"
        )
        reason, message = "r", "只有大党委"
    else:
        services.problem_answer(user=mworld.secretary_a, problem=problem_a, answer="ok")
        problem, reason, message = problem_a, "r", "已办结或已上报"
    count = Problem.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.problem_escalate(
            user=mworld.street_staff, problem=problem, reason=reason
        )
    assert message in " ".join(exc.value.messages)
    assert Problem.objects.count() == count


def test_the_secretary_of_b_cannot_escalate_a_problem_of_a(mworld, problem_a):
    with pytest.raises(PermissionDenied):
        services.problem_escalate(
            user=mworld.secretary_b, problem=problem_a, reason="r"
        )


def test_overdue_items_are_marked_once_with_a_history_line(mworld, problem_a):
    item = services.action_item_create(
        user=mworld.secretary_a,
        problem=problem_a,
        unit=mworld.unit_a,
        title="更换灯具",
        due_on=in_days(1),
    )
    later = timezone.localdate() + timedelta(days=3)
    assert services.action_items_mark_overdue(today=later) == 1
    assert services.action_items_mark_overdue(today=later) == 0
    item.refresh_from_db()
    assert item.status == ActionItemStatus.OVERDUE
    assert item.updates.filter(status_to="overdue").count() == 1
    # progress on an overdue item keeps it overdue; done still closes it
    services.action_item_update(
        user=mworld.unit_head_a, item=item, status="in_progress", progress=50
    )
    item.refresh_from_db()
    assert item.status == ActionItemStatus.OVERDUE and item.progress == 50
    services.action_item_update(
        user=mworld.unit_head_a, item=item, status="done", evidence="完成"
    )
    item.refresh_from_db()
    assert item.status == ActionItemStatus.DONE


def test_rescheduling_an_overdue_item_keeps_the_reason(mworld, problem_a):
    item = services.action_item_create(
        user=mworld.secretary_a,
        problem=problem_a,
        unit=mworld.unit_a,
        title="更换灯具",
        due_on=in_days(0),
    )
    ActionItem.objects.filter(pk=item.pk).update(status="overdue")
    services.action_item_reschedule(
        user=mworld.secretary_a, item=item, due_on=in_days(20), reason="等待配件"
    )
    item.refresh_from_db()
    assert item.status == ActionItemStatus.OPEN and item.due_on == in_days(20)
    assert "等待配件" in ActionItemUpdate.objects.filter(item=item).last().note


# -- grid cases escalated to a community or the street ------------------------------


HISTORY = [
    {
        "at": "2024-05-02T09:00",
        "actor": "网格员王伟",
        "action": "上报",
        "note": "井盖缺失",
    },
    {
        "at": "2024-05-06T10:30",
        "actor": "网格长李娜",
        "action": "提级上报",
        "note": "超期未解决",
    },
]


def test_an_escalated_grid_case_becomes_a_problem_with_its_history(
    mworld, meetings_next_month
):
    # when the grid hands over a case escalated to community A
    problem = services.problem_from_grid_case(
        case_id=41,
        level="community",
        street=mworld.street,
        community=mworld.a,
        title="井盖缺失",
        text="长虹路口井盖缺失，已临时围挡",
        history=HISTORY,
        reporter=mworld.grid_worker_a,
        reporter_name="网格员王伟",
    )
    # then A's 大党委 has it on its next meeting, with the case's history
    assert problem.committee == mworld.party_a
    assert problem.meeting == meetings_next_month.a
    assert problem.source == ProblemSource.GRID_CASE
    history = problem_histories([problem])[problem.pk]
    assert [e["what"] for e in history] == ["上报", "提级上报", "网格事件转入"]
    assert history[1]["who"] == "网格长李娜" and history[1]["note"] == "超期未解决"
    # and importing it again changes nothing but the history
    again = services.problem_from_grid_case(
        case_id=41,
        level="community",
        street=mworld.street,
        community=mworld.a,
        title="井盖缺失",
        history=HISTORY
        + [{"at": "2024-05-07T08:00", "actor": "x", "action": "处理进展"}],
    )
    assert again.pk == problem.pk
    assert Problem.objects.filter(grid_case_id=41).count() == 1
    assert len(Problem.objects.get(pk=problem.pk).grid_case_history) == 3


def test_a_grid_case_reaching_the_street_links_to_its_community_problem(
    mworld, meetings_next_month
):
    lower = services.problem_from_grid_case(
        case_id=7,
        level="community",
        street=mworld.street,
        community=mworld.a,
        title="占道经营",
        history=HISTORY,
    )
    upper = services.problem_from_grid_case(
        case_id=7,
        level="street",
        street=mworld.street,
        community=mworld.a,
        title="占道经营",
        history=HISTORY,
    )
    lower.refresh_from_db()
    assert upper.committee == mworld.big_working
    assert upper.meeting == meetings_next_month.working
    assert upper.escalated_from == lower
    assert lower.status == ProblemStatus.ESCALATED
    # the grid case's reporter gets the street's result through the chain
    item = services.action_item_create(
        user=mworld.street_staff,
        problem=upper,
        unit=mworld.unit_a,
        title="联合执法",
        due_on=in_days(5),
    )
    services.action_item_update(
        user=mworld.street_staff, item=item, status="done", evidence="已清理"
    )
    lower.refresh_from_db()
    assert lower.status == ProblemStatus.RESOLVED
    assert ProblemEvent.objects.filter(problem=lower, kind="feedback").exists()


def test_a_grid_case_for_an_unknown_level_is_refused(mworld):
    with pytest.raises(ValidationError):
        services.problem_from_grid_case(
            case_id=1, level="cell", street=mworld.street, title="x"
        )


def test_changes_to_items_and_problems_are_in_the_audit_log_with_who(mworld, problem_a):
    from auditlog.models import LogEntry

    item = services.action_item_create(
        user=mworld.secretary_a,
        problem=problem_a,
        unit=mworld.unit_a,
        title="更换灯具",
        due_on=in_days(10),
    )
    from auditlog.context import set_actor

    with set_actor(mworld.unit_head_a):
        services.action_item_update(
            user=mworld.unit_head_a, item=item, status="in_progress", progress=30
        )
    entry = LogEntry.objects.get_for_object(item).order_by("-timestamp").first()
    assert entry.actor == mworld.unit_head_a
    assert "progress" in entry.changes_dict


def test_a_problem_with_a_refused_first_item_is_not_kept(mworld, filed):
    # given an item for a unit of another community
    with pytest.raises(ValidationError):
        # when the problem and its first item are put on the agenda together
        services.problem_create_with_item(
            user=mworld.secretary_a,
            committee=mworld.party_a,
            meeting=filed.meeting,
            title="楼道堆物",
            source=ProblemSource.RESIDENT,
            item_unit=mworld.unit_b,
            item_title="组织清理",
            item_due_on=in_days(7),
        )
    # then neither is written
    assert not Problem.objects.filter(title="楼道堆物").exists()
