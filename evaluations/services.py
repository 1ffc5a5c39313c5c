"""Every write of the evaluations app.

Keyword-only arguments, one transaction, permission first (``require`` → 403),
then the rule checks (``ValidationError`` with a Chinese message). Views, API,
tasks, commands and the demo seed all call these.
"""

import json
import logging
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Count, F, Max, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluations import metrics as metric_providers
from evaluations import scoring
from evaluations.delivery import feedback_deliver
from evaluations.feedback import FEEDBACK_BY_GRADE
from evaluations.models import (
    ACTIVE_RUN_STATUSES,
    CREDIT_LEVEL_ORDER,
    Appeal,
    AppealAction,
    AppealEvent,
    AppealStatus,
    Commitment,
    CommitmentTheme,
    CreditLevel,
    CreditRating,
    Department,
    DepartmentNotice,
    Evaluation,
    EvaluationRun,
    Grade,
    GradeOverride,
    Publication,
    RatingSource,
    RunStatus,
    RunTrigger,
    ScoringPolicy,
    SubjectKind,
    SurveyAnswer,
    SurveyRound,
    SurveyStatus,
    UnitView,
)
from evaluations.months import add_months, month_label, month_start, next_month
from evaluations.selectors import policy_in_force, rating_current
from evaluations.uploads import APPEAL_ATTACHMENT
from orgs.models import (
    OUT_OF_SYSTEM_KINDS,
    Committee,
    CommitteeKind,
    OrgKind,
    OrgNode,
)
from portal.db import advisory_xact_lock
from portal.models import Role, RoleAssignment
from portal.notify import notify
from portal.roles import require
from portal.uploads import upload_check, upload_delete_quietly, upload_store

log = logging.getLogger("portal.evaluations")

#: Committees that are evaluated: the street's 大工委 and each community's 大党委.
EVALUATED_COMMITTEES = (CommitteeKind.BIG_WORKING, CommitteeKind.BIG_PARTY)


def _setting(name, default):
    return getattr(settings, name, default)


def _month_lock(street_id, month):
    """Serialise runs, overrides and publication of one street's month."""
    advisory_xact_lock(f"evaluations.month.{street_id}", month.year * 100 + month.month)


def _is_published(street_id, month):
    return Publication.objects.filter(street_id=street_id, month=month).exists()


def _refuse_published(street_id, month):
    if _is_published(street_id, month):
        raise ValidationError(
            _("%s 的评议结果已发布，已冻结，不能再重新评议或调整。")
            % month_label(month)
        )


def _users_with_role(role, node_ids):
    """Return ``{node id: [user ids]}`` of active users holding ``role`` there."""
    holders = {}
    rows = RoleAssignment.objects.filter(
        role=role, org_node_id__in=list(node_ids), user__is_active=True
    ).values_list("org_node_id", "user_id")
    for node_id, user_id in rows:
        holders.setdefault(node_id, []).append(user_id)
    return holders


def _notify_users(user_ids, **message):
    from portal.models import User

    users = list(User.objects.filter(pk__in=set(user_ids)))
    if users:
        notify(recipients=users, **message)
    return len(users)


# -- policy -----------------------------------------------------------------------------


@transaction.atomic
def policy_ensure_default(*, street):
    """Return the street's policy version 1, creating the default if missing."""
    policy = ScoringPolicy.objects.filter(street=street).order_by("version").first()
    if policy is not None:
        return policy
    advisory_xact_lock("evaluations.policy", street.pk)
    policy, _created = ScoringPolicy.objects.get_or_create(
        street=street,
        version=1,
        defaults={
            "effective_month": date(2000, 1, 1),
            "note": _("默认评分办法"),
            **scoring.default_policy_fields(),
        },
    )
    return policy


def _clean_weights(weights, components, field):
    keys = {c.key for c in components}
    cleaned = {}
    for key, value in (weights or {}).items():
        if key not in keys:
            raise ValidationError({field: _("未知的指标“%s”。") % key})
        try:
            number = int(value)
        except (TypeError, ValueError) as exc:
            raise ValidationError({field: _("权重必须是整数。")}) from exc
        if number < 0 or number > 100:
            raise ValidationError({field: _("权重应在 0 到 100 之间。")})
        cleaned[key] = number
    for key in keys:
        cleaned.setdefault(key, 0)
    if sum(cleaned.values()) <= 0:
        raise ValidationError({field: _("至少要有一项指标的权重大于 0。")})
    return cleaned


def _decimal(value, field):
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: _("请填写数字。")}) from exc
    if not number.is_finite() or number < 0 or number > 100:
        raise ValidationError({field: _("分数线应在 0 到 100 之间。")})
    return number.quantize(Decimal("0.01"))


