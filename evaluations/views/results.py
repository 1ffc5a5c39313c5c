"""Pages of the results: the month's list, publishing, one result, a unit's history."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from evaluations import feedback, forms, selectors, services
from evaluations.models import Grade, RunStatus
from evaluations.months import month_label, parse_month
from evaluations.views._common import (
    KIND_CHOICES,
    PAGE_SIZE,
    SORTS,
    _communities,
    _querystring,
    _viewer,
)
from evaluations.views.deliveries import _delivery_figures
from orgs.models import OUT_OF_SYSTEM_KINDS
from portal import pages
from portal.params import query_id
from portal.roles import can, require

# -- results ------------------------------------------------------------------------


@login_required
@require_GET
def results(request):
    """A month's results: filter by community, kind and grade; sort by score."""
    street = _viewer(request)
    user = request.user
    months = selectors.evaluation_months(user=user)
    month = None
    if request.GET.get("month"):
        try:
            month = parse_month(request.GET["month"])
        except ValidationError:
            month = None
    month = month or (months[0] if months else None)
    queryset = selectors.evaluation_list(user=user)
    grade = request.GET.get("grade") if request.GET.get("grade") in Grade else ""
    kind = request.GET.get("kind", "")
    if kind not in dict(KIND_CHOICES):
        kind = ""
    community = query_id(request.GET, "community")
    filtered = selectors.evaluation_filter(
        queryset, month=month, community=community, kind=kind, grade=grade
    )
    sort = request.GET.get("sort", "-score")
    sort = sort if sort in SORTS else "-score"
    page = pages.page(request, filtered.order_by(*SORTS[sort]), PAGE_SIZE)
    published = (
        month and selectors.publication_list(street=street).filter(month=month).first()
    )
    latest_run = (
        month
        and selectors.run_list(user=user).filter(street=street, month=month).first()
    )
    delivery_figures = None
    if published and can(user, "evaluations.reports", street_id=street.pk):
        delivery_figures = _delivery_figures(
            selectors.delivery_counts(user=user, publication=published)
        )
    return render(
        request,
        "evaluations/results.html",
        {
            "street": street,
            "month": month,
            "months": months,
            "page": page,
            "grade_counts": [
                (Grade(g).label, n)
                for g, n in sorted(
                    selectors.grade_counts(
                        selectors.evaluation_filter(
                            queryset, month=month, community=community, kind=kind
                        )
                    ).items(),
                    key=lambda item: list(Grade.values).index(item[0]),
                )
            ],
            "publication": published,
            "delivery_figures": delivery_figures,
            "latest_run": latest_run,
            "can_publish": (
                month
                and not published
                and latest_run
                and latest_run.status == RunStatus.DONE
                and can(user, "evaluations.publish", street_id=street.pk)
            ),
            "communities": _communities(request),
            "kinds": KIND_CHOICES,
            "grades": Grade.choices,
            "filters": {"grade": grade, "kind": kind, "community": community},
            "sort": sort,
            "sort_score": "score" if sort == "-score" else "-score",
            "qs": _querystring(request),
            "qs_nosort": _querystring(request, sort=None),
        },
    )


@login_required
@require_POST
def publish(request):
    street = _viewer(request)
    require(request.user, "evaluations.publish", street_id=street.pk)
    try:
        month = parse_month(request.POST.get("month"))
        publication = services.month_publish(
            user=request.user, street=street, month=month
        )
    except ValidationError as exc:
        pages.error_messages(request, exc)
        return redirect(
            reverse("evaluations:results") + "?month=" + request.POST.get("month", "")
        )
    outcome = publication.outcome
    messages.success(
        request,
        _(
            "%(month)s 的评议结果已发布：%(inbox)s 个对象的反馈已发到负责人的站内消息，"
            "%(sms)s 个对象待发短信，%(none)s 个对象未送达（可打印通知书）。"
        )
        % {
            "month": month_label(publication.month),
            "inbox": outcome.inbox,
            "sms": outcome.sms,
            "none": outcome.undeliverable,
        },
    )
    return redirect(
        reverse("evaluations:results") + "?month=" + month_label(publication.month)
    )


@login_required
def evaluation_detail(request, pk):
    """One result: metrics, sub-scores, feedback, override form and history."""
    require(request.user, "evaluations.view")
    evaluation = selectors.evaluation_get(user=request.user, pk=pk)
    can_override = not evaluation.is_published and can(
        request.user, "evaluations.override", evaluation
    )
    form = forms.OverrideForm()
    if request.method == "POST":
        require(request.user, "evaluations.override", evaluation)
        form = forms.OverrideForm(request.POST)
        if form.is_valid():
            try:
                services.evaluation_override(
                    user=request.user,
                    evaluation=evaluation,
                    grade=form.cleaned_data["grade"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                pages.error_messages(request, exc)
            else:
                messages.success(request, _("等次已调整，调整记录已保存。"))
                return redirect("evaluations:evaluation", pk=evaluation.pk)
    return render(
        request,
        "evaluations/evaluation_detail.html",
        {
            "evaluation": evaluation,
            "rows": feedback.breakdown_rows(evaluation),
            "feedback": feedback.feedback_text(evaluation)[1]
            if evaluation.is_published
            else "",
            "overrides": evaluation.overrides.select_related("created_by"),
            "form": form,
            "can_override": can_override,
        },
    )


@login_required
@require_GET
def unit_history(request, pk):
    """A unit's monthly scores and grades as a chart and a table."""
    require(request.user, "evaluations.view")
    unit = selectors.unit_get(user=request.user, pk=pk)
    history = list(selectors.unit_history(user=request.user, unit=unit))
    chart = {
        "months": [month_label(e.month) for e in history],
        "scores": [float(e.score) for e in history],
        "grades": [e.get_grade_display() for e in history],
        "published": [e.publication_id is not None for e in history],
        "labels": {
            "score": _("得分"),
            "empty": _("暂无评议结果"),
            # {score} and {grade} are filled in by history-chart.js.
            "tooltip": _("得分：{score}（{grade}）"),
        },
    }
    return render(
        request,
        "evaluations/unit_history.html",
        {
            "unit": unit,
            "history": list(reversed(history)),
            "chart_json": json.dumps(chart, ensure_ascii=False),
            "rating": selectors.rating_current(unit=unit)
            if unit.unit_kind in OUT_OF_SYSTEM_KINDS
            else None,
        },
    )
