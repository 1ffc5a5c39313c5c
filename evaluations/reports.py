"""Reports: notices to departments (S23) and the in-system units' annual
co-building report (S22), as data, as .xlsx and (annual) as a printable page.

Only published months count: they are frozen, so a report of a past period
reads the same every time it is built. The .xlsx is written by
``portal.exports``, which escapes every text cell that a spreadsheet could
take for a formula (``= + - @``, tab, CR) with a quote.
"""

from datetime import date

from django.db.models import Avg, Count, Max, Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from evaluations import metrics as metric_providers
from evaluations.models import (
    CreditRating,
    Department,
    Evaluation,
    Grade,
    Publication,
    SubjectKind,
)
from evaluations.months import month_label
from evaluations.selectors import policy_in_force
from orgs.models import OUT_OF_SYSTEM_KINDS, OrgKind, OrgNode, UnitKind
from portal.exports import Sheet, xlsx_bytes

#: Which out-of-system units each department hears about: the regulators of
#: businesses hear of enterprises and merchants, tax also of social
#: organisations, environment and city management of every out-of-system unit.
DEPARTMENT_UNIT_KINDS = {
    Department.MARKET: frozenset({UnitKind.PRIVATE, UnitKind.MERCHANT}),
    Department.QUALITY: frozenset({UnitKind.PRIVATE, UnitKind.MERCHANT}),
    Department.ENVIRONMENT: OUT_OF_SYSTEM_KINDS,
    Department.CITY: OUT_OF_SYSTEM_KINDS,
    Department.TAX: frozenset(
        {UnitKind.PRIVATE, UnitKind.MERCHANT, UnitKind.SOCIAL_ORG}
    ),
}


def _grade_counts(prefix="evaluations__", months=None):
    month_q = Q(**{f"{prefix}month__in": months}) if months is not None else Q()
    return {
        grade.value: Count(
            f"{prefix}pk", filter=month_q & Q(**{f"{prefix}grade": grade.value})
        )
        for grade in Grade
    }


def department_notice_data(notice):
    """Return the title, the units' co-building rows and the rating changes."""
    street = notice.street
    months = list(
        Publication.objects.filter(
            street=street,
            month__gte=notice.period_start,
            month__lte=notice.period_end,
        ).values_list("month", flat=True)
    )
    kinds = DEPARTMENT_UNIT_KINDS[notice.department]
    in_period = Q(evaluations__month__in=months)
    units = (
        OrgNode.objects.filter(street=street, kind=OrgKind.UNIT, unit_kind__in=kinds)
        .select_related("community")
        .annotate(
            months_graded=Count("evaluations", filter=in_period),
            average=Avg("evaluations__score", filter=in_period),
            **_grade_counts(months=months),
        )
        .order_by("community__code", "code")
    )
    latest_at_end = (
        CreditRating.objects.filter(street=street, as_of_month__lte=notice.period_end)
        .order_by()
        .values("unit")
        .annotate(latest=Max("id"))
        .values("latest")
    )
    ratings = {r.unit_id: r for r in CreditRating.objects.filter(pk__in=latest_at_end)}
    unit_rows = []
    for index, unit in enumerate(units, start=1):
        rating = ratings.get(unit.pk)
        unit_rows.append(
            [
                index,
                unit.name,
                unit.get_unit_kind_display(),
                unit.community.name if unit.community else "",
                unit.months_graded,
                round(float(unit.average), 2) if unit.average is not None else "",
                getattr(unit, Grade.EXCELLENT.value),
                getattr(unit, Grade.GOOD.value),
                getattr(unit, Grade.FAIR.value),
                getattr(unit, Grade.POOR.value),
                rating.level if rating else _("未评定"),
                rating.stars if rating else "",
            ]
        )
    changes = []
    change_rows = (
        CreditRating.objects.filter(
            street=street,
            as_of_month__gte=notice.period_start,
            as_of_month__lte=notice.period_end,
            unit__unit_kind__in=kinds,
        )
        .select_related("unit", "community", "previous")
        .order_by("as_of_month", "id")
    )
    for rating in change_rows:
        previous = rating.previous
        if previous and (previous.level, previous.stars) == (
            rating.level,
            rating.stars,
        ):
            continue
        changes.append(
            [
                month_label(rating.as_of_month),
                rating.unit.name,
                rating.community.name,
                previous.level if previous else _("（首次评定）"),
                previous.stars if previous else "",
                rating.level,
                rating.stars,
                rating.get_source_display(),
                rating.reason,
            ]
        )
    return {
        "title": _("%(street)s驻区体制外单位共建情况通报（%(start)s 至 %(end)s）")
        % {
            "street": street.name,
            "start": month_label(notice.period_start),
            "end": month_label(notice.period_end),
        },
        "to": _("致：%s") % notice.get_department_display(),
        "months": [month_label(m) for m in sorted(months)],
        "unit_headers": [
            _("序号"),
            _("单位名称"),
            _("单位性质"),
            _("所属社区"),
            _("评议月数"),
            _("平均得分"),
            _("优秀"),
            _("良好"),
            _("一般"),
            _("较差"),
            _("信用等级"),
            _("星级"),
        ],
        "units": unit_rows,
        "change_headers": [
            _("生效月份"),
            _("单位名称"),
            _("所属社区"),
            _("原等级"),
            _("原星级"),
            _("新等级"),
            _("新星级"),
            _("变动来源"),
            _("理由"),
        ],
        "changes": changes,
    }


