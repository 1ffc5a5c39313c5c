"""Staff pages of the evaluations: thin, they call selectors and services."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from evaluations import delivery, feedback, forms, reports, scoring, selectors, services
from evaluations.models import (
    AppealStatus,
    CommitmentTheme,
    CreditLevel,
    DeliveryState,
    Department,
    Grade,
    RunStatus,
    SubjectKind,
    SurveyStatus,
)
from evaluations.months import add_months, month_label, month_start, parse_month
from orgs.models import IN_SYSTEM_KINDS, OUT_OF_SYSTEM_KINDS, OrgKind, OrgNode, UnitKind
from portal import pages
from portal.exports import attachment
from portal.params import query_id, query_year
from portal.roles import can, require
from portal.scope import scope_for

PAGE_SIZE = 50

KIND_CHOICES = [
    ("", gettext_lazy("全部对象")),
    (SubjectKind.UNIT, gettext_lazy("全部单位")),
    ("in_system", gettext_lazy("体制内单位")),
    ("out_of_system", gettext_lazy("体制外单位")),
    *[(value, label) for value, label in UnitKind.choices],
    (SubjectKind.COMMITTEE, gettext_lazy("委员会（大工委/大党委）")),
]
SORTS = {
    "score": ("score", "id"),
    "-score": ("-score", "id"),
    "name": ("unit__code", "committee__name", "id"),
}


def _viewer(request):
    require(request.user, "evaluations.view")
    street = selectors.street_for(request.user)
    if street is None:
        raise Http404
    return street


def _querystring(request, **changes):
    """Return the current query string without the page (and with changes)."""
    params = request.GET.copy()
    params.pop("page", None)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


def _communities(request):
    return OrgNode.objects.filter(
        scope_for(request.user).org_q(), kind=OrgKind.COMMUNITY
    ).order_by("code")


# -- runs -------------------------------------------------------------------------------


@login_required
@require_GET
def runs(request):
    """The run page: start a month, watch its progress, see the history."""
    street = _viewer(request)
    user = request.user
    scope = scope_for(user)
    run_queryset = selectors.run_list(user=user).filter(street=street)
    active = run_queryset.filter(status__in=[RunStatus.PENDING, RunStatus.RUNNING])
    focus = None
    run_id = query_id(request.GET, "run")
    if run_id:
        focus = run_queryset.filter(pk=run_id).first()
    focus = focus or active.first() or run_queryset.first()
    return render(
        request,
        "evaluations/runs.html",
        {
            "street": street,
            "is_street": scope.is_street_level,
            "can_run": can(user, "evaluations.run", street_id=street.pk),
            "form": forms.RunStartForm(
                initial={
                    "month": month_label(
                        add_months(month_start(timezone.localdate()), -1)
                    )
                }
            ),
            "focus": focus,
            "page": pages.page(request, run_queryset, 20),
            "publications": selectors.publication_list(street=street)[:24],
        },
    )


@login_required
@require_POST
def run_start(request):
    street = _viewer(request)
    # The permission before the body: a refusal says nothing about the form.
    require(request.user, "evaluations.run", street_id=street.pk)
    form = forms.RunStartForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("evaluations:runs")
    try:
        run = services.evaluation_run_start(
            user=request.user, street=street, month=form.cleaned_data["month"]
        )
    except ValidationError as exc:
        pages.error_messages(request, exc)
        return redirect("evaluations:runs")
    # The task is sent after the service's commit: the row says whether the
    # broker took it.
    run.refresh_from_db(fields=["status", "queued_at"])
    if run.waiting_for_queue:
        messages.warning(
            request,
            _(
                "已记录 %s 的评议，但任务队列暂时不可用，评议尚未开始："
                "队列恢复后将自动开始，无需重新发起。"
            )
            % month_label(run.month),
        )
    else:
        messages.success(
            request, _("已发起 %s 的评议，进度见下方。") % month_label(run.month)
        )
    return redirect(reverse("evaluations:runs") + f"?run={run.pk}")


def run_payload(run):
    return {
        "id": run.pk,
        "month": month_label(run.month),
        "status": run.status,
        "status_label": run.get_status_display(),
        "percent": run.percent,
        "units_done": run.units_done,
        "units_total": run.units_total,
        "committees_done": run.committees_done,
        "committees_total": run.committees_total,
        "finished": not run.is_active,
        "waiting_for_queue": run.waiting_for_queue,
        "duration_seconds": run.duration_seconds,
        "error": run.error,
    }


@never_cache
@login_required
@require_GET
def run_status(request, pk):
    """A small JSON the run page polls every second."""
    run = selectors.run_get(user=request.user, pk=pk)
    return JsonResponse(run_payload(run))


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


# -- feedback deliveries ---------------------------------------------------------------


def _published_month(request, street, source=None):
    """Return ``(publication, publications)``: the month asked for, else the
    latest published one (``None`` when nothing is published); 404 for a
    month given but not published."""
    publications = list(selectors.publication_list(street=street).order_by("-month"))
    value = (source if source is not None else request.GET).get("month", "")
    if not value:
        return (publications[0] if publications else None), publications
    try:
        month = parse_month(value)
    except ValidationError as exc:
        raise Http404 from exc
    for publication in publications:
        if publication.month == month:
            return publication, publications
    raise Http404


def _delivery_figures(counts):
    """``(state, label, n)`` for each state, in order (the linked counts)."""
    return [
        (value, label, counts.get(value, 0)) for value, label in DeliveryState.choices
    ]


def _delivery_rows(request, publication, state=""):
    return (
        selectors.delivery_list(user=request.user, publication=publication, state=state)
        .select_related(
            "evaluation__unit",
            "evaluation__committee",
            "evaluation__community",
            "reminder",
        )
        .order_by(
            "evaluation__community__code",
            "evaluation__unit__code",
            "evaluation__committee__name",
            "id",
        )
    )


@login_required
@require_GET
def deliveries(request):
    """A published month's feedback: who was told, who waits, who was not."""
    street = _viewer(request)
    require(request.user, "evaluations.reports", street_id=street.pk)
    publication, publications = _published_month(request, street)
    state = request.GET.get("state", "")
    state = state if state in DeliveryState.values else ""
    counts, page = {}, None
    if publication is not None:
        counts = selectors.delivery_counts(user=request.user, publication=publication)
        page = pages.page(
            request, _delivery_rows(request, publication, state), PAGE_SIZE
        )
        for row in page.object_list:
            row.how = delivery.how_reached(row)
    return render(
        request,
        "evaluations/deliveries.html",
        {
            "street": street,
            "publication": publication,
            "publications": publications,
            "state": state,
            "figures": _delivery_figures(counts),
            "counts": counts,
            "total": sum(counts.values()),
            "page": page,
            "can_retry": publication is not None
            and counts.get(DeliveryState.UNDELIVERABLE)
            and can(request.user, "evaluations.publish", street_id=street.pk),
            "qs": _querystring(request),
        },
    )