@transaction.atomic
def policy_create(
    *,
    user,
    street,
    effective_month,
    unit_weights,
    committee_weights,
    targets,
    excellent_min,
    good_min,
    fair_min,
    note="",
):
    """Create the next version of the street's policy; never edit an old one.

    The new version may only take effect after the last published month, so a
    published month keeps the policy it was graded with.
    """
    require(user, "evaluations.policy", street_id=street.pk)
    advisory_xact_lock("evaluations.policy", street.pk)
    policy_ensure_default(street=street)
    effective_month = month_start(effective_month)
    last_published = Publication.objects.filter(street=street).aggregate(
        last=Max("month")
    )["last"]
    if last_published and effective_month <= last_published:
        raise ValidationError(
            {
                "effective_month": _(
                    "生效月份必须晚于最近已发布的月份（%s）：已发布的月份保持原评分办法。"
                )
                % month_label(last_published)
            }
        )
    cleaned_targets = {}
    for component in scoring.UNIT_COMPONENTS:
        if component.is_count:
            try:
                target = int((targets or {}).get(component.key, 1))
            except (TypeError, ValueError) as exc:
                raise ValidationError({"targets": _("月目标必须是整数。")}) from exc
            if target < 1 or target > 1000:
                raise ValidationError({"targets": _("月目标应在 1 到 1000 之间。")})
            cleaned_targets[component.key] = target
    excellent = _decimal(excellent_min, "excellent_min")
    good = _decimal(good_min, "good_min")
    fair = _decimal(fair_min, "fair_min")
    if not excellent > good > fair:
        raise ValidationError(
            {"excellent_min": _("分数线须满足：优秀 > 良好 > 一般。")}
        )
    version = (
        ScoringPolicy.objects.filter(street=street).aggregate(v=Max("version"))["v"]
        or 0
    ) + 1
    policy = ScoringPolicy(
        street=street,
        version=version,
        effective_month=effective_month,
        unit_weights=_clean_weights(
            unit_weights, scoring.UNIT_COMPONENTS, "unit_weights"
        ),
        committee_weights=_clean_weights(
            committee_weights, scoring.COMMITTEE_COMPONENTS, "committee_weights"
        ),
        targets=cleaned_targets,
        excellent_min=excellent,
        good_min=good,
        fair_min=fair,
        note=(note or "").strip()[:500],
        created_by=user,
    )
    policy.full_clean()
    policy.save()
    return policy


# -- runs -------------------------------------------------------------------------------


def _stale_cutoff():
    return timezone.now() - timedelta(
        seconds=_setting("EVALUATION_RUN_STALE_SECONDS", 300)
    )


@transaction.atomic
def evaluation_run_start(
    *, user, street, month, trigger=RunTrigger.BUTTON, enqueue=True
):
    """Create a run of ``street``'s ``month`` and enqueue its task on commit.

    Refused for a published month, a month not yet over, and while another run
    of the month is alive. A run whose worker went silent (no heartbeat for
    ``EVALUATION_RUN_STALE_SECONDS``) is marked abandoned and replaced.
    """
    if user is not None:
        require(user, "evaluations.run", street_id=street.pk)
    month = month_start(month)
    if month >= month_start(timezone.localdate()):
        raise ValidationError(
            {"month": _("只能评议已经结束的月份（%s 尚未结束）。") % month_label(month)}
        )
    _month_lock(street.pk, month)
    _refuse_published(street.pk, month)
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
    policy = policy_in_force(street=street, month=month)
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


def _run_dispatch(run_id):
    """Send the run's task; record when the broker took it. Return whether it did.

    Called after the commit that recorded the run (or its requeue), so a
    worker fast enough to start before ``queued_at`` is written finds the row.
    """
    from evaluations.tasks import run_evaluation
    from portal.tasks import enqueue

    if enqueue(run_evaluation, run_id) is None:
        return False
    EvaluationRun.objects.filter(pk=run_id, queued_at__isnull=True).update(
        queued_at=timezone.now()
    )
    return True


def evaluation_runs_watch():
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


def _own(run_id, token, **progress):
    """Advance the run's progress if this execution still owns it.

    Runs inside the batch's transaction; the UPDATE takes the run's row lock,
    so the batch's writes and the progress commit together or not at all.
    """
    updated = EvaluationRun.objects.filter(
        pk=run_id, token=token, status=RunStatus.RUNNING
    ).update(heartbeat_at=timezone.now(), **progress)
    if not updated:
        raise RunLost()


