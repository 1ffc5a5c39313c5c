"""The org tree, units, and the other nodes: party organisations, compounds."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orgs import excel, selectors, services
from orgs.filters import UnitFilter
from orgs.forms import CompoundForm, PartyOrgForm, UnitForm
from orgs.models import (
    IN_SYSTEM_KINDS,
    OrgKind,
    OrgNode,
    PartyMember,
    Person,
    ResidentialCompound,
)
from orgs.stats import LABELS, stats
from orgs.views._common import PAGE_SIZE
from portal import audit, exports, pages
from portal.roles import can, require
from portal.scope import scope_for

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
    # The breadcrumb links the community only when the user may open it.
    community_visible = (
        unit.community_id is not None
        and selectors.org_node_list(user=request.user)
        .filter(pk=unit.community_id)
        .exists()
    )
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
            "community_visible": community_visible,
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
    # The breadcrumb links the parent only when the user may open it.
    context["parent_visible"] = (
        node.parent_id is not None and visible.filter(pk=node.parent_id).exists()
    )
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
