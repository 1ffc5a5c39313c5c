"""Staff pages of the organisations: thin, they call selectors and services.

Every page fetches through a scoped selector (another scope's object is a
404) and every write goes through a service (a forbidden action is a 403).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from orgs import excel, imports, selectors, services
from orgs.filters import PersonFilter, UnitFilter
from orgs.forms import (
    CompoundForm,
    ImportForm,
    PartyOrgForm,
    PersonForm,
    SeatForm,
    UnitForm,
    VacateForm,
)
from orgs.models import (
    IN_SYSTEM_KINDS,
    CommitteeKind,
    ImportKind,
    OrgKind,
    OrgNode,
    PartyMember,
    Person,
    ResidentialCompound,
    Seat,
    mask_phone,
)
from orgs.stats import LABELS, stats
from portal import audit, exports, pages
from portal.roles import can, require
from portal.scope import scope_for

PAGE_SIZE = 50


def _page_by_ids(request, queryset, size=PAGE_SIZE):
    """Return a page of ``queryset``: sort and slice ids first, then fetch rows.

    Sorting ten thousand narrow id rows is cheap; sorting them after joining
    every related table is not.
    """
    page = pages.page(request, queryset.values_list("pk", flat=True), size)
    ids = list(page.object_list)
    rows = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
    page.object_list = [rows[pk] for pk in ids]
    return page


def _clean_kwargs(data, *names):
    return {n: data[n] for n in names if n in data}


# -- the tree -------------------------------------------------------------------


@login_required
def tree(request):
    """The org tree: expand/collapse, search by name, party members per node."""
    require(request.user, "orgs.view")
    query = request.GET.get("q", "").strip()
    items, matches = selectors.org_tree(user=request.user, query=query)
    figures = [
        {"key": k, "label": LABELS.get(k, k), "value": v}
        for k, v in stats(scope_for(request.user)).items()
    ]
    return render(
        request,
        "orgs/tree.html",
        {"items": items, "query": query, "matches": matches, "figures": figures},
    )


# -- units ------------------------------------------------------------------------


def _unit_filter(request):
    return UnitFilter(
        request.GET or None,
        queryset=selectors.unit_list(user=request.user).order_by("code"),
        request=request,
    )


@login_required
def unit_list(request):
    require(request.user, "orgs.view")
    filterset = _unit_filter(request)
    page = pages.page(request, filterset.qs, PAGE_SIZE)
    # Each row names the unit's contact with his mobile.
    audit.log_access(request, "orgs.unit", len(page.object_list))
    return render(
        request,
        "orgs/unit_list.html",
        {
            "filter": filterset,
            "page": page,
            "show_phones": selectors.phones_visible(request.user),
            "can_create": can(request.user, "orgs.manage_tree"),
            "can_import": can(request.user, "orgs.import"),
            "can_export": can(request.user, "orgs.export"),
            "in_system_kinds": IN_SYSTEM_KINDS,
        },
    )


@login_required
def unit_export(request):
    require(request.user, "orgs.export")
    sheet = excel.units_sheet(
        _unit_filter(request).qs,
        show_phones=selectors.phones_visible(request.user),
    )
    stamp = timezone.localdate().strftime("%Y%m%d")
    response = exports.xlsx_response(_("驻街单位-%s.xlsx") % stamp, sheet)
    audit.log_access(request, "orgs.unit", sheet.count, export=True)
    return response


@login_required
def unit_detail(request, pk):
    require(request.user, "orgs.view")
    unit = selectors.org_node_get(user=request.user, pk=pk, kind=OrgKind.UNIT)
    unit = (
        OrgNode.objects.select_related("community", "head", "street")
        .filter(pk=unit.pk)
        .get()
    )
    party_orgs = list(
        unit.get_descendants()
        .filter(kind=OrgKind.PARTY_ORG)
        .select_related("secretary")
        .annotate(member_total=Count("party_members"))
    )
    members = (
        PartyMember.objects.filter(party_org__in=party_orgs)
        .select_related("person", "party_org", "residence_community")
        .order_by("person__name", "id")
    )
    staff_count = Person.objects.filter(unit=unit).count()
    seats = selectors.seats_of_unit(unit)
    cells = list(unit.cells.order_by("code"))
    members_page = pages.page(request, members, 30)
    # People shown: the contact and the head (mobiles), the page's party members.
    people = len(members_page.object_list) + bool(unit.contact_phone)
    audit.log_access(request, "orgs.unit", people + bool(unit.head_id))
    return render(
        request,
        "orgs/unit_detail.html",
        {
            "unit": unit,
            "party_orgs": party_orgs,
            "members_page": members_page,
            "member_total": sum(p.member_total for p in party_orgs),
            "staff_count": staff_count,
            "seats": seats,
            "cells": cells,
            "show_phones": selectors.phones_visible(request.user),
            "can_edit": can(request.user, "orgs.edit", unit),
        },
    )


@login_required
def unit_create(request):
    require(request.user, "orgs.manage_tree")
    form = UnitForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = services.unit_create(
                user=request.user,
                community=data["community"],
                name=data["name"],
                unit_kind=data["unit_kind"],
                headcount=data["headcount"],
                address=data["address"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
            )
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(request, _("已登记单位“%s”。") % unit.name)
            return redirect("orgs:unit_detail", pk=unit.pk)
    initial_community = request.GET.get("community")
    if request.method == "GET" and initial_community:
        form.initial["community"] = initial_community
    return render(
        request,
        "orgs/form.html",
        {"form": form, "title": _("登记驻街单位"), "back": reverse("orgs:units")},
    )


@login_required
def unit_edit(request, pk):
    require(request.user, "orgs.view")
    unit = selectors.org_node_get(user=request.user, pk=pk, kind=OrgKind.UNIT)
    require(request.user, "orgs.edit", unit)
    initial = {
        f: getattr(unit, f)
        for f in (
            "name",
            "unit_kind",
            "headcount",
            "address",
            "contact_name",
            "contact_phone",
        )
    }
    initial["head"] = unit.head_id
    form = UnitForm(request.POST or None, user=request.user, unit=unit, initial=initial)
    if request.method == "POST" and form.is_valid():
        changed = {k: form.cleaned_data[k] for k in form.changed_data}
        try:
            services.unit_update(user=request.user, unit=unit, **changed)
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("orgs:unit_detail", pk=unit.pk)
    audit.log_access(request, "orgs.unit", 1)  # the contact's name and mobile
    return render(
        request,
        "orgs/form.html",
        {
            "form": form,
            "title": _("修改单位：%s") % unit.name,
            "back": reverse("orgs:unit_detail", args=[unit.pk]),
        },
    )


# -- other nodes ----------------------------------------------------------------------


@login_required
def node_detail(request, pk):
    """A street, community or party organisation (units have their own page)."""
    require(request.user, "orgs.view")
    node = selectors.org_node_get(user=request.user, pk=pk)
    if node.kind == OrgKind.UNIT:
        return redirect("orgs:unit_detail", pk=node.pk)
    node = (
        OrgNode.objects.select_related("parent", "secretary", "community", "street")
        .filter(pk=node.pk)
        .get()
    )
    context = {
        "node": node,
        "show_phones": selectors.phones_visible(request.user),
        "can_manage": can(request.user, "orgs.manage_tree", node),
        "can_edit": can(request.user, "orgs.edit", node),
    }
    visible = selectors.org_node_list(user=request.user)
    if node.kind == OrgKind.STREET:
        context["children"] = (
            visible.filter(parent=node)
            .annotate(
                unit_count=Count(
                    "children", filter=Q(children__kind=OrgKind.UNIT), distinct=True
                )
            )
            .order_by("code")
        )
        context["committees"] = selectors.committee_list(user=request.user).filter(
            street=node
        )
    elif node.kind == OrgKind.COMMUNITY:
        context["party_orgs"] = (
            visible.filter(parent=node, kind=OrgKind.PARTY_ORG)
            .select_related("secretary")
            .annotate(member_total=Count("party_members"))
        )
        context["unit_counts"] = visible.filter(
            community=node, kind=OrgKind.UNIT
        ).aggregate(
            total=Count("pk"),
            in_system=Count("pk", filter=Q(unit_kind__in=IN_SYSTEM_KINDS)),
            with_party=Count("pk", filter=Q(has_party_org=True)),
        )
        context["compounds"] = ResidentialCompound.objects.filter(
            community=node
        ).order_by("name")
        context["committees"] = selectors.committee_list(user=request.user).filter(
            community=node
        )
    else:
        members = (
            PartyMember.objects.filter(party_org=node)
            .select_related("person", "employer_unit", "residence_community")
            .order_by("person__name", "id")
        )
        context["members_page"] = pages.page(request, members, 30)
        context["children"] = visible.filter(parent=node).order_by("code")
    # People shown: the secretary (mobile), a party organisation's members.
    members_page = context.get("members_page")
    people = len(members_page.object_list) if members_page is not None else 0
    audit.log_access(request, "orgs.org_node", people + bool(node.secretary_id))
    return render(request, "orgs/node_detail.html", context)


@login_required
def party_org_create(request, pk):
    require(request.user, "orgs.view")
    parent = selectors.org_node_get(user=request.user, pk=pk)
    if parent.kind not in (OrgKind.UNIT, OrgKind.COMMUNITY, OrgKind.STREET):
        raise Http404
    action = "orgs.edit" if parent.kind == OrgKind.UNIT else "orgs.manage_tree"
    require(request.user, action, parent)
    form = PartyOrgForm(request.POST or None, user=request.user, parent=parent)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            node = services.party_org_create(
                user=request.user,
                parent=parent,
                name=data["name"],
                party_org_type=data["party_org_type"],
                secretary=data["secretary"],
                directly_managed=data.get("directly_managed", False),
            )
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(request, _("已建立党组织“%s”。") % node.name)
            return redirect(_node_url(parent))
    if request.method == "GET":
        form.initial["name"] = f"{parent.name}党支部"
    return render(
        request,
        "orgs/form.html",
        {
            "form": form,
            "title": _("在“%s”下建立党组织") % parent.name,
            "back": _node_url(parent),
        },
    )


@login_required
def party_org_edit(request, pk):
    require(request.user, "orgs.view")
    node = selectors.org_node_get(user=request.user, pk=pk, kind=OrgKind.PARTY_ORG)
    require(request.user, "orgs.edit", node)
    parent = node.parent
    form = PartyOrgForm(
        request.POST or None,
        user=request.user,
        parent=parent,
        initial={
            "name": node.name,
            "party_org_type": node.party_org_type,
            "secretary": node.secretary_id,
            "directly_managed": node.directly_managed,
        },
    )
    if request.method == "POST" and form.is_valid():
        changed = {k: form.cleaned_data[k] for k in form.changed_data}
        try:
            services.party_org_update(user=request.user, party_org=node, **changed)
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("orgs:node_detail", pk=node.pk)
    return render(
        request,
        "orgs/form.html",
        {
            "form": form,
            "title": _("修改党组织：%s") % node.name,
            "back": reverse("orgs:node_detail", args=[node.pk]),
        },
    )


@login_required
@require_POST
def node_delete(request, pk):
    require(request.user, "orgs.view")
    node = selectors.org_node_get(user=request.user, pk=pk)
    parent = node.parent
    try:
        services.org_node_remove(user=request.user, node=node)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(_node_url(node))
    messages.success(request, _("已删除“%s”。") % node.name)
    return redirect(_node_url(parent) if parent else "orgs:tree")


def _node_url(node):
    if node.kind == OrgKind.UNIT:
        return reverse("orgs:unit_detail", args=[node.pk])
    return reverse("orgs:node_detail", args=[node.pk])


@login_required
def compound_create(request, pk):
    require(request.user, "orgs.view")
    community = selectors.org_node_get(user=request.user, pk=pk, kind=OrgKind.COMMUNITY)
    require(request.user, "orgs.manage_tree", community)
    form = CompoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.compound_create(
                user=request.user,
                community=community,
                name=form.cleaned_data["name"],
                address=form.cleaned_data["address"],
                households=form.cleaned_data["households"],
            )
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(request, _("已登记小区。"))
            return redirect("orgs:node_detail", pk=community.pk)
    return render(
        request,
        "orgs/form.html",
        {
            "form": form,
            "title": _("在%s登记居民小区") % community.name,
            "back": reverse("orgs:node_detail", args=[community.pk]),
        },
    )


@login_required
def compound_edit(request, pk):
    require(request.user, "orgs.view")
    compound = selectors.compound_list(user=request.user).filter(pk=pk).first()
    if compound is None:
        raise Http404
    require(request.user, "orgs.manage_tree", compound.community)
    form = CompoundForm(
        request.POST or None,
        initial={
            "name": compound.name,
            "address": compound.address,
            "households": compound.households,
        },
    )
    if request.method == "POST" and form.is_valid():
        changed = {k: form.cleaned_data[k] for k in form.changed_data}
        if changed.get("households", 0) is None:
            changed["households"] = 0
        try:
            services.compound_update(user=request.user, compound=compound, **changed)
        except ValidationError as exc:
            pages.form_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("orgs:node_detail", pk=compound.community_id)
    return render(
        request,
        "orgs/form.html",
        {
            "form": form,
            "title": _("修改小区：%s") % compound.name,
            "back": reverse("orgs:node_detail", args=[compound.community_id]),
        },
    )


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
    if person is None:
        street_of = data.get("community") or data.get("unit")
        if street_of is None:
            visible = selectors.org_node_list(user=request.user)
            street_of = visible.filter(kind=OrgKind.STREET).first()
            if street_of is None:
                raise PermissionDenied(_("请选择所属社区或所在单位。"))
        street = street_of if street_of.kind == OrgKind.STREET else street_of.street
        person = services.person_create(user=request.user, street=street, **fields)
    else:
        changed = {k: fields[k] for k in fields if k in form.changed_data}
        if changed:
            person = services.person_update(user=request.user, person=person, **changed)
    if data.get("is_member"):
        services.party_member_set(
            user=request.user,
            person=person,
            party_org=data["party_org"],
            status=data["status"],
            employer_unit=data.get("employer_unit"),
            residence_community=data.get("residence_community"),
            joined_on=data.get("joined_on"),
        )
    return person


@login_required
def person_create(request):
    require(request.user, "orgs.edit")
    form = PersonForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
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
            with transaction.atomic():
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


# -- committees ---------------------------------------------------------------------------


@login_required
def committee_list(request):
    require(request.user, "orgs.view_committees")
    committees = selectors.committee_list(user=request.user)
    return render(
        request,
        "orgs/committee_list.html",
        {
            "street_committees": [c for c in committees if c.community_id is None],
            "community_committees": [
                c for c in committees if c.community_id is not None
            ],
        },
    )


@login_required
def committee_detail(request, pk):
    require(request.user, "orgs.view_committees")
    committee = selectors.committee_get(user=request.user, pk=pk)
    seats = list(
        Seat.objects.filter(committee=committee)
        .select_related("person", "represents", "created_by", "vacated_by")
        .order_by("position", "term_start", "id")
    )
    order = {"secretary": 0, "deputy": 1, "member": 2}
    current = sorted(
        (s for s in seats if s.vacated_on is None),
        key=lambda s: (order.get(s.position, 3), s.term_start, s.pk),
    )
    history = sorted(
        (s for s in seats if s.vacated_on is not None),
        key=lambda s: s.vacated_on,
        reverse=True,
    )
    can_manage = can(request.user, "orgs.manage_seats", committee)
    form = None
    if can_manage:
        form = SeatForm(
            candidates=selectors.seat_candidates(committee=committee),
            initial={"term_start": timezone.localdate()},
        )
    return render(
        request,
        "orgs/committee_detail.html",
        {
            "committee": committee,
            "current": current,
            "history": history,
            "can_manage": can_manage,
            "form": form,
            "today": timezone.localdate(),
            "rule": _committee_rule(committee),
        },
    )


def _committee_rule(committee):
    if committee.kind == CommitteeKind.BIG_WORKING:
        return _("委员须为社区党组织书记或大型驻街单位党组织书记（S3）。")
    if committee.kind == CommitteeKind.BIG_PARTY:
        return _("委员须为本社区内各类组织的党组织书记，推选产生（S4）。")
    return ""


@login_required
@require_POST
def seat_add(request, pk):
    require(request.user, "orgs.view_committees")
    committee = selectors.committee_get(user=request.user, pk=pk)
    require(request.user, "orgs.manage_seats", committee)
    candidates = Person.objects.filter(street_id=committee.street_id)
    form = SeatForm(request.POST, candidates=candidates)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.seat_add(
                user=request.user,
                committee=committee,
                person=data["person"],
                position=data["position"],
                origin=data["origin"],
                term_start=data["term_start"],
                term_end=data["term_end"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("已增加委员“%s”。") % data["person"].name)
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("orgs:committee_detail", pk=committee.pk)


@login_required
@require_POST
def seat_vacate(request, pk):
    require(request.user, "orgs.view_committees")
    seat = selectors.seat_get(user=request.user, pk=pk)
    require(request.user, "orgs.manage_seats", seat.committee)
    form = VacateForm(request.POST)
    if form.is_valid():
        try:
            services.seat_vacate(
                user=request.user,
                seat=seat,
                vacated_on=form.cleaned_data["vacated_on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("已登记“%s”离任。") % seat.person.name)
    else:
        messages.error(request, _("请填写离任日期和原因。"))
    return redirect("orgs:committee_detail", pk=seat.committee_id)


@login_required
def committee_export(request, pk):
    require(request.user, "orgs.export")
    committee = selectors.committee_get(user=request.user, pk=pk)
    sheet = excel.seats_sheet(
        selectors.seat_list(user=request.user).filter(committee=committee),
        title=committee.name,
    )
    response = exports.xlsx_response(_("%s-委员名单.xlsx") % committee.name, sheet)
    audit.log_access(request, "orgs.seat", sheet.count, export=True)
    return response


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