def _sheet(title, heading, headers, rows, notes=()):
    """Return a report sheet: its heading and notes above the table."""
    widths = [8 if index == 0 else 16 for index in range(len(headers))]
    return Sheet(
        title=title,
        lines=[heading, *notes],
        headers=headers,
        rows=rows,
        widths=widths,
    )


def department_notice_xlsx(notice):
    """Return the notice to a department as .xlsx bytes."""
    data = department_notice_data(notice)
    units = _sheet(
        _("共建情况"),
        data["title"],
        data["unit_headers"],
        data["units"],
        notes=[
            data["to"],
            _("统计月份（已发布）：%s")
            % (pgettext("punctuation", "、").join(data["months"]) or _("无")),
        ],
    )
    changes = _sheet(
        _("评级变动"),
        data["title"],
        data["change_headers"],
        data["changes"],
        notes=[data["to"]],
    )
    return xlsx_bytes(units, changes)


# -- annual report of an in-system unit (S22) -------------------------------------------


def annual_report_data(unit, year):
    """Return one in-system unit's year: its published months and the summary."""
    first, last = date(year, 1, 1), date(year, 12, 1)
    results = list(
        Evaluation.objects.filter(
            unit=unit,
            kind=SubjectKind.UNIT,
            month__gte=first,
            month__lte=last,
            publication__isnull=False,
        ).order_by("month")
    )
    metric_keys = list(metric_providers.UNIT_METRICS)
    headers = [
        _("月份"),
        *[str(metric_providers.UNIT_METRICS[k]) for k in metric_keys],
        _("得分"),
        _("等次"),
        _("反馈方式"),
    ]
    rows = [
        [
            month_label(e.month),
            *[e.metrics.get(k, 0) for k in metric_keys],
            float(e.score),
            e.get_grade_display(),
            e.get_feedback_category_display(),
        ]
        for e in results
    ]
    totals = {k: sum(e.metrics.get(k, 0) for e in results) for k in metric_keys}
    counts = dict.fromkeys(Grade, 0)
    for e in results:
        counts[Grade(e.grade)] += 1
    average = (
        round(sum(float(e.score) for e in results) / len(results), 2)
        if results
        else None
    )
    policy = policy_in_force(street=unit.street, month=last) if results else None
    overall = policy.grade_for(average) if policy and average is not None else None
    return {
        "unit": unit,
        "year": year,
        "title": _("%(unit)s %(year)s 年度共建工作报告（供年度综合考核参考）")
        % {"unit": unit.name, "year": year},
        "headers": headers,
        "rows": rows,
        "results": results,
        "metric_labels": [metric_providers.UNIT_METRICS[k] for k in metric_keys],
        "totals": [totals[k] for k in metric_keys],
        "grade_counts": [(grade.label, counts[grade]) for grade in Grade],
        "months": len(results),
        "average": average,
        "overall": Grade(overall).label if overall else None,
    }


def annual_report_xlsx(unit, year):
    """Return one in-system unit's annual report as .xlsx bytes."""
    data = annual_report_data(unit, year)
    rows = list(data["rows"])
    rows.append([_("合计"), *data["totals"], "", "", ""])
    months = _sheet(
        _("逐月评议"),
        data["title"],
        data["headers"],
        rows,
        notes=[
            _("单位性质：%(kind)s；所属社区：%(community)s")
            % {
                "kind": unit.get_unit_kind_display(),
                "community": unit.community.name if unit.community else "",
            }
        ],
    )
    summary = [
        [_("已发布评议月数"), data["months"]],
        [_("平均得分"), data["average"] if data["average"] is not None else ""],
        *[[label, n] for label, n in data["grade_counts"]],
        [_("年度共建等次（参考）"), data["overall"] or _("无评议结果")],
    ]
    totals = _sheet(_("年度汇总"), data["title"], [_("项目"), _("数值")], summary)
    return xlsx_bytes(months, totals)
