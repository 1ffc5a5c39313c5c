"""Two-way commitments (S20): units' views, commitments and satisfaction surveys."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluations.models import (
    Commitment,
    CommitmentTheme,
    SurveyAnswer,
    SurveyRound,
    SurveyStatus,
    UnitView,
)
from evaluations.selectors import survey_results
from evaluations.services._common import _notify_users, _users_with_role
from orgs.models import OrgKind, OrgNode
from portal.models import Role, User
from portal.roles import require

# -- two-way commitments (S20) ---------------------------------------------------------


def _check_year(year: int | str) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"year": _("请填写有效的年度。")}) from exc
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("请填写有效的年度。")})
    return year


@transaction.atomic
def unit_view_submit(
    *, user: User, unit: OrgNode, year: int | str, theme: str, content: str
) -> UnitView:
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
def commitment_create(
    *,
    user: User,
    street: OrgNode,
    year: int | str,
    theme: str,
    title: str,
    content: str = "",
) -> Commitment:
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
def survey_open(
    *, user: User, street: OrgNode, year: int | str, title: str = ""
) -> SurveyRound:
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
def survey_answer(
    *,
    user: User,
    survey: SurveyRound,
    unit: OrgNode,
    scores: Mapping[int | str, tuple[int | str, str | None]],
) -> list[SurveyAnswer]:
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
def survey_close(*, user: User, survey: SurveyRound) -> SurveyRound:
    require(user, "evaluations.commitments", street_id=survey.street_id)
    updated = SurveyRound.objects.filter(pk=survey.pk, status=SurveyStatus.OPEN).update(
        status=SurveyStatus.CLOSED, closed_at=timezone.now()
    )
    if not updated:
        raise ValidationError(_("该测评已经结束。"))
    survey.refresh_from_db()
    return survey


@transaction.atomic
def survey_send_results(*, user: User, survey: SurveyRound) -> int:
    """Send every unit head of the street the results per commitment, once."""
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
