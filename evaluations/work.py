"""The evaluations' part of each user's work centre (``portal.work``).

Read only, like the selectors: a fixed number of queries whatever the number
of appeals and surveys.
"""

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext as _

from evaluations.models import (
    Appeal,
    AppealStatus,
    SurveyAnswer,
    SurveyRound,
    SurveyStatus,
)
from orgs.models import OrgNode
from portal.models import User
from portal.roles import can
from portal.scope import scope_for
from portal.work import WorkItem


def work_items(user: User) -> list[WorkItem]:
    """Return the appeals waiting for a decision (who may decide them) and the
    open surveys a unit head's unit has not answered."""
    scope = scope_for(user)
    items: list[WorkItem] = []
    if scope.street_ids and can(user, "evaluations.decide_appeal"):
        appeals = (
            Appeal.objects.filter(
                street_id__in=scope.street_ids, status=AppealStatus.OPEN
            )
            .select_related("unit")
            .order_by("pk")
        )
        items += [
            WorkItem(
                kind="evaluations.appeal",
                title=_("处理申诉：%s") % appeal.unit,
                reason=_("单位对信用评级提出申诉，等待处理。"),
                url=reverse("evaluations:appeal", args=[appeal.pk])
                if can(user, "evaluations.decide_appeal", appeal)
                else None,
            )
            for appeal in appeals
        ]
    if scope.unit_ids and can(user, "evaluations.answer_survey"):
        units = OrgNode.objects.filter(pk__in=scope.unit_ids).values("street_id")
        surveys = (
            SurveyRound.objects.filter(status=SurveyStatus.OPEN, street_id__in=units)
            .exclude(
                Exists(
                    SurveyAnswer.objects.filter(
                        round_id=OuterRef("pk"), unit_id__in=scope.unit_ids
                    )
                )
            )
            .order_by("pk")
        )
        items += [
            WorkItem(
                kind="evaluations.survey",
                title=_("参加测评：%s") % survey.title,
                reason=_("请对街道的年度承诺事项打分。"),
                url=reverse("evaluations:survey", args=[survey.pk]),
            )
            for survey in surveys
        ]
    return items
