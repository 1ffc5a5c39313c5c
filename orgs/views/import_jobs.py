"""Imports of units and party members: upload, progress, templates."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from orgs import excel, imports, selectors
from orgs.forms import ImportForm
from orgs.models import ImportKind
from portal import exports
from portal.roles import require

# -- import -------------------------------------------------------------------------------

IMPORTS = {
    "units": (
        imports.units_import,
        imports.UNIT_COLUMNS,
        imports.UNIT_NOTES,
        gettext_lazy("驻街单位导入模板.xlsx"),
    ),
    "party-members": (
        imports.party_members_import,
        imports.MEMBER_COLUMNS,
        imports.MEMBER_NOTES,
        gettext_lazy("党员导入模板.xlsx"),
    ),
}


@login_required
def import_page(request):
    """Upload a file: its form is checked at once, its rows by a task."""
    require(request.user, "orgs.import")
    result = None
    status = 200
    kind = request.POST.get("kind") or request.GET.get("kind") or "units"
    if kind not in IMPORTS:
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.import_job_start(
                user=request.user, kind=kind, upload=form.cleaned_data["file"]
            )
        except excel.ImportRefused as exc:
            result = exc
            status = 400
        else:
            return redirect("orgs:import_job", pk=job.pk)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "orgs/import.html",
        {"form": form, "kind": kind, "result": result},
        status=status,
    )


def import_job_payload(job):
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "percent": job.percent,
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "finished": not job.is_active,
    }


@login_required
@require_GET
def import_job(request, pk):
    """An import's progress, then its result (imported, or every bad row)."""
    require(request.user, "orgs.import")
    job = selectors.import_job_get(user=request.user, pk=pk)
    return render(
        request,
        "orgs/import_job.html",
        {"job": job, "kind": job.kind, "list_url": _import_list_url(job)},
    )


def _import_list_url(job):
    return reverse("orgs:units" if job.kind == ImportKind.UNITS else "orgs:people")


@never_cache
@login_required
@require_GET
def import_job_status(request, pk):
    """A small JSON the import page polls every second."""
    require(request.user, "orgs.import")
    job = selectors.import_job_get(user=request.user, pk=pk)
    return JsonResponse(import_job_payload(job))


@login_required
def import_template(request, kind):
    require(request.user, "orgs.import")
    if kind not in IMPORTS:
        raise Http404
    _service, columns, notes, filename = IMPORTS[kind]
    return exports.attachment(excel.template_bytes(columns, notes), filename)
