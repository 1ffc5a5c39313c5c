"""Monthly evaluation runs: start, queue, execute, the watchdog."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, cast

from celery import signature
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluations import metrics as metric_providers
from evaluations.models import (
    ACTIVE_RUN_STATUSES,
    EvaluationRun,
    RunStatus,
    RunTrigger,
    ScoringPolicy,
    SubjectKind,
)
from evaluations.months import add_months, month_label, month_start, next_month
from evaluations.selectors import policy_in_force, run_month_refusal
from evaluations.services._common import _month_lock, _refuse_published, _setting
from evaluations.services.scoring import (
    Subject,
    _result_rows,
    _upsert,
    policy_ensure_default,
)
from orgs.models import Committee, CommitteeKind, OrgKind, OrgNode
from portal import tasks as portal_tasks
from portal.models import User
from portal.roles import require

log = logging.getLogger("portal.evaluations")

#: Committees that are evaluated: the street's 大工委 and each community's 大党委.
EVALUATED_COMMITTEES = (CommitteeKind.BIG_WORKING, CommitteeKind.BIG_PARTY)

#: The task that executes a run (``evaluations.tasks.run_evaluation``), sent by
#: name: the tasks module calls these services, so this one does not import it.
RUN_TASK = "evaluations.run_evaluation"


# -- runs -------------------------------------------------------------------------------


def _stale_cutoff() -> datetime:
    return timezone.now() - timedelta(
        seconds=_setting("EVALUATION_RUN_STALE_SECONDS", 300)
    )


@transaction.atomic
def evaluation_run_start(
    *,
    user: User | None,
    street: OrgNode,
    month: date,
    trigger: str = RunTrigger.BUTTON,
    enqueue: bool = True,
) -> EvaluationRun:
    """Create a run of ``street``'s ``month`` and enqueue its task on commit.

    Refused for a month that may not be run (``selectors.run_month_refusal``:
    not over yet, or published) and while another run of the month is alive.
    A run whose worker went silent (no heartbeat for
    ``EVALUATION_RUN_STALE_SECONDS``) is marked abandoned and replaced.
    """
    if user is not None:
        require(user, "evaluations.run", street_id=street.pk)
    month = month_start(month)
    _month_lock(street.pk, month)
    refusal = run_month_refusal(street_id=street.pk, month=month)
    if refusal is not None:
        raise ValidationError({"month": refusal})
    active = list(
        EvaluationRun.objects.select_for_update().filter(
            street=street, month=month, status__in=ACTIVE_RUN_STATUSES
        )
    )
    cutoff = _stale_cutoff()
    # A run whose task could not be sent (broker down) blocks nothing: the new
    # run replaces it and is sent instead.
    alive = [
        run
        for run in active
        if run.heartbeat_at and run.heartbeat_at >= cutoff and not run.waiting_for_queue
    ]
    if alive:
        raise ValidationError(
            _("%(month)s 已有一次评议正在进行（进度 %(percent)s%%），请等它完成。")
            % {"month": month_label(month), "percent": alive[0].percent}
        )
    for replaced in active:
        EvaluationRun.objects.filter(pk=replaced.pk).update(
            status=RunStatus.ABANDONED,
            finished_at=timezone.now(),
            token="",
            error=(
                _("任务未能送入队列，已由新的评议取代。")
                if replaced.waiting_for_queue
                else _("执行进程长时间无响应，已由新的评议取代。")
            ),
        )
    policy_ensure_default(street=street)
    # Version 1 (just ensured) is in force from 2000 on: never None here.
    policy = cast(ScoringPolicy, policy_in_force(street=street, month=month))
    run = EvaluationRun.objects.create(
        street=street,
        month=month,
        policy=policy,
        trigger=trigger,
        created_by=user,
        heartbeat_at=timezone.now(),
        # A caller that executes the run itself (enqueue=False) has taken it.
        queued_at=None if enqueue else timezone.now(),
    )
    if enqueue:
        # A broker outage leaves the run pending and unsent (``queued_at``
        # empty): the watchdog sends it once the broker is back. It never
        # fails the request after the commit.
        transaction.on_commit(partial(_run_dispatch, run.pk))
    return run


def _run_dispatch(run_id: int) -> bool:
    """Send the run's task; record when the broker took it. Return whether it did.

    Called after the commit that recorded the run (or its requeue), so a
    worker fast enough to start before ``queued_at`` is written finds the row.
    """
    if portal_tasks.enqueue(signature(RUN_TASK), run_id) is None:
        return False
    EvaluationRun.objects.filter(pk=run_id, queued_at__isnull=True).update(
        queued_at=timezone.now()
    )
    return True


def evaluation_runs_watch() -> dict[str, int]:
    """Pick up the runs that stalled; return how many were sent, requeued, abandoned.

    The periodic watchdog: a run whose task could not be sent (the broker was
    down) is sent; a run sent or running whose heartbeat is older than
    ``EVALUATION_RUN_STALE_SECONDS`` (its message was lost, its worker died) is
    sent again once, from the start; silent again after that, it is abandoned
    with a message the run page shows. Each step is a conditional UPDATE, so
    a worker claiming the run meanwhile wins or loses cleanly, and a worker
    that comes back after its run was requeued finds its token gone.
    """
    now = timezone.now()
    cutoff = _stale_cutoff()
    summary = {"sent": 0, "requeued": 0, "abandoned": 0}
    unsent = EvaluationRun.objects.filter(
        status=RunStatus.PENDING, queued_at__isnull=True
    ).values_list("pk", flat=True)
    for run_id in list(unsent):
        summary["sent"] += _run_dispatch(run_id)
    silent = EvaluationRun.objects.filter(
        status__in=ACTIVE_RUN_STATUSES,
        queued_at__isnull=False,
        heartbeat_at__lt=cutoff,
    )
    summary["abandoned"] = silent.filter(requeues__gte=1).update(
        status=RunStatus.ABANDONED,
        finished_at=now,
        token="",
        error=_(
            "评议已中断：重新排队后执行进程仍然没有响应。"
            "请确认后台任务进程（worker）在运行，然后重新发起本月评议。"
        ),
    )
    for run_id in list(silent.filter(requeues=0).values_list("pk", flat=True)):
        with transaction.atomic():
            requeued = silent.filter(pk=run_id, requeues=0).update(
                status=RunStatus.PENDING,
                token="",
                units_done=0,
                committees_done=0,
                requeues=F("requeues") + 1,
                heartbeat_at=now,
                queued_at=None,
                error="",
            )
            if requeued:
                log.warning("evaluation run %s went silent; requeued", run_id)
                transaction.on_commit(partial(_run_dispatch, run_id))
                summary["requeued"] += 1
    return summary


class RunLost(Exception):
    """The run was taken over (abandoned and replaced) or the month published."""


def _own(run_id: int, token: str, **progress: Any) -> None:
    """Advance the run's progress if this execution still owns it.

    Runs inside the batch's transaction; the UPDATE takes the run's row lock,
    so the batch's writes and the progress commit together or not at all.
    """
    updated = EvaluationRun.objects.filter(
        pk=run_id, token=token, status=RunStatus.RUNNING
    ).update(heartbeat_at=timezone.now(), **progress)
    if not updated:
        raise RunLost()


def evaluation_run_execute(*, run_id: int) -> EvaluationRun | None:
    """Compute a run: claim it, then score the units and committees in batches.

    Claimed by a conditional UPDATE (pending, or running with a stale
    heartbeat), so two deliveries of the task never both compute. Each batch
    gathers its metrics with one aggregate query per provider and upserts its
    rows per (month, unit) / (month, committee) in one transaction with its
    progress, so a run killed half-way leaves whole batches and a rerun writes
    the same rows. Return the run, or ``None`` when there was nothing to do.
    """
    token = uuid.uuid4().hex
    now = timezone.now()
    claimed = (
        EvaluationRun.objects.filter(pk=run_id)
        .filter(
            Q(status=RunStatus.PENDING)
            | Q(status=RunStatus.RUNNING, heartbeat_at__lt=_stale_cutoff())
        )
        .update(
            status=RunStatus.RUNNING,
            token=token,
            attempts=F("attempts") + 1,
            heartbeat_at=now,
            started_at=now,
            finished_at=None,
            units_done=0,
            committees_done=0,
            error="",
        )
    )
    if not claimed:
        return None
    run = EvaluationRun.objects.select_related("policy").get(pk=run_id)
    try:
        _execute(run, token)
    except RunLost:
        log.info("evaluation run %s was taken over; stopping", run_id)
        return None
    except ValidationError as exc:
        EvaluationRun.objects.filter(pk=run_id, token=token).update(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            error="; ".join(exc.messages)[:2000],
        )
        return None
    except Exception as exc:
        EvaluationRun.objects.filter(pk=run_id, token=token).update(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            error=(str(exc) or exc.__class__.__name__)[:2000],
        )
        raise
    run.refresh_from_db()
    return run


def _batches(
    units: list[Subject], committees: list[Subject], size: int
) -> Iterator[list[tuple[SubjectKind, list[Subject]]]]:
    """Split the work into batches of at most ``size`` subjects.

    A batch is a list of ``(kind, subjects)`` parts; the street's committees
    fill the room the last batch of units leaves, so a street that fits in
    one batch is computed in one transaction.
    """
    batch, room = [], size
    for kind, subjects in (
        (SubjectKind.UNIT, units),
        (SubjectKind.COMMITTEE, committees),
    ):
        while subjects:
            part, subjects = subjects[:room], subjects[room:]
            batch.append((kind, part))
            room -= len(part)
            if not room:
                yield batch
                batch, room = [], size
    if batch:
        yield batch


#: kind → (its metrics collector, the run's progress field).
_KINDS = {
    SubjectKind.UNIT: (metric_providers.collect_unit_metrics, "units_done"),
    SubjectKind.COMMITTEE: (
        metric_providers.collect_committee_metrics,
        "committees_done",
    ),
}


def _execute(run: EvaluationRun, token: str) -> None:
    batch_size = max(int(_setting("EVALUATION_BATCH_SIZE", 1000)), 1)
    delay = float(_setting("EVALUATION_BATCH_DELAY_SECONDS", 0))
    start, end = run.month, next_month(run.month)
    units: list[Subject] = list(
        OrgNode.objects.filter(street_id=run.street_id, kind=OrgKind.UNIT)
        .order_by("pk")
        .values_list("pk", "community_id")
    )
    committees: list[Subject] = list(
        Committee.objects.filter(street_id=run.street_id, kind__in=EVALUATED_COMMITTEES)
        .order_by("pk")
        .values_list("pk", "community_id")
    )
    everyone = {SubjectKind.UNIT: len(units), SubjectKind.COMMITTEE: len(committees)}
    totals = {"units_total": len(units), "committees_total": len(committees)}
    batches = list(_batches(units, committees, batch_size))
    if not batches:  # a street with nothing to evaluate
        with transaction.atomic():
            _own(
                run.pk,
                token,
                **totals,
                status=RunStatus.DONE,
                finished_at=timezone.now(),
            )
        return
    # The totals go with the first batch and the end with the last, each in
    # that batch's transaction: a street in one batch costs one commit.
    for number, batch in enumerate(batches, start=1):
        with transaction.atomic():
            progress: dict[str, Any] = dict(totals) if number == 1 else {}
            for kind, part in batch:
                field = _KINDS[kind][1]
                progress[field] = F(field) + len(part)
            if number == len(batches):
                progress.update(status=RunStatus.DONE, finished_at=timezone.now())
            _own(run.pk, token, **progress)
            _refuse_published(run.street_id, run.month)
            for kind, part in batch:
                collect = _KINDS[kind][0]
                values = collect(
                    run.street_id,
                    start,
                    end,
                    [pk for pk, _c in part],
                    whole_street=len(part) == everyone[kind],
                )
                _upsert(run, kind, _result_rows(run, kind, part, values))
        if delay and number < len(batches):
            time.sleep(delay)


def evaluation_run_previous_month(*, today: date | None = None) -> list[EvaluationRun]:
    """Start last month's run for every street (the 1st-of-month schedule).

    Skips a street whose month is published or already has a live run; never
    publishes. Return the runs started.
    """
    today = today or timezone.localdate()
    month = add_months(month_start(today), -1)
    started: list[EvaluationRun] = []
    for street in OrgNode.objects.filter(kind=OrgKind.STREET).order_by("pk"):
        try:
            started.append(
                evaluation_run_start(
                    user=None, street=street, month=month, trigger=RunTrigger.SCHEDULE
                )
            )
        except ValidationError as exc:
            log.info("no evaluation run for %s %s: %s", street, month, exc.messages)
    return started