#: Columns a run writes; on conflict all but ``created_at``, ``kind`` and the
#: subject are replaced, and ``grade``/``overridden`` follow ``_KEEP_OVERRIDE``.
_COLUMNS = (
    "street_id",
    "community_id",
    "kind",
    "unit_id",
    "committee_id",
    "month",
    "run_id",
    "policy_id",
    "metrics",
    "breakdown",
    "score",
    "computed_grade",
    "grade",
    "overridden",
    "feedback_category",
    "created_at",
    "updated_at",
)
_REPLACED = (
    "street_id",
    "community_id",
    "run_id",
    "policy_id",
    "metrics",
    "breakdown",
    "score",
    "computed_grade",
    "updated_at",
)
#: An admin's override of the grade survives a rerun; it stops being one
#: when the new computed grade equals it.
_KEEP_OVERRIDE = (
    "grade = CASE WHEN {t}.overridden THEN {t}.grade ELSE excluded.computed_grade END,"
    " overridden = {t}.overridden AND {t}.grade <> excluded.computed_grade"
)


def _upsert(run, kind, rows):
    """Insert or update one batch of results in one statement.

    ``rows`` are ``(community_id, subject_id, metrics, breakdown, score,
    grade)`` with ``metrics`` and ``breakdown`` as JSON text. One multi-row
    ``INSERT … ON CONFLICT (subject, month) DO UPDATE``, never a write per
    subject or ``bulk_create`` of model instances. Only constant identifiers
    go into the statement's text; every value is a parameter.
    """
    if not rows:
        return
    subject = "unit_id" if kind == SubjectKind.UNIT else "committee_id"
    table = Evaluation._meta.db_table
    updates = ", ".join(f"{c} = excluded.{c}" for c in _REPLACED)
    conflict = (
        f"ON CONFLICT ({subject}, month) WHERE {subject} IS NOT NULL"
        f" DO UPDATE SET {updates},"
        f" {_KEEP_OVERRIDE.format(t=table)}"
    )
    now = timezone.now()
    if connection.vendor == "postgresql":
        sql, params = _arrays_insert(run, kind, rows, now)
    else:
        sql, params = _values_insert(run, kind, rows, now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(_COLUMNS)}) {sql} {conflict}", params
        )


def _arrays_insert(run, kind, rows, now):
    """PostgreSQL: the batch as a handful of arrays, ``unnest`` into rows.

    The run's constants are one parameter each and every distinct JSON text
    is sent once (subjects with the same metrics share it), so the
    statement is a fraction of the size of a ``VALUES`` list: less to
    quote, send and parse.
    """
    texts = {}
    columns = list(zip(*rows, strict=True))
    metrics = [texts.setdefault(text, len(texts) + 1) for text in columns[2]]
    breakdowns = [texts.setdefault(text, len(texts) + 1) for text in columns[3]]
    unit = kind == SubjectKind.UNIT
    subject = "r.subject_id, NULL" if unit else "NULL, r.subject_id"
    sql = (
        "SELECT %(street)s, r.community_id, %(kind)s, "  # noqa: S608 (a constant of two)
        + subject
        + ", %(month)s, %(run)s, %(policy)s, j.texts[r.metrics],"
        " j.texts[r.breakdown], r.score, r.grade, r.grade, false, '', %(now)s,"
        " %(now)s FROM (SELECT %(texts)s::jsonb[] AS texts) j,"
        " unnest(%(communities)s::bigint[], %(subjects)s::bigint[],"
        " %(metrics)s::int[], %(breakdowns)s::int[], %(scores)s::numeric[],"
        " %(grades)s::varchar[])"
        " AS r(community_id, subject_id, metrics, breakdown, score, grade)"
    )
    params = {
        "street": run.street_id,
        "kind": kind,
        "month": run.month,
        "run": run.pk,
        "policy": run.policy_id,
        "now": now,
        "texts": list(texts),
        "communities": list(columns[0]),
        "subjects": list(columns[1]),
        "metrics": metrics,
        "breakdowns": breakdowns,
        "scores": list(columns[4]),
        "grades": list(columns[5]),
    }
    return sql, params


def _values_insert(run, kind, rows, now):
    """Any other database (SQLite on a developer's machine): a ``VALUES`` list."""
    unit = kind == SubjectKind.UNIT
    placeholders = "(%s)" % ", ".join(["%s"] * len(_COLUMNS))
    params = []
    for community_id, subject_id, metrics, breakdown, score, grade in rows:
        params += [
            run.street_id,
            community_id,
            kind,
            subject_id if unit else None,
            None if unit else subject_id,
            run.month,
            run.pk,
            run.policy_id,
            metrics,
            breakdown,
            score,
            grade,
            grade,
            False,
            "",
            now,
            now,
        ]
    return "VALUES " + ", ".join([placeholders] * len(rows)), params


