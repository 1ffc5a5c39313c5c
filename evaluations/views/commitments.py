"""Pages of the two-way commitments and their surveys."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluations import forms, selectors, services
from evaluations.models import CommitmentTheme, SurveyStatus
from evaluations.views._common import _viewer, _year
from orgs.models import OrgNode
from portal import pages
from portal.roles import can, require
from portal.scope import scope_for

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
