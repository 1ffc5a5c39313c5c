"""Template helpers of the organisation pages: masked phones, sortable headers."""

from django import template
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from orgs.models import OrgKind, mask_phone

register = template.Library()


@register.filter
def phone(value, show=False):
    """Return the phone in full when ``show`` (the viewer may see it), else masked."""
    return value if show else mask_phone(value)


@register.simple_tag(takes_context=True)
def sort_th(context, field, label, param="o"):
    """Return a sortable ``<th>``: a link toggling ascending/descending order."""
    request = context["request"]
    current = request.GET.get(param, "")
    if current == field:
        target, sort = f"-{field}", "ascending"
    elif current == f"-{field}":
        target, sort = field, "descending"
    else:
        target, sort = field, "none"
    query = request.GET.copy()
    query[param] = target
    query.pop("page", None)
    return format_html(
        '<th scope="col"><a href="?{}" aria-sort="{}">{}</a></th>',
        query.urlencode(),
        sort,
        label,
    )


@register.simple_tag
def org_tree(items):
    """Return the nested ``<ul>`` of the org tree from ``selectors.org_tree`` rows.

    Built in Python: a street has ~750 nodes and per-node template tags cost
    about a millisecond each, this costs a few for the whole tree.
    """
    node_url = reverse("orgs:node_detail", args=[0])[:-2]
    unit_url = reverse("orgs:unit_detail", args=[0])[:-2]
    kinds = {k: str(v) for k, v in OrgKind.choices}
    direct = gettext("直管")
    members_title = gettext("党员人数（含下级）")
    parts = ['<ul class="tree org-tree" data-testid="org-tree">']
    for n in items:
        url = f"{unit_url if n.kind == OrgKind.UNIT else node_url}{n.pk}/"
        name = format_html("<mark>{}</mark>", n.name) if n.match else escape(n.name)
        extra = ""
        if n.kind == OrgKind.PARTY_ORG and n.directly_managed:
            extra += format_html(' <span class="badge info">{}</span>', direct)
        if n.kind in (OrgKind.STREET, OrgKind.COMMUNITY):
            extra += format_html(
                ' <span class="count">{}</span>',
                gettext("单位 %s") % n.units,
            )
        extra += format_html(
            ' <span class="count" title="{}">{}</span>',
            members_title,
            gettext("党员 %s") % n.members,
        )
        label = format_html(
            '<span class="badge kind">{}</span> <a href="{}">{}</a>{}',
            kinds[n.kind],
            url,
            name,
            mark_safe(extra),  # noqa: S308 (built from format_html above)
        )
        css = f"kind-{n.kind}" + (" match" if n.match else "")
        if n.branch:
            parts.append(
                f'<li class="{css}"><details{" open" if n.open else ""}>'
                f"<summary>{label}</summary><ul>"
            )
        else:
            parts.append(f'<li class="{css}">{label}</li>')
        parts.append("</ul></details></li>" * len(n.closes))
    parts.append("</ul>")
    return mark_safe("".join(parts))  # noqa: S308 (every piece escaped above)