def _result_rows(run, kind, subjects, values):
    """Return the batch's rows for ``_upsert``: metrics, score and grade.

    Subjects with the same metrics get the same score: each distinct set of
    metrics is scored (and its breakdown serialised) once per batch.
    """
    scored = {}
    rows = []
    for subject_id, community_id in subjects:
        metrics = values[subject_id]
        key = tuple(metrics.values())
        if key not in scored:
            total, breakdown = scoring.score(run.policy, kind, metrics)
            scored[key] = (
                json.dumps(metrics),
                json.dumps(breakdown),
                total,
                run.policy.grade_for(total),
            )
        rows.append((community_id, subject_id, *scored[key]))
    return rows


def evaluation_run_execute(*, run_id):
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


def _batches(units, committees, size):
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


def _execute(run, token):
    batch_size = max(int(_setting("EVALUATION_BATCH_SIZE", 1000)), 1)
    delay = float(_setting("EVALUATION_BATCH_DELAY_SECONDS", 0))
    start, end = run.month, next_month(run.month)
    units = list(
        OrgNode.objects.filter(street_id=run.street_id, kind=OrgKind.UNIT)
        .order_by("pk")
        .values_list("pk", "community_id")
    )
    committees = list(
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
            progress = dict(totals) if number == 1 else {}
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


def evaluation_run_previous_month(*, today=None):
    """Start last month's run for every street (the 1st-of-month schedule).

    Skips a street whose month is published or already has a live run; never
    publishes. Return the runs started.
    """
    today = today or timezone.localdate()
    month = add_months(month_start(today), -1)
    started = []
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


# -- override and publication -----------------------------------------------------------


@transaction.atomic
def evaluation_override(*, user, evaluation, grade, reason):
    """Change a result's grade with a written reason; keep the history."""
    require(user, "evaluations.override", evaluation)
    reason = (reason or "").strip()
    if grade not in Grade.values:
        raise ValidationError({"grade": _("请选择有效的等次。")})
    if len(reason) < 4:
        raise ValidationError({"reason": _("请写明调整等次的理由（至少4个字）。")})
    _month_lock(evaluation.street_id, evaluation.month)
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if evaluation.publication_id or _is_published(
        evaluation.street_id, evaluation.month
    ):
        raise ValidationError(
            _("%s 的评议结果已发布，不能再调整等次。") % month_label(evaluation.month)
        )
    if grade == evaluation.grade:
        raise ValidationError({"grade": _("新等次与当前等次相同。")})
    override = GradeOverride(
        evaluation=evaluation,
        from_grade=evaluation.grade,
        to_grade=grade,
        reason=reason,
        created_by=user,
    )
    override.full_clean()
    override.save()
    evaluation.grade = grade
    evaluation.overridden = grade != evaluation.computed_grade
    evaluation.save(update_fields=["grade", "overridden", "updated_at"])
    return override


@transaction.atomic
def month_publish(*, user, street, month):
    """Publish a street's month: freeze it, send each unit its feedback.

    The feedback goes to the heads' inboxes, else by SMS to the contact's
    mobile, else the unit is listed as not reached (``evaluations.delivery``);
    ``publication.outcome`` says how many went which way.

    Exactly one publication per (street, month): the month lock serialises
    publishers and the unique constraint backs it up; the loser gets a clear
    error and sends nothing. The credit ratings are derived again afterwards.
    """
    if user is not None:  # None: the demo seed and back-office scripts
        require(user, "evaluations.publish", street_id=street.pk)
    month = month_start(month)
    _month_lock(street.pk, month)
    _refuse_published(street.pk, month)
    run = (
        EvaluationRun.objects.select_for_update()
        .filter(street=street, month=month)
        .order_by("-created_at", "-id")
        .first()
    )
    if run is None or run.status != RunStatus.DONE:
        raise ValidationError(
            _("%s 的最近一次评议尚未完成，请先完成评议再发布。") % month_label(month)
        )
    in_force = policy_in_force(street=street, month=month)
    if in_force is None or in_force.pk != run.policy_id:
        raise ValidationError(_("评分办法在评议后已修订，请按新办法重新评议后再发布。"))
    try:
        with transaction.atomic():
            publication = Publication.objects.create(
                street=street,
                month=month,
                run=run,
                policy=run.policy,
                published_by=user,
            )
    except IntegrityError as exc:
        raise ValidationError(
            _("%s 的评议结果已由他人发布。") % month_label(month)
        ) from exc
    # Freeze the month and record each row's feedback category: one UPDATE.
    Evaluation.objects.filter(street=street, month=month).update(
        publication=publication,
        feedback_category=Case(
            *[When(grade=g, then=Value(c)) for g, c in FEEDBACK_BY_GRADE.items()]
        ),
        updated_at=timezone.now(),
    )
    outcome = feedback_deliver(publication=publication)
    publication.notices_sent = outcome.notices
    publication.save(update_fields=["notices_sent"])
    publication.outcome = outcome
    credit_ratings_derive(street=street, as_of=month)
    return publication


@transaction.atomic
def feedback_redeliver(*, user, publication):
    """Try again to reach the units a published month's feedback did not reach.

    For a head who got an account or a contact who got a mobile since: only
    undeliverable results are tried, so nobody is told twice; the results stay
    frozen. Return the ``Outcome`` (``evaluations.delivery``).
    """
    require(user, "evaluations.publish", street_id=publication.street_id)
    _month_lock(publication.street_id, publication.month)
    publication = Publication.objects.select_for_update().get(pk=publication.pk)
    outcome = feedback_deliver(publication=publication)
    if outcome.notices:
        publication.notices_sent += outcome.notices
        publication.save(update_fields=["notices_sent"])
    return outcome


# -- credit levels and stars (S23) ---------------------------------------------------------

GRADE_POINTS = {Grade.EXCELLENT: 4, Grade.GOOD: 3, Grade.FAIR: 2, Grade.POOR: 1}
RATING_WINDOW_MONTHS = 12
RATING_MIN_MONTHS = 3


def credit_rules(counts):
    """Return ``(level, stars, basis)`` from a unit's grade counts, or ``None``.

    The documented rules (the ratings page shows them too):

    1. The basis is the unit's grades in the street's last 12 published months
       (up to the month being published). A unit with fewer than 3 graded
       months is not rated yet.
    2. Points per month: 优秀 4, 良好 3, 一般 2, 较差 1; the average is taken
       over the graded months.
    3. Credit level: A when the average is at least 3.0 and at most 2 months
       are 较差; B when it is at least 2.5; C when it is at least 1.8; D
       otherwise. When half or more of the graded months are 较差 the level
       drops one more step (at most to D) — S23: poor performers are lowered a
       credit level.
    4. Stars: 1 + ⌊4 × (months 优秀 or 良好 + half the months 一般) ÷ graded
       months⌋: 5 stars when every month is 优秀 or 良好, 1 star when none is
       better than 较差.
    """
    months = sum(counts.values())
    if months < RATING_MIN_MONTHS:
        return None
    points = sum(GRADE_POINTS[grade] * n for grade, n in counts.items())
    average = Decimal(points) / Decimal(months)
    poor = counts.get(Grade.POOR, 0)
    if average >= Decimal("3.0") and poor <= 2:
        level_index = 0
    elif average >= Decimal("2.5"):
        level_index = 1
    elif average >= Decimal("1.8"):
        level_index = 2
    else:
        level_index = 3
    if poor * 2 >= months:
        level_index = min(level_index + 1, 3)
    good_months = counts.get(Grade.EXCELLENT, 0) + counts.get(Grade.GOOD, 0)
    fair_months = counts.get(Grade.FAIR, 0)
    stars = 1 + (8 * good_months + 4 * fair_months) // (2 * months)
    basis = {
        "months": months,
        "excellent": counts.get(Grade.EXCELLENT, 0),
        "good": counts.get(Grade.GOOD, 0),
        "fair": fair_months,
        "poor": poor,
        "average_points": float(average.quantize(Decimal("0.01"))),
    }
    return CREDIT_LEVEL_ORDER[level_index], stars, basis


@transaction.atomic
def credit_ratings_derive(*, street, as_of):
    """Rate every out-of-system unit of the street from its published grades.

    One GROUP BY over the window's results gives each unit's grade counts; a
    new history row is appended only where the rules' result changed since the
    unit's current row, so an admin's decision stands until the data moves.
    Return the rows appended.
    """
    advisory_xact_lock("evaluations.ratings", street.pk)
    window = list(
        Publication.objects.filter(street=street, month__lte=as_of)
        .order_by("-month")
        .values_list("month", flat=True)[:RATING_WINDOW_MONTHS]
    )
    if not window:
        return []
    counts = {}
    rows = (
        Evaluation.objects.filter(
            street=street,
            kind=SubjectKind.UNIT,
            month__in=window,
            unit__unit_kind__in=OUT_OF_SYSTEM_KINDS,
        )
        .order_by()
        .values("unit_id", "unit__community_id", "grade")
        .annotate(n=Count("pk"))
    )
    communities = {}
    for row in rows:
        counts.setdefault(row["unit_id"], {})[row["grade"]] = row["n"]
        communities[row["unit_id"]] = row["unit__community_id"]
    current = {
        rating.unit_id: rating
        for rating in CreditRating.objects.filter(
            street=street,
            pk__in=CreditRating.objects.filter(street=street)
            .order_by()
            .values("unit")
            .annotate(latest=Max("id"))
            .values("latest"),
        )
    }
    new_rows = []
    for unit_id in sorted(counts):
        result = credit_rules(counts[unit_id])
        if result is None:
            continue
        level, stars, basis = result
        basis["window"] = [month_label(m) for m in sorted(window)]
        previous = current.get(unit_id)
        if previous and (previous.derived_level, previous.derived_stars) == (
            level,
            stars,
        ):
            continue
        new_rows.append(
            CreditRating(
                street=street,
                community_id=communities[unit_id],
                unit_id=unit_id,
                level=level,
                stars=stars,
                derived_level=level,
                derived_stars=stars,
                source=RatingSource.DERIVED,
                as_of_month=as_of,
                basis=basis,
                previous=previous,
            )
        )
    return CreditRating.objects.bulk_create(new_rows, batch_size=500)


def _check_level_and_stars(level, stars):
    if level not in CreditLevel.values:
        raise ValidationError({"level": _("请选择有效的信用等级。")})
    try:
        stars = int(stars)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"stars": _("星级应为 1 到 5。")}) from exc
    if not 1 <= stars <= 5:
        raise ValidationError({"stars": _("星级应为 1 到 5。")})
    return stars


