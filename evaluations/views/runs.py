"""Pages of the monthly runs and of the scoring policy."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from evaluations import forms, scoring, selectors, services
from evaluations.models import RunStatus
from evaluations.months import month_label, month_start, next_month
from evaluations.views._common import _viewer
from portal import pages
from portal.params import query_id
from portal.roles import can, require
from portal.scope import scope_for

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
    current = month_start(timezone.localdate())
    can_run = can(user, "evaluations.run", street_id=street.pk)
    # The latest month that may be run is the form's default.
    open_months = selectors.run_months_open(street_id=street.pk) if can_run else []
    return render(
        request,
        "evaluations/runs.html",
        {
            "street": street,
            "is_street": scope.is_street_level,
            "can_run": can_run,
            "form": forms.RunStartForm(
                initial={"month": month_label(open_months[0]) if open_months else ""}
            ),
            "open_months": [month_label(m) for m in open_months],
            "months_offered": selectors.RUN_MONTHS_OFFERED,
            "current_month": month_label(current),
            "next_month_first": next_month(current),
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
    form = forms.RunStartForm(request.POST, street_id=street.pk)
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
