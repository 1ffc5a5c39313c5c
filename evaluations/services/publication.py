"""Grade overrides, publishing a month, feedback deliveries, department notices."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluations.delivery import Outcome, feedback_deliver
from evaluations.feedback import FEEDBACK_BY_GRADE
from evaluations.models import (
    Department,
    DepartmentNotice,
    Evaluation,
    EvaluationRun,
    Grade,
    GradeOverride,
    Publication,
    RunStatus,
)
from evaluations.months import add_months, month_label, month_start
from evaluations.reports import department_notice_data
from evaluations.selectors import policy_in_force
from evaluations.services._common import _is_published, _month_lock, _refuse_published
from evaluations.services.ratings_appeals import credit_ratings_derive
from orgs.models import OrgNode
from portal.models import User
from portal.roles import require

# -- override and publication -----------------------------------------------------------


@transaction.atomic
def evaluation_override(
    *, user: User, evaluation: Evaluation, grade: str, reason: str
) -> GradeOverride:
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
def month_publish(*, user: User | None, street: OrgNode, month: date) -> Publication:
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
    publication.outcome = outcome  # type: ignore[attr-defined]
    credit_ratings_derive(street=street, as_of=month)
    return publication


@transaction.atomic
def feedback_redeliver(*, user: User, publication: Publication) -> Outcome:
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


# -- notices to departments --------------------------------------------------------------


@transaction.atomic
def department_notice_create(
    *,
    user: User,
    street: OrgNode,
    department: str,
    period_start: date,
    period_end: date,
) -> DepartmentNotice:
    """Record a notice to a department for a period; its .xlsx is built from it."""
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
