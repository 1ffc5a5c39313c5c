"""The scoring policy and the writing of a run's scored results."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluations import scoring
from evaluations.models import (
    Evaluation,
    EvaluationRun,
    Publication,
    ScoringPolicy,
    SubjectKind,
)
from evaluations.months import month_label, month_start
from orgs.models import OrgNode
from portal.db import advisory_xact_lock
from portal.models import User
from portal.roles import require

# -- policy -----------------------------------------------------------------------------


@transaction.atomic
def policy_ensure_default(*, street: OrgNode) -> ScoringPolicy:
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


def _clean_weights(
    weights: Mapping[str, Any] | None,
    components: Iterable[scoring.Component],
    field: str,
) -> dict[str, int]:
    keys = {c.key for c in components}
    cleaned: dict[str, int] = {}
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


def _decimal(value: object, field: str) -> Decimal:
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
    user: User,
    street: OrgNode,
    effective_month: date,
    unit_weights: Mapping[str, Any] | None,
    committee_weights: Mapping[str, Any] | None,
    targets: Mapping[str, Any] | None,
    excellent_min: Decimal | float | str,
    good_min: Decimal | float | str,
    fair_min: Decimal | float | str,
    note: str = "",
) -> ScoringPolicy:
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


#: A subject to score: ``(subject id, community id)``.
Subject = tuple[int, int | None]
#: A scored subject: ``(community id, subject id, metrics JSON, breakdown JSON,
#: score, grade)``.
ResultRow = tuple[int | None, int, str, str, Decimal, str]


# -- a run's results -------------------------------------------------------------------


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


def _upsert(run: EvaluationRun, kind: str, rows: list[ResultRow]) -> None:
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
    params: dict[str, Any] | list[Any]
    if connection.vendor == "postgresql":
        sql, params = _arrays_insert(run, kind, rows, now)
    else:
        sql, params = _values_insert(run, kind, rows, now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(_COLUMNS)}) {sql} {conflict}", params
        )


def _arrays_insert(
    run: EvaluationRun, kind: str, rows: list[ResultRow], now: datetime
) -> tuple[str, dict[str, Any]]:
    """PostgreSQL: the batch as a handful of arrays, ``unnest`` into rows.

    The run's constants are one parameter each and every distinct JSON text
    is sent once (subjects with the same metrics share it), so the
    statement is a fraction of the size of a ``VALUES`` list: less to
    quote, send and parse.
    """
    texts: dict[str, int] = {}
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


def _values_insert(
    run: EvaluationRun, kind: str, rows: list[ResultRow], now: datetime
) -> tuple[str, list[Any]]:
    """Any other database (SQLite on a developer's machine): a ``VALUES`` list."""
    unit = kind == SubjectKind.UNIT
    placeholders = "(%s)" % ", ".join(["%s"] * len(_COLUMNS))
    params: list[Any] = []
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


def _result_rows(
    run: EvaluationRun,
    kind: str,
    subjects: Sequence[Subject],
    values: Mapping[int, dict[str, Any]],
) -> list[ResultRow]:
    """Return the batch's rows for ``_upsert``: metrics, score and grade.

    Subjects with the same metrics get the same score: each distinct set of
    metrics is scored (and its breakdown serialised) once per batch.
    """
    scored: dict[tuple[Any, ...], tuple[str, str, Decimal, str]] = {}
    rows: list[ResultRow] = []
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