def _out_of_system(unit):
    if unit.kind != OrgKind.UNIT or unit.unit_kind not in OUT_OF_SYSTEM_KINDS:
        raise ValidationError(
            _("信用等级和星级只评定体制外单位（非公企业、社会组织、商户等）。")
        )


def _notify_unit_heads(unit, **message):
    heads = _users_with_role(Role.UNIT_HEAD, [unit.pk]).get(unit.pk, [])
    return _notify_users(heads, **message)


def _append_rating(*, current, level, stars, source, reason, user):
    rating = CreditRating(
        street_id=current.street_id,
        community_id=current.community_id,
        unit_id=current.unit_id,
        level=level,
        stars=stars,
        derived_level=current.derived_level,
        derived_stars=current.derived_stars,
        source=source,
        as_of_month=month_start(timezone.localdate()),
        basis=current.basis,
        reason=reason,
        previous=current,
        decided_by=user,
    )
    rating.full_clean()
    rating.save()
    return rating


@transaction.atomic
def credit_rating_decide(*, user, unit, level, stars, reason):
    """Set a unit's level and stars by an admin's decision, with the reason."""
    require(user, "evaluations.rate", unit)
    _out_of_system(unit)
    stars = _check_level_and_stars(level, stars)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError({"reason": _("请写明评定理由（至少4个字）。")})
    advisory_xact_lock("evaluations.ratings", unit.street_id)
    current = rating_current(unit=unit)
    if current is None:
        raise ValidationError(
            _("该单位尚无按规则评定的信用等级（需至少 3 个已发布月份的评议结果）。")
        )
    if (current.level, current.stars) == (level, stars):
        raise ValidationError(_("新的等级和星级与当前相同。"))
    rating = _append_rating(
        current=current,
        level=level,
        stars=stars,
        source=RatingSource.DECISION,
        reason=reason,
        user=user,
    )
    _notify_unit_heads(
        unit,
        title=_("【信用评级】%(unit)s 调整为 %(level)s级 %(stars)s星")
        % {"unit": unit.name, "level": level, "stars": stars},
        body=_("理由：%s\n如有异议，可在评级页面提出申诉。") % reason,
        link=reverse("evaluations:rating", args=[unit.pk]),
        kind="evaluations.rating",
    )
    return rating


