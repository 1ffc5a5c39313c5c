"""People: the list, its export, a person's page, create and edit."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs import excel, selectors, services
from orgs.filters import PersonFilter
from orgs.forms import PersonForm
from orgs.models import OrgKind, mask_phone
from orgs.views._common import _clean_kwargs, _page_by_ids
from portal import audit, exports, pages
from portal.roles import can, require

# -- people -----------------------------------------------------------------------------


def _person_filter(request):
    return PersonFilter(
        request.GET or None,
        queryset=selectors.person_list(user=request.user),
        request=request,
    )


@login_required
def people(request):
    require(request.user, "orgs.view")
    filterset = _person_filter(request)
    page = _page_by_ids(request, filterset.qs)
    audit.log_access(request, "orgs.person", len(page.object_list))
    return render(
        request,
        "orgs/people.html",
        {
            "filter": filterset,
            "page": page,
            "show_phones": selectors.phones_visible(request.user),
            "can_create": can(request.user, "orgs.edit"),
            "can_export": can(request.user, "orgs.export"),
        },
    )


@login_required
def people_export(request):
    """The people list as .xlsx: the list's queryset and filters, row by row."""
    require(request.user, "orgs.export")
    sheet = excel.people_sheet(
        _person_filter(request).qs,
        show_phones=selectors.phones_visible(request.user),
    )
    stamp = timezone.localdate().strftime("%Y%m%d")
    response = exports.xlsx_response(_("人员-%s.xlsx") % stamp, sheet)
    audit.log_access(request, "orgs.person", sheet.count, export=True)
    return response


@login_required
def person_detail(request, pk):
    require(request.user, "orgs.view")
    person = selectors.person_get(user=request.user, pk=pk)
    audit.log_access(request, "orgs.person", 1)
    return render(
        request,
        "orgs/person_detail.html",
        {
            "person": person,
            "membership": getattr(person, "party_membership", None),
            "seats": person.seats.select_related("committee", "represents").order_by(
                "vacated_on", "term_start"
            ),
            "headed": person.headed_units.all(),
            "led": person.party_orgs_led.all(),
            "show_phones": selectors.phones_visible(request.user),
            "can_edit": _can_edit_person(request.user, person),
        },
    )


def _can_edit_person(user, person):
    return services._person_write_allowed(
        user,
        street_id=person.street_id,
        community_id=person.community_id,
        unit=person.unit,
    )


def _save_person(request, form, person=None):
    data = form.cleaned_data
    fields = _clean_kwargs(
        data, "name", "phone", "gender", "birth_year", "community", "unit"
    )
    fields["gender"] = fields.get("gender") or ""
    membership = None
    if data.get("is_member"):
        membership = {
            "party_org": data["party_org"],
            "status": data["status"],
            "employer_unit": data.get("employer_unit"),
            "residence_community": data.get("residence_community"),
            "joined_on": data.get("joined_on"),
        }
    if person is None:
        street_of = data.get("community") or data.get("unit")
        if street_of is None:
            visible = selectors.org_node_list(user=request.user)
            street_of = visible.filter(kind=OrgKind.STREET).first()
            if street_of is None:
                raise PermissionDenied(_("请选择所属社区或所在单位。"))
        street = street_of if street_of.kind == OrgKind.STREET else street_of.street
        return services.person_create_with_membership(
            user=request.user, street=street, membership=membership, **fields
        )
    changed = {k: fields[k] for k in fields if k in form.changed_data}
    return services.person_update_with_membership(
        user=request.user, person=person, fields=changed, membership=membership
    )


@login_required
def person_create(request):
    require(request.user, "orgs.edit")
    form = PersonForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            person = _save_person(request, form)
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(request, _("已登记“%s”。") % person.name)
            return redirect("orgs:person_detail", pk=person.pk)
    return render(
        request,
        "orgs/person_form.html",
        {"form": form, "title": _("登记人员"), "back": reverse("orgs:people")},
    )


@login_required
def person_edit(request, pk):
    require(request.user, "orgs.view")
    person = selectors.person_get(user=request.user, pk=pk)
    if not _can_edit_person(request.user, person):
        raise PermissionDenied
    m = getattr(person, "party_membership", None)
    initial = {
        "name": person.name,
        "phone": person.phone,
        "gender": person.gender,
        "birth_year": person.birth_year,
        "community": person.community_id,
        "unit": person.unit_id,
        "is_member": m is not None,
    }
    if m is not None:
        initial.update(
            party_org=m.party_org_id,
            status=m.status,
            employer_unit=m.employer_unit_id,
            residence_community=m.residence_community_id,
            joined_on=m.joined_on,
        )
    masked = not selectors.phones_visible(request.user)
    if masked:
        # Never send a number the viewer may not see: an empty field keeps it.
        initial["phone"] = ""
    form = PersonForm(request.POST or None, user=request.user, initial=initial)
    if masked:
        form.fields["phone"].help_text = _("留空则不修改（当前：%s）") % (
            mask_phone(person.phone) or "—"
        )
    if request.method == "POST" and form.is_valid():
        try:
            _save_person(request, form, person)
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("orgs:person_detail", pk=person.pk)
    audit.log_access(request, "orgs.person", 1)
    return render(
        request,
        "orgs/person_form.html",
        {
            "form": form,
            "title": _("修改人员：%s") % person.name,
            "back": reverse("orgs:person_detail", args=[person.pk]),
        },
    )
