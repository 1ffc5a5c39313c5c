"""Credit levels and stars of out-of-system units (S23) and their appeals."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluations.models import (
    CREDIT_LEVEL_ORDER,
    Appeal,
    AppealAction,
    AppealEvent,
    AppealStatus,
    CreditLevel,
    CreditRating,
    Evaluation,
    Grade,
    Publication,
    RatingSource,
    SubjectKind,
)
from evaluations.months import month_label, month_start
from evaluations.selectors import rating_current
from evaluations.services._common import _notify_users, _users_with_role
from evaluations.uploads import APPEAL_ATTACHMENT
from orgs.models import OUT_OF_SYSTEM_KINDS, OrgKind, OrgNode
from portal.db import advisory_xact_lock
from portal.models import Role, User
from portal.roles import require
from portal.uploads import upload_check, upload_delete_quietly, upload_store

# -- credit levels and stars (S23) ---------------------------------------------------------

GRADE_POINTS: dict[str, int] = {
    Grade.EXCELLENT: 4,
    Grade.GOOD: 3,
    Grade.FAIR: 2,
    Grade.POOR: 1,
}
RATING_WINDOW_MONTHS = 12
RATING_MIN_MONTHS = 3


def credit_rules(counts: Mapping[str, int]) -> tuple[str, int, dict[str, Any]] | None:
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
def credit_ratings_derive(*, street: OrgNode, as_of: date) -> list[CreditRating]:
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
    counts: dict[int, dict[str, int]] = {}
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
    communities: dict[int, int] = {}
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
    new_rows: list[CreditRating] = []
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


def _check_level_and_stars(level: str | None, stars: Any) -> tuple[str, int]:
    """Return the level and the stars, checked."""
    if level not in CreditLevel.values:
        raise ValidationError({"level": _("请选择有效的信用等级。")})
    try:
        stars = int(stars)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"stars": _("星级应为 1 到 5。")}) from exc
    if not 1 <= stars <= 5:
        raise ValidationError({"stars": _("星级应为 1 到 5。")})
    return level, stars


def _out_of_system(unit: OrgNode) -> None:
    if unit.kind != OrgKind.UNIT or unit.unit_kind not in OUT_OF_SYSTEM_KINDS:
        raise ValidationError(
            _("信用等级和星级只评定体制外单位（非公企业、社会组织、商户等）。")
        )


def _notify_unit_heads(unit: OrgNode, **message: Any) -> int:
    heads = _users_with_role(Role.UNIT_HEAD, [unit.pk]).get(unit.pk, [])
    return _notify_users(heads, **message)


def _append_rating(
    *,
    current: CreditRating,
    level: str,
    stars: int,
    source: str,
    reason: str,
    user: User,
) -> CreditRating:
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
def credit_rating_decide(
    *, user: User, unit: OrgNode, level: str, stars: int | str, reason: str
) -> CreditRating:
    """Set a unit's level and stars by an admin's decision, with the reason."""
    require(user, "evaluations.rate", unit)
    _out_of_system(unit)
    level, stars = _check_level_and_stars(level, stars)
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
def appeal_submit(
    *, user: User, unit: OrgNode, reason: str, attachment: UploadedFile | None = None
) -> Appeal:
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
def appeal_decide(
    *,
    user: User,
    appeal: Appeal,
    accept: bool,
    reason: str,
    level: str | None = None,
    stars: int | str | None = None,
) -> Appeal:
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
        level, stars = _check_level_and_stars(level, stars)
        # An appeal is filed against the unit's rating: it has one.
        current = cast(CreditRating, rating_current(unit=appeal.unit))
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