# -- appeals ---------------------------------------------------------------------------


@transaction.atomic
def appeal_submit(*, user, unit, reason, attachment=None):
    """File a unit's appeal against its current rating (reason, optional file)."""
    require(user, "evaluations.appeal", unit)
    _out_of_system(unit)
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ValidationError({"reason": _("请写明申诉理由（至少10个字）。")})
    if len(reason) > 5000:
        raise ValidationError({"reason": _("申诉理由不能超过5000字。")})
    advisory_xact_lock("evaluations.ratings", unit.street_id)
    rating = rating_current(unit=unit)
    if rating is None:
        raise ValidationError(_("该单位还没有信用评级，无需申诉。"))
    if Appeal.objects.filter(unit=unit, status=AppealStatus.OPEN).exists():
        raise ValidationError(_("该单位已有一件待处理的申诉，请等待处理结果。"))
    stored = ("", "", 0)
    if attachment is not None:
        checked = upload_check(attachment, policy=APPEAL_ATTACHMENT)
        stored = (
            upload_store(checked, policy=APPEAL_ATTACHMENT),
            checked.content_type,
            len(checked.data),
        )
    try:
        appeal = Appeal(
            street_id=unit.street_id,
            community_id=unit.community_id,
            unit=unit,
            rating=rating,
            reason=reason,
            attachment=stored[0],
            attachment_type=stored[1],
            attachment_size=stored[2],
            submitted_by=user,
        )
        appeal.full_clean()
        appeal.save()
        AppealEvent.objects.create(
            appeal=appeal, action=AppealAction.SUBMITTED, note=reason, actor=user
        )
    except Exception:
        upload_delete_quietly(stored[0])
        raise
    admins = _users_with_role(Role.STREET_ADMIN, [unit.street_id]).get(
        unit.street_id, []
    )
    _notify_users(
        admins,
        title=_("【评级申诉】%s 提出申诉") % unit.name,
        body=reason[:500],
        link=reverse("evaluations:appeal", args=[appeal.pk]),
        kind="evaluations.appeal",
    )
    return appeal


