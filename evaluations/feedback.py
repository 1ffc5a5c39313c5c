"""How a result is explained and answered (分类施策, S10): its sub-scores with
the figures behind them, and the feedback worded by its grade's category.

The text is derived from the frozen result (metrics, sub-scores, grade), so
the results page and the notice sent at publication say the same thing.
"""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from evaluations import scoring
from evaluations.metrics import COMMITTEE_METRICS, UNIT_METRICS
from evaluations.models import FeedbackCategory, Grade, SubjectKind
from evaluations.months import month_label

FEEDBACK_BY_GRADE = {
    Grade.EXCELLENT: FeedbackCategory.PRAISE,
    Grade.GOOD: FeedbackCategory.ENCOURAGE,
    Grade.FAIR: FeedbackCategory.REMINDER,
    Grade.POOR: FeedbackCategory.INTERVIEW,
}

#: A component below this sub-score is named as a weak point in the feedback.
WEAK_BELOW = 60


def _figure(component, metrics, labels):
    def part(keys):
        return " + ".join("%s %s" % (labels[k], metrics.get(k, 0)) for k in keys)

    if component.is_count:
        return part(component.numerator)
    return "%s / %s" % (part(component.numerator), part(component.denominator))


def breakdown_rows(evaluation):
    """Return each component with its figures, weight and sub-score."""
    labels = UNIT_METRICS if evaluation.kind == SubjectKind.UNIT else COMMITTEE_METRICS
    rows = []
    for component in scoring.COMPONENTS[evaluation.kind]:
        part = evaluation.breakdown.get(component.key, {})
        rows.append(
            {
                "key": component.key,
                "label": component.label,
                "figure": _figure(component, evaluation.metrics, labels),
                "score": part.get("score"),
                "weight": part.get("weight"),
            }
        )
    return rows


def _weak_points(rows):
    weak = [
        str(row["label"])
        for row in rows
        if row["score"] is not None and row["score"] < WEAK_BELOW
    ]
    return pgettext("punctuation", "、").join(weak) or _("无明显短板")


def feedback_text(evaluation):
    """Return ``(category, text)``: the grade's answer and the metrics behind it."""
    category = FEEDBACK_BY_GRADE[evaluation.grade]
    rows = breakdown_rows(evaluation)
    values = {
        "name": evaluation.subject_name,
        "month": month_label(evaluation.month),
        "score": evaluation.score,
        "grade": Grade(evaluation.grade).label,
        "weak": _weak_points(rows),
    }
    if category == FeedbackCategory.PRAISE:
        opening = (
            _(
                "%(name)s：%(month)s 共建工作评议得分 %(score)s 分，等次“%(grade)s”。"
                "街道党工委予以通报表扬，请继续保持，发挥示范带动作用。"
            )
            % values
        )
    elif category == FeedbackCategory.ENCOURAGE:
        opening = (
            _(
                "%(name)s：%(month)s 共建工作评议得分 %(score)s 分，等次“%(grade)s”。"
                "工作总体扎实，予以肯定；希望在以下方面再提升：%(weak)s。"
            )
            % values
        )
    elif category == FeedbackCategory.REMINDER:
        opening = (
            _(
                "%(name)s：%(month)s 共建工作评议得分 %(score)s 分，等次“%(grade)s”。"
                "请对照得分较低的指标（%(weak)s）抓紧改进，下月联席会议将跟踪落实情况。"
            )
            % values
        )
    else:
        opening = (
            _(
                "%(name)s：%(month)s 共建工作评议得分 %(score)s 分，等次“%(grade)s”。"
                "街道党工委将约谈贵单位党组织负责人，请于 5 个工作日内就 %(weak)s "
                "提交书面整改措施。"
            )
            % values
        )
    lines = [
        _("· %(label)s：%(score)s（%(figure)s）")
        % {
            "label": row["label"],
            "score": _("不适用") if row["score"] is None else _("%s 分") % row["score"],
            "figure": row["figure"],
        }
        for row in rows
    ]
    return category, "\n".join([opening, _("各项指标："), *lines])