@login_required
@require_POST
def deliveries_retry(request):
    """Try again to reach the units a published month did not reach."""
    street = _viewer(request)
    require(request.user, "evaluations.publish", street_id=street.pk)
    if not request.POST.get("month"):
        raise Http404  # the form names its month: never guess which to retry
    publication, _publications = _published_month(request, street, request.POST)
    outcome = services.feedback_redeliver(user=request.user, publication=publication)
    messages.success(
        request,
        _(
            "已重新投递：%(inbox)s 个对象收到站内消息，%(sms)s 个对象待发短信，"
            "仍有 %(none)s 个对象未送达。"
        )
        % {"inbox": outcome.inbox, "sms": outcome.sms, "none": outcome.undeliverable},
    )
    return redirect(
        reverse("evaluations:deliveries") + "?month=" + month_label(publication.month)
    )


def _notice(evaluation, publication, street):
    """What a printed feedback notice shows for one result."""
    category, text = feedback.feedback_text(evaluation)
    contact = delivery.contact_node(evaluation)
    return {
        "evaluation": evaluation,
        "category": category,
        "lines": text.splitlines(),
        "contact_name": contact.contact_name if contact else "",
        "street": street,
        "issued": timezone.localtime(publication.created_at).date(),
    }


@login_required
@require_GET
def deliveries_print(request):
    """Every not-reached result's notice of a month, one per printed page."""
    street = _viewer(request)
    require(request.user, "evaluations.reports", street_id=street.pk)
    publication, _publications = _published_month(request, street)
    notices = []
    if publication is not None:
        rows = _delivery_rows(request, publication, DeliveryState.UNDELIVERABLE)
        notices = [_notice(row.evaluation, publication, street) for row in rows]
    return render(
        request,
        "evaluations/feedback_notices.html",
        {"publication": publication, "notices": notices, "batch": True},
    )