@transaction.atomic
def appeal_decide(*, user, appeal, accept, reason, level=None, stars=None):
    """Accept (with the new level and stars) or reject an open appeal, once."""
    require(user, "evaluations.decide_appeal", appeal)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError({"reason": _("请写明处理意见（至少4个字）。")})
    appeal = Appeal.objects.select_for_update().select_related("unit").get(pk=appeal.pk)
    if appeal.status != AppealStatus.OPEN:
        raise ValidationError(_("该申诉已处理，不能重复处理。"))
    advisory_xact_lock("evaluations.ratings", appeal.street_id)
    if accept:
        stars = _check_level_and_stars(level, stars)
        current = rating_current(unit=appeal.unit)
        if (current.level, current.stars) == (level, stars):
            raise ValidationError(
                _("采纳申诉须改定等级或星级；若维持原评级，请选择驳回。")
            )
        appeal.result_rating = _append_rating(
            current=current,
            level=level,
            stars=stars,
            source=RatingSource.APPEAL,
            reason=reason,
            user=user,
        )
        appeal.status = AppealStatus.ACCEPTED
        action = AppealAction.ACCEPTED
    else:
        appeal.status = AppealStatus.REJECTED
        action = AppealAction.REJECTED
    appeal.decided_by = user
    appeal.decided_at = timezone.now()
    appeal.decision_reason = reason
    appeal.save(
        update_fields=[
            "status",
            "decided_by",
            "decided_at",
            "decision_reason",
            "result_rating",
            "updated_at",
        ]
    )
    AppealEvent.objects.create(appeal=appeal, action=action, note=reason, actor=user)
    _notify_unit_heads(
        appeal.unit,
        title=_("【评级申诉】您单位的申诉%s") % appeal.get_status_display(),
        body=_("处理意见：%s") % reason,
        link=reverse("evaluations:appeal", args=[appeal.pk]),
        kind="evaluations.appeal",
    )
    return appeal


# -- notices to departments --------------------------------------------------------------


@transaction.atomic
def department_notice_create(*, user, street, department, period_start, period_end):
    """Record a notice to a department for a period; its .xlsx is built from it."""
    from evaluations.reports import department_notice_data

    require(user, "evaluations.reports", street_id=street.pk)
    if department not in Department.values:
        raise ValidationError({"department": _("请选择通报部门。")})
    period_start, period_end = month_start(period_start), month_start(period_end)
    if period_end < period_start:
        raise ValidationError({"period_end": _("截止月份不能早于起始月份。")})
    if add_months(period_start, 24) <= period_end:
        raise ValidationError({"period_end": _("一次通报的期间不能超过24个月。")})
    notice = DepartmentNotice(
        street=street,
        department=department,
        period_start=period_start,
        period_end=period_end,
        created_by=user,
    )
    data = department_notice_data(notice)
    notice.units_count = len(data["units"])
    notice.changes_count = len(data["changes"])
    notice.full_clean()
    notice.save()
    return notice


# -- two-way commitments (S20) ---------------------------------------------------------


def _check_year(year):
    try:
        year = int(year)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"year": _("请填写有效的年度。")}) from exc
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("请填写有效的年度。")})
    return year


@transaction.atomic
def unit_view_submit(*, user, unit, year, theme, content):
    """Record a unit's view on a theme before the street makes its commitments."""
    require(user, "evaluations.answer_survey", unit)
    year = _check_year(year)
    content = (content or "").strip()
    if theme not in CommitmentTheme.values:
        raise ValidationError({"theme": _("请选择主题。")})
    if len(content) < 4:
        raise ValidationError({"content": _("请填写意见建议（至少4个字）。")})
    view = UnitView(
        street_id=unit.street_id,
        community_id=unit.community_id,
        unit=unit,
        year=year,
        theme=theme,
        content=content,
        submitted_by=user,
    )
    view.full_clean()
    view.save()
    return view


