"""Pages of a published month's feedback deliveries and printed notices."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from evaluations import delivery, feedback, selectors, services
from evaluations.models import DeliveryState
from evaluations.months import month_label, parse_month
from evaluations.views._common import PAGE_SIZE, _querystring, _viewer
from orgs.models import OrgNode
from portal import pages
from portal.roles import can, require

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