@login_required
@require_GET
def feedback_notice(request, pk):
    """One published result's feedback notice, to print and hand over."""
    require(request.user, "evaluations.view")
    evaluation = selectors.evaluation_get(user=request.user, pk=pk)
    require(request.user, "evaluations.reports", street_id=evaluation.street_id)
    if not evaluation.is_published:
        raise Http404
    publication = evaluation.publication
    street = OrgNode.objects.get(pk=evaluation.street_id)
    return render(
        request,
        "evaluations/feedback_notices.html",
        {
            "publication": publication,
            "notices": [_notice(evaluation, publication, street)],
            "batch": False,
        },
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


# -- policy ----------------------------------------------------------------------------


@login_required
def policy(request):
    """The scoring policy in force, its versions, and (admin) a new version."""
    street = _viewer(request)
    services.policy_ensure_default(street=street)
    today_month = month_start(timezone.localdate())
    current = selectors.policy_in_force(street=street, month=today_month)
    can_edit = can(request.user, "evaluations.policy", street_id=street.pk)
    form = forms.PolicyForm(
        policy=current, initial={"effective_month": month_label(today_month)}
    )
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = forms.PolicyForm(request.POST, policy=current)
        if form.is_valid():
            try:
                created = services.policy_create(
                    user=request.user, street=street, **form.service_kwargs()
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc.messages)
            else:
                messages.success(request, _("已保存为评分办法%s。") % created)
                return redirect("evaluations:policy")
    versions = list(selectors.policy_list(street=street))
    return render(
        request,
        "evaluations/policy.html",
        {
            "street": street,
            "current": current,
            "versions": versions,
            "form": form,
            "can_edit": can_edit,
            "unit_components": [
                (c, current.unit_weights.get(c.key, 0), current.targets.get(c.key))
                for c in scoring.UNIT_COMPONENTS
            ],
            "committee_components": [
                (c, current.committee_weights.get(c.key, 0))
                for c in scoring.COMMITTEE_COMPONENTS
            ],
        },
    )


# -- credit ratings, plaques and appeals ---------------------------------------------------


@login_required
@require_GET
def ratings(request):
    """Current credit levels and stars of the out-of-system units in scope."""
    street = _viewer(request)
    queryset = selectors.rating_list(user=request.user)
    level = request.GET.get("level", "")
    if level in CreditLevel.values:
        queryset = queryset.filter(level=level)
    community = query_id(request.GET, "community")
    if community:
        queryset = queryset.filter(community_id=community)
    queryset = queryset.order_by("level", "-stars", "unit__code")
    return render(
        request,
        "evaluations/ratings.html",
        {
            "street": street,
            "page": pages.page(request, queryset, PAGE_SIZE),
            "levels": CreditLevel.choices,
            "communities": _communities(request),
            "filters": {"level": level, "community": community},
            "qs": _querystring(request),
        },
    )


@login_required
@require_GET
def plaques(request):
    """The plaque list (挂牌): every rated unit with its level and stars."""
    street = _viewer(request)
    queryset = selectors.rating_list(user=request.user).order_by(
        "community__code", "level", "-stars", "unit__code"
    )
    return render(
        request,
        "evaluations/plaques.html",
        {"street": street, "ratings": queryset},
    )


@login_required
def rating_detail(request, unit_pk):
    """A unit's rating history, its appeals, and the forms that change them."""
    require(request.user, "evaluations.view")
    unit = selectors.rated_unit_get(user=request.user, pk=unit_pk)
    current = selectors.rating_current(unit=unit)
    decide_form = forms.RatingDecisionForm(
        initial={"level": current.level, "stars": current.stars} if current else None
    )
    appeal_form = forms.AppealForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "decide":
                require(request.user, "evaluations.rate", unit)
                decide_form = forms.RatingDecisionForm(request.POST)
                if decide_form.is_valid():
                    services.credit_rating_decide(
                        user=request.user, unit=unit, **decide_form.cleaned_data
                    )
                    messages.success(request, _("评级已调整，记录已保存。"))
                    return redirect("evaluations:rating", unit_pk=unit.pk)
            elif action == "appeal":
                require(request.user, "evaluations.appeal", unit)
                appeal_form = forms.AppealForm(request.POST, request.FILES)
                if appeal_form.is_valid():
                    appeal = services.appeal_submit(
                        user=request.user,
                        unit=unit,
                        reason=appeal_form.cleaned_data["reason"],
                        attachment=appeal_form.cleaned_data["attachment"],
                    )
                    messages.success(request, _("申诉已提交，街道处理后会通知您。"))
                    return redirect("evaluations:appeal", pk=appeal.pk)
            else:
                raise Http404
        except ValidationError as exc:
            pages.error_messages(request, exc)
    appeals = selectors.appeal_list(user=request.user).filter(unit=unit)
    return render(
        request,
        "evaluations/rating_detail.html",
        {
            "unit": unit,
            "current": current,
            "history": selectors.rating_history(unit=unit),
            "appeals": appeals,
            "decide_form": decide_form,
            "appeal_form": appeal_form,
            "can_decide": current and can(request.user, "evaluations.rate", unit),
            "can_appeal": current
            and can(request.user, "evaluations.appeal", unit)
            and not any(a.status == AppealStatus.OPEN for a in appeals),
        },
    )


@login_required
@require_GET
def appeals(request):
    _viewer(request)
    queryset = selectors.appeal_list(user=request.user)
    status = request.GET.get("status", "")
    if status in AppealStatus.values:
        queryset = queryset.filter(status=status)
    return render(
        request,
        "evaluations/appeals.html",
        {
            "page": pages.page(request, queryset, PAGE_SIZE),
            "statuses": AppealStatus.choices,
            "status": status,
            "qs": _querystring(request),
        },
    )


@login_required
def appeal_detail(request, pk):
    """An appeal's history, seen alike by the unit and the street."""
    require(request.user, "evaluations.view")
    appeal = selectors.appeal_get(user=request.user, pk=pk)
    can_decide = appeal.status == AppealStatus.OPEN and can(
        request.user, "evaluations.decide_appeal", appeal
    )
    form = forms.AppealDecisionForm(
        initial={"level": appeal.rating.level, "stars": appeal.rating.stars}
    )
    if request.method == "POST":
        if not can(request.user, "evaluations.decide_appeal", appeal):
            raise PermissionDenied
        form = forms.AppealDecisionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.appeal_decide(
                    user=request.user,
                    appeal=appeal,
                    accept=data["decision"] == "accept",
                    reason=data["reason"],
                    level=data.get("level"),
                    stars=data.get("stars"),
                )
            except ValidationError as exc:
                pages.error_messages(request, exc)
            else:
                messages.success(request, _("申诉已处理，已通知该单位。"))
                return redirect("evaluations:appeal", pk=appeal.pk)
    return render(
        request,
        "evaluations/appeal_detail.html",
        {
            "appeal": appeal,
            "events": appeal.events.select_related("actor"),
            "history": selectors.rating_history(unit=appeal.unit),
            "form": form,
            "can_decide": can_decide,
        },
    )


@login_required
@require_GET
def appeal_attachment(request, pk):
    """Serve an appeal's attachment to those who may see the appeal."""
    require(request.user, "evaluations.view")
    appeal = selectors.appeal_get(user=request.user, pk=pk)
    if not appeal.attachment or not default_storage.exists(appeal.attachment):
        raise Http404
    extension = appeal.attachment.rsplit(".", 1)[-1]
    response = FileResponse(
        default_storage.open(appeal.attachment, "rb"),
        content_type=appeal.attachment_type or "application/octet-stream",
        as_attachment=True,
        filename=f"appeal-{appeal.pk}.{extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# -- notices and annual reports ---------------------------------------------------------


@login_required
def notices(request):
    """Notices to departments: issue one for a period, download its .xlsx."""
    street = _viewer(request)
    require(request.user, "evaluations.reports", street_id=street.pk)
    today = month_start(timezone.localdate())
    form = forms.NoticeForm(
        initial={
            "period_start": month_label(add_months(today, -12)),
            "period_end": month_label(add_months(today, -1)),
        }
    )
    if request.method == "POST":
        form = forms.NoticeForm(request.POST)
        if form.is_valid():
            try:
                notice = services.department_notice_create(
                    user=request.user, street=street, **form.cleaned_data
                )
            except ValidationError as exc:
                pages.error_messages(request, exc)
            else:
                messages.success(request, _("通报已生成：%s。") % notice)
                return redirect("evaluations:notices")
    return render(
        request,
        "evaluations/notices.html",
        {
            "form": form,
            "page": pages.page(
                request, selectors.notice_list(user=request.user), PAGE_SIZE
            ),
            "kinds_note": [
                (
                    department.label,
                    pgettext("punctuation", "、").join(
                        str(UnitKind(kind).label)
                        for kind in sorted(reports.DEPARTMENT_UNIT_KINDS[department])
                    ),
                )
                for department in Department
            ],
        },
    )


@login_required
@require_GET
def notice_download(request, pk):
    notice = selectors.notice_get(user=request.user, pk=pk)
    require(request.user, "evaluations.reports", street_id=notice.street_id)
    return attachment(
        reports.department_notice_xlsx(notice),
        "notice-%s-%s-%s.xlsx"
        % (
            notice.department,
            month_label(notice.period_start),
            month_label(notice.period_end),
        ),
    )


def _year(request):
    today = timezone.localdate()
    return query_year(request.GET, default=today.year - (1 if today.month < 3 else 0))


@login_required
@require_GET
def annual(request):
    """The in-system units in scope, each with its annual report."""
    _viewer(request)
    year = _year(request)
    units = (
        selectors.unit_list(user=request.user)
        .filter(unit_kind__in=IN_SYSTEM_KINDS)
        .select_related("community")
        .order_by("community__code", "code")
    )
    return render(
        request,
        "evaluations/annual.html",
        {
            "year": year,
            "years": list(range(timezone.localdate().year, 2018, -1)),
            "page": pages.page(request, units, PAGE_SIZE),
            "qs": _querystring(request),
        },
    )


@login_required
@require_GET
def annual_report(request, unit_pk, year):
    require(request.user, "evaluations.view")
    unit = selectors.in_system_unit_get(user=request.user, pk=unit_pk)
    return render(
        request,
        "evaluations/annual_report.html",
        {"data": reports.annual_report_data(unit, year), "unit": unit, "year": year},
    )


@login_required
@require_GET
def annual_report_xlsx(request, unit_pk, year):
    require(request.user, "evaluations.view")
    unit = selectors.in_system_unit_get(user=request.user, pk=unit_pk)
    return attachment(
        reports.annual_report_xlsx(unit, year), f"annual-{unit.code}-{year}.xlsx"
    )


# -- commitments and surveys -------------------------------------------------------------


def _head_unit(user):
    """The unit a unit head answers for (his first), or None."""
    ids = scope_for(user).unit_ids
    if not ids:
        return None
    return OrgNode.objects.filter(pk=min(ids)).first()


@login_required
def commitments(request):
    """The year's commitments with their satisfaction, units' views, surveys."""
    street = _viewer(request)
    user = request.user
    years = selectors.commitment_years(user=user)
    year = (
        _year(request)
        if request.GET.get("year")
        else (years[0] if years else timezone.localdate().year)
    )
    can_manage = can(user, "evaluations.commitments", street_id=street.pk)
    unit = _head_unit(user)
    commitment_form = forms.CommitmentForm(initial={"year": year})
    view_form = forms.UnitViewForm(initial={"year": year})
    survey_form = forms.SurveyOpenForm(initial={"year": year})
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action in ("commitment", "survey"):
                require(user, "evaluations.commitments", street_id=street.pk)
            if action == "commitment":
                commitment_form = forms.CommitmentForm(request.POST)
                if commitment_form.is_valid():
                    services.commitment_create(
                        user=user, street=street, **commitment_form.cleaned_data
                    )
                    messages.success(request, _("承诺事项已保存。"))
                    return redirect(
                        reverse("evaluations:commitments") + f"?year={year}"
                    )
            elif action == "view":
                if unit is None:
                    raise PermissionDenied
                view_form = forms.UnitViewForm(request.POST)
                if view_form.is_valid():
                    services.unit_view_submit(
                        user=user, unit=unit, **view_form.cleaned_data
                    )
                    messages.success(request, _("意见建议已提交，谢谢！"))
                    return redirect(
                        reverse("evaluations:commitments") + f"?year={year}"
                    )
            elif action == "survey":
                survey_form = forms.SurveyOpenForm(request.POST)
                if survey_form.is_valid():
                    survey = services.survey_open(
                        user=user, street=street, **survey_form.cleaned_data
                    )
                    messages.success(request, _("测评已发起。"))
                    return redirect("evaluations:survey", pk=survey.pk)
            else:
                raise Http404
        except ValidationError as exc:
            pages.error_messages(request, exc)
    return render(
        request,
        "evaluations/commitments.html",
        {
            "year": year,
            "years": sorted(set(years) | {year}, reverse=True),
            "commitments": selectors.commitment_list(user=user, year=year),
            "views": selectors.unit_view_list(user=user, year=year)[:200],
            "surveys": selectors.survey_list(user=user, year=year),
            "can_manage": can_manage,
            "unit": unit,
            "commitment_form": commitment_form,
            "view_form": view_form,
            "survey_form": survey_form,
            "themes": CommitmentTheme.choices,
        },
    )


@login_required
def survey_detail(request, pk):
    """A survey: a unit head answers it; the results per commitment."""
    require(request.user, "evaluations.view")
    user = request.user
    survey = selectors.survey_get(user=user, pk=pk)
    can_manage = can(user, "evaluations.commitments", street_id=survey.street_id)
    unit = _head_unit(user)
    commitments_qs = selectors.commitment_list(user=user, year=survey.year).filter(
        street_id=survey.street_id
    )
    answers = selectors.survey_answers_of_unit(survey=survey, unit=unit) if unit else {}
    form = forms.SurveyAnswerForm(commitments=commitments_qs, answers=answers)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "answer":
                if unit is None:
                    raise PermissionDenied
                form = forms.SurveyAnswerForm(
                    request.POST, commitments=commitments_qs, answers=answers
                )
                if form.is_valid():
                    services.survey_answer(
                        user=user, survey=survey, unit=unit, scores=form.scores()
                    )
                    messages.success(request, _("测评已提交，谢谢！"))
                    return redirect("evaluations:survey", pk=survey.pk)
            elif action == "close":
                services.survey_close(user=user, survey=survey)
                messages.success(request, _("测评已结束。"))
                return redirect("evaluations:survey", pk=survey.pk)
            elif action == "send":
                sent = services.survey_send_results(user=user, survey=survey)
                messages.success(
                    request, _("测评结果已反馈给 %s 位单位负责人。") % sent
                )
                return redirect("evaluations:survey", pk=survey.pk)
            else:
                raise Http404
        except ValidationError as exc:
            pages.error_messages(request, exc)
    show_results = can_manage or survey.results_sent_at is not None
    return render(
        request,
        "evaluations/survey.html",
        {
            "survey": survey,
            "results": selectors.survey_results(survey=survey) if show_results else [],
            "show_results": show_results,
            "units_answered": selectors.survey_units_answered(survey=survey),
            "can_manage": can_manage,
            "can_answer": unit is not None
            and survey.status == SurveyStatus.OPEN
            and can(user, "evaluations.answer_survey", unit),
            "unit": unit,
            "form": form,
        },
    )