@transaction.atomic
def commitment_create(*, user, street, year, theme, title, content=""):
    """Record one of the street's commitments for a year under a theme."""
    require(user, "evaluations.commitments", street_id=street.pk)
    year = _check_year(year)
    title = (title or "").strip()
    if theme not in CommitmentTheme.values:
        raise ValidationError({"theme": _("请选择主题。")})
    if len(title) < 2:
        raise ValidationError({"title": _("请填写承诺事项。")})
    commitment = Commitment(
        street=street,
        year=year,
        theme=theme,
        title=title,
        content=(content or "").strip(),
        views_considered=UnitView.objects.filter(
            street=street, year=year, theme=theme
        ).count(),
        created_by=user,
    )
    commitment.full_clean()
    commitment.save()
    return commitment


@transaction.atomic
def survey_open(*, user, street, year, title=""):
    """Open a satisfaction survey of the year's commitments."""
    require(user, "evaluations.commitments", street_id=street.pk)
    year = _check_year(year)
    if not Commitment.objects.filter(street=street, year=year).exists():
        raise ValidationError(_("%s 年还没有承诺事项，无法发起测评。") % year)
    survey = SurveyRound(
        street=street,
        year=year,
        title=(title or "").strip() or _("%s 年度双向承诺满意度测评") % year,
        created_by=user,
    )
    survey.full_clean()
    survey.save()
    return survey


@transaction.atomic
def survey_answer(*, user, survey, unit, scores):
    """Record (or change, while open) a unit's 1–5 rating of each commitment.

    ``scores`` maps a commitment id to ``(score, comment)``.
    """
    require(user, "evaluations.answer_survey", unit)
    survey = SurveyRound.objects.select_for_update().get(pk=survey.pk)
    if survey.status != SurveyStatus.OPEN:
        raise ValidationError(_("该测评已结束，不能再填写。"))
    if unit.street_id != survey.street_id:
        raise ValidationError(_("该单位不属于本街道。"))
    commitments = set(
        Commitment.objects.filter(
            street_id=survey.street_id, year=survey.year
        ).values_list("pk", flat=True)
    )
    if not scores:
        raise ValidationError(_("请至少为一项承诺打分。"))
    rows = []
    for commitment_id, (score, comment) in scores.items():
        if int(commitment_id) not in commitments:
            raise ValidationError(_("承诺事项不属于本次测评。"))
        try:
            score = int(score)
        except (TypeError, ValueError) as exc:
            raise ValidationError(_("满意度应为 1 到 5 分。")) from exc
        if not 1 <= score <= 5:
            raise ValidationError(_("满意度应为 1 到 5 分。"))
        rows.append(
            SurveyAnswer(
                round=survey,
                commitment_id=int(commitment_id),
                street_id=unit.street_id,
                community_id=unit.community_id,
                unit=unit,
                score=score,
                comment=(comment or "").strip()[:500],
                answered_by=user,
            )
        )
    SurveyAnswer.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["round", "commitment", "unit"],
        update_fields=["score", "comment", "answered_by", "updated_at"],
    )
    return rows


@transaction.atomic
def survey_close(*, user, survey):
    require(user, "evaluations.commitments", street_id=survey.street_id)
    updated = SurveyRound.objects.filter(pk=survey.pk, status=SurveyStatus.OPEN).update(
        status=SurveyStatus.CLOSED, closed_at=timezone.now()
    )
    if not updated:
        raise ValidationError(_("该测评已经结束。"))
    survey.refresh_from_db()
    return survey


@transaction.atomic
def survey_send_results(*, user, survey):
    """Send every unit head of the street the results per commitment, once."""
    from evaluations.selectors import survey_results

    require(user, "evaluations.commitments", street_id=survey.street_id)
    claimed = SurveyRound.objects.filter(
        pk=survey.pk, results_sent_at__isnull=True
    ).update(
        results_sent_at=timezone.now(),
        status=SurveyStatus.CLOSED,
        closed_at=timezone.now(),
    )
    if not claimed:
        raise ValidationError(_("测评结果已经反馈过了。"))
    survey.refresh_from_db()
    lines = []
    for row in survey_results(survey=survey):
        commitment = row["commitment"]
        lines.append(
            _("· [%(theme)s] %(title)s：平均 %(avg)s 分（%(n)s 家单位评价）")
            % {
                "theme": commitment.get_theme_display(),
                "title": commitment.title,
                "avg": row["average"] if row["average"] is not None else "—",
                "n": row["answers"],
            }
        )
    units = OrgNode.objects.filter(
        street_id=survey.street_id, kind=OrgKind.UNIT
    ).values_list("pk", flat=True)
    heads = _users_with_role(Role.UNIT_HEAD, units)
    sent = _notify_users(
        [uid for ids in heads.values() for uid in ids],
        title=_("【双向承诺】%s 结果反馈") % survey.title,
        body="\n".join([_("感谢贵单位参与测评。各项承诺的满意度结果如下："), *lines]),
        link=reverse("evaluations:survey", args=[survey.pk]),
        kind="evaluations.survey",
    )
    return sent
