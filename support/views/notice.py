"""Pages of the routine notice, on screen and as .xlsx."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from portal.audit import log_access
from portal.exports import xlsx_response
from portal.roles import require
from portal.scope import scope_for
from support import exports, forms
from support.notices import NoticePeriod, notice_build, period_presets
from support.views._common import _today


def _notice_period(request):
    today = _today()
    default = period_presets(today)[1][1]  # last month: the usual notice
    form = forms.NoticeForm(
        request.GET or None, initial={"start": default.start, "end": default.end}
    )
    if request.GET and form.is_valid():
        period = NoticePeriod(form.cleaned_data["start"], form.cleaned_data["end"])
    else:
        period = default
    return form, period


@login_required
def notice(request):
    """The routine notice for a period, as a printable page."""
    require(request.user, "support.notices")
    form, period = _notice_period(request)
    built = notice_build(scope=scope_for(request.user), period=period)
    presets = [
        (label, p.start.isoformat(), p.end.isoformat())
        for label, p in period_presets(_today())
    ]
    return render(
        request,
        "support/notice.html",
        {"form": form, "notice": built, "presets": presets},
    )


@login_required
def notice_xlsx(request):
    require(request.user, "support.notices")
    form, period = _notice_period(request)
    if request.GET and not form.is_valid():
        return render(
            request,
            "support/notice.html",
            {
                "form": form,
                "notice": notice_build(scope=scope_for(request.user), period=period),
                "presets": [],
            },
            status=400,
        )
    built = notice_build(scope=scope_for(request.user), period=period)
    # The shortfall list names workers: an export of personal data.
    named = sum(len(s.rows) for s in built.sections if s.key == "training_compliance")
    response = xlsx_response(f"{built.title}.xlsx", *exports.notice_sheets(built))
    log_access(request, "support.worker", named, export=True)
    return response
