"""Grid cases: report, escalate through three levels, close, confirm, reopen."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from grids import selectors, services
from grids.models import (
    Case,
    CaseEventKind,
    CaseLevel,
    CaseStatus,
    ReporterKind,
)
from portal.models import Notification


def kinds(case):
    return list(case.events.order_by("at", "id").values_list("kind", flat=True))


def test_reporting_records_who_and_infers_the_reporter_kind(grid, world, make_case):
    # when a grid worker, a cadre, a unit head and a resident report
    by_worker = make_case(grid.u1, user=grid.worker1)
    by_cadre = make_case(grid.u1, user=world.street_staff)
    by_unit = make_case(grid.u1, user=world.unit_head_a, unit=world.unit_a)
    by_resident = make_case(grid.a1, user=world.volunteer_a)
    # then each case is open in its cell with a deadline and a first history row
    assert by_worker.reporter_kind == ReporterKind.WORKER
    assert by_cadre.reporter_kind == ReporterKind.CADRE
    assert by_unit.reporter_kind == ReporterKind.UNIT
    assert by_resident.reporter_kind == ReporterKind.RESIDENT
    assert by_worker.level == CaseLevel.CELL
    assert by_worker.status == CaseStatus.OPEN
    assert by_worker.deadline == timezone.localdate() + datetime.timedelta(days=3)
    assert kinds(by_worker) == [CaseEventKind.REPORTED]
    assert by_worker.community_id == world.a.pk


def test_a_report_notifies_the_grid_workers_of_the_cell(grid, world, make_case):
    make_case(grid.u1, user=world.street_staff)
    recipients = set(
        Notification.objects.filter(kind="grids.case").values_list(
            "recipient__username", flat=True
        )
    )
    # worker1 works the area above, grid_worker_a the whole community; not worker2
    assert recipients == {"worker1", "grid_worker_a"}


def test_outsiders_and_other_scopes_may_not_report(grid, world, make_case):
    with pytest.raises(PermissionDenied):
        make_case(grid.u1, user=world.outsider)
    with pytest.raises(PermissionDenied):
        make_case(grid.u1, user=grid.worker2)  # another worker's cell
    with pytest.raises(PermissionDenied):
        make_case(grid.ub, user=world.volunteer_a)  # another community


def test_a_deadline_in_the_past_is_refused(grid, make_case):
    with pytest.raises(ValidationError, match="不能早于今天"):
        make_case(grid.u1, deadline=timezone.localdate() - datetime.timedelta(days=1))


def test_escalation_goes_through_all_three_levels_with_history(grid, world, make_case):
    # given a case reported by a resident in a unit cell
    case = make_case(grid.u1, user=world.volunteer_a)
    # when the grid worker escalates it to the community
    first = services.case_escalate(
        user=grid.worker1, case=case, reason="网格内无法协调"
    )
    # then it is at community level, for the 大党委's joint meeting
    assert first.case.level == CaseLevel.COMMUNITY
    assert first.committee_kind == "big_party"
    assert first.case.deadline == timezone.localdate() + datetime.timedelta(days=7)
    # and the grid worker may no longer act on it
    with pytest.raises(PermissionDenied):
        services.case_escalate(user=grid.worker1, case=case, reason="再上报")
    # when the secretary escalates it to the street
    second = services.case_escalate(
        user=world.secretary_a, case=case, reason="大党委协调未果"
    )
    assert second.case.level == CaseLevel.STREET
    assert second.committee_kind == "big_working"
    # then the secretary may no longer act; the street may, but not escalate
    with pytest.raises(PermissionDenied):
        services.case_close(user=world.secretary_a, case=case, result="已解决")
    with pytest.raises(ValidationError, match="不能再往上报"):
        services.case_escalate(user=world.street_staff, case=case, reason="更高")
    # and the history says who, when and why at each step
    steps = list(case.events.filter(kind=CaseEventKind.ESCALATED).order_by("at", "id"))
    assert [(e.from_level, e.to_level, e.by, e.text) for e in steps] == [
        ("cell", "community", grid.worker1, "网格内无法协调"),
        ("community", "street", world.secretary_a, "大党委协调未果"),
    ]
    assert all(e.at is not None for e in steps)
    assert steps[0].actor_name == "worker1"


def test_escalation_needs_a_reason_and_an_open_case(grid, world, make_case):
    case = make_case(grid.u1)
    with pytest.raises(ValidationError, match="原因"):
        services.case_escalate(user=world.street_admin, case=case, reason="  ")
    services.case_close(user=world.street_admin, case=case, result="已处理")
    with pytest.raises(ValidationError, match="处理中"):
        services.case_escalate(user=world.street_admin, case=case, reason="x")


def test_escalation_notifies_the_next_levels_handlers(grid, world, make_case):
    case = make_case(grid.u1, user=grid.worker1)
    Notification.objects.all().delete()
    services.case_escalate(user=grid.worker1, case=case, reason="需要社区协调")
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
        "secretary_a"
    }
    Notification.objects.all().delete()
    services.case_escalate(user=world.secretary_a, case=case, reason="需要街道")
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
        "street_admin",
        "street_staff",
    }


def test_close_feeds_the_result_back_to_the_reporter_who_confirms(
    grid, world, make_case
):
    # given a resident's case
    case = make_case(grid.a1, user=world.volunteer_a)
    # when the grid worker closes it with a result
    services.case_close(user=grid.worker1, case=case, result="已联系物业清运")
    # then the resident has an inbox message with the result
    note = Notification.objects.get(recipient=world.volunteer_a)
    assert "已办结" in note.title and note.body == "已联系物业清运"
    assert note.link == f"/grids/cases/{case.pk}/"
    # when the resident confirms
    case = services.case_confirm(user=world.volunteer_a, case=case, text="满意")
    # then the case is confirmed, with its history
    assert case.status == CaseStatus.CONFIRMED
    assert kinds(case) == ["reported", "closed", "confirmed"]


def test_the_reporter_may_reopen_a_closed_case(grid, world, make_case):
    case = make_case(grid.a1, user=world.volunteer_a)
    services.case_escalate(user=grid.worker1, case=case, reason="需要社区")
    services.case_close(user=world.secretary_a, case=case, result="已清运")
    with pytest.raises(ValidationError, match="为什么"):
        services.case_reopen(user=world.volunteer_a, case=case, reason="")
    # when the resident reopens it
    case = services.case_reopen(user=world.volunteer_a, case=case, reason="又堆满了")
    # then it is open again at the level that closed it, with a new deadline
    assert case.status == CaseStatus.OPEN
    assert case.level == CaseLevel.COMMUNITY
    assert case.reopen_count == 1
    assert case.closed_by is None
    assert case.deadline == timezone.localdate() + datetime.timedelta(days=7)
    assert kinds(case) == ["reported", "escalated", "closed", "reopened"]
    # and the secretary who closed it is told
    assert Notification.objects.filter(
        recipient=world.secretary_a, title__contains="重新打开"
    ).exists()


def test_only_the_reporter_or_a_handler_may_answer(grid, world, make_case):
    case = make_case(grid.a1, user=world.volunteer_a)
    services.case_close(user=grid.worker1, case=case, result="已处理")
    for user in (world.outsider, world.unit_head_a, world.secretary_b, grid.worker2):
        with pytest.raises(PermissionDenied):
            services.case_confirm(user=user, case=case)
    # a handler records the answer given by phone, and says so
    case = services.case_confirm(user=grid.worker1, case=case)
    assert case.events.get(kind="confirmed").text == "办理人代反映人确认。"


def test_confirm_and_reopen_need_a_closed_case(grid, world, make_case):
    case = make_case(grid.a1, user=world.volunteer_a)
    with pytest.raises(ValidationError):
        services.case_confirm(user=world.volunteer_a, case=case)
    with pytest.raises(ValidationError):
        services.case_reopen(user=world.volunteer_a, case=case, reason="没解决")


def test_close_needs_a_result(grid, world, make_case):
    case = make_case(grid.u1)
    with pytest.raises(ValidationError, match="办理结果"):
        services.case_close(user=world.street_admin, case=case, result="")


def test_notes_are_kept_in_the_history(grid, world, make_case):
    case = make_case(grid.u1)
    services.case_note(user=grid.worker1, case=case, text="已联系物业")
    assert case.events.filter(kind="note", text="已联系物业").exists()


def test_overdue_cases_are_escalated_once_by_the_nightly_task(grid, world, make_case):
    from grids.tasks import escalate_overdue_cases

    # given one overdue case at cell level and one in time
    late = make_case(grid.u1)
    in_time = make_case(grid.u2)
    Case.objects.filter(pk=late.pk).update(
        deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    # when the task runs twice
    assert escalate_overdue_cases() == 1
    assert escalate_overdue_cases() == 0
    # then only the late case moved up, by the system, with the reason
    late.refresh_from_db()
    in_time.refresh_from_db()
    assert late.level == CaseLevel.COMMUNITY
    assert in_time.level == CaseLevel.CELL
    event = late.events.get(kind="escalated")
    assert event.by is None and "超过办理期限" in event.text


def test_the_schedule_lists_the_nightly_escalation():
    from portal.schedules import SCHEDULES

    assert ("grids.escalate_overdue_cases") in {task for task, _ in SCHEDULES.values()}


# -- the hook for the meetings app -----------------------------------------------


def test_cases_reaching_a_community_or_the_street_are_listed_for_the_meetings(
    grid, world, make_case
):
    # given three cases in A: one escalated to the community, one to the street,
    # one still in its cell; and one escalated in B
    to_community = make_case(grid.u1)
    to_street = make_case(grid.u2)
    make_case(grid.u1)
    in_b = make_case(grid.ub)
    services.case_escalate(
        user=world.street_admin, case=to_community, reason="社区协调"
    )
    services.case_escalate(user=world.street_admin, case=to_street, reason="社区协调")
    services.case_escalate(user=world.street_admin, case=to_street, reason="街道协调")
    services.case_escalate(user=world.street_admin, case=in_b, reason="社区协调")
    # when the meetings app asks for A's 大党委 agenda and the 大工委's
    community = selectors.cases_escalated_to(level="community", community=world.a)
    street = selectors.cases_escalated_to(level="street", street=world.street)
    # then each lists its cases with the escalation's who/when/why
    assert [c.pk for c in community] == [to_community.pk]
    assert community[0].last_escalation.text == "社区协调"
    assert community[0].last_escalation.by == world.street_admin
    assert [c.pk for c in street] == [to_street.pk]
    assert street[0].last_escalation.text == "街道协调"
    # and a case escalated before the previous meeting is left out
    later = timezone.now() + datetime.timedelta(minutes=1)
    assert selectors.cases_escalated_to(level="street", since=later) == []
    # and a closed case leaves the agenda
    services.case_close(user=world.street_admin, case=to_street, result="已解决")
    assert selectors.cases_escalated_to(level="street", street=world.street) == []


# -- concurrency -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_handlers_closing_at_once_give_exactly_one_close(world, committees):
    # given an open case, committed, and two handlers
    from grids.models import Cell

    cell = Cell.objects.get(pk=world.cell_a.pk)
    case = services.case_report(
        user=world.street_admin,
        cell=cell,
        category="environment",
        title="同时办结",
        description="两人同时点击办结",
    )
    results = []
    barrier = threading.Barrier(2)

    def close(user):
        try:
            barrier.wait()
            services.case_close(user=user, case=case, result=f"{user} 办结")
            results.append("ok")
        except ValidationError:
            results.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=close, args=(u,))
        for u in (world.secretary_a, world.grid_worker_a)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then one closed it, the other was told it is no longer open
    assert sorted(results) == ["ok", "refused"]
    assert case.events.filter(kind="closed").count() == 1
