"""The exports' sheets: the list pages' querysets as rows of plain values from
``.values_list()``; ``portal.exports`` writes them row by row and escapes cells
that a spreadsheet would run as a formula.
"""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from orgs.models import (
    IN_SYSTEM_KINDS,
    Gender,
    MemberStatus,
    OrgKind,
    OrgNode,
    SeatOrigin,
    SeatPosition,
    UnitKind,
    mask_phone,
)
from portal.exports import Sheet

#: Rows fetched per round trip by an export's server-side cursor.
CHUNK = 2000


def _labels(choices):
    return {value: str(label) for value, label in choices}


def _phone(show):
    return (lambda value: value or "") if show else mask_phone


def units_sheet(queryset, *, show_phones):
    """Return the units of ``queryset`` (the list's, filtered) as a sheet."""
    phone = _phone(show_phones)
    kinds = _labels(UnitKind.choices)
    inside, outside = _("体制内"), _("体制外")
    # The units' party organisations, one query for all the units.
    party_orgs = {}
    for unit_id, name, secretary in (
        OrgNode.objects.filter(
            kind=OrgKind.PARTY_ORG, parent__in=queryset.order_by().values("pk")
        )
        .order_by("tree_id", "lft")
        .values_list("parent_id", "name", "secretary__name")
    ):
        party_orgs.setdefault(unit_id, []).append((name, secretary))
    comma = pgettext("punctuation", "、")
    rows = (
        [
            code,
            community or "",
            name,
            kinds.get(kind, ""),
            inside if kind in IN_SYSTEM_KINDS else outside,
            headcount,
            address,
            contact,
            phone(contact_phone),
            head or "",
            phone(head_phone) if head is not None else "",
            comma.join(n for n, _s in party_orgs.get(pk, ())),
            comma.join(s for _n, s in party_orgs.get(pk, ()) if s),
        ]
        for (
            pk,
            code,
            community,
            name,
            kind,
            headcount,
            address,
            contact,
            contact_phone,
            head,
            head_phone,
        ) in queryset.values_list(
            "pk",
            "code",
            "community__name",
            "name",
            "unit_kind",
            "headcount",
            "address",
            "contact_name",
            "contact_phone",
            "head__name",
            "head__phone",
        ).iterator(chunk_size=CHUNK)
    )
    headers = [
        _("编码"),
        _("所属社区"),
        _("单位名称"),
        _("单位性质"),
        _("体制内/外"),
        _("职工人数"),
        _("地址"),
        _("联系人"),
        _("联系电话"),
        _("负责人姓名"),
        _("负责人手机号"),
        _("党组织"),
        _("党组织书记"),
    ]
    return Sheet(title=_("驻街单位"), headers=headers, rows=rows)


def people_sheet(queryset, *, show_phones):
    """Return the people of ``queryset`` (the list's, filtered) as a sheet.

    One query, read in chunks from a server-side cursor; each row is a tuple
    of values (no Person, no tree node is built).
    """
    phone = _phone(show_phones)
    genders = _labels(Gender.choices)
    statuses = _labels(MemberStatus.choices)
    yes, no, not_member = _("是"), _("否"), _("非党员")
    rows = (
        [
            name,
            genders.get(gender, ""),
            birth_year,
            phone(mobile),
            community or "",
            unit or "",
            statuses.get(status, "") if member else not_member,
            (yes if directly_managed else no) if member else "",
            party_org or "",
            employer or "",
            residence or "",
            joined_on.isoformat() if joined_on else "",
        ]
        for (
            name,
            gender,
            birth_year,
            mobile,
            community,
            unit,
            member,
            status,
            directly_managed,
            party_org,
            employer,
            residence,
            joined_on,
        ) in queryset.values_list(
            "name",
            "gender",
            "birth_year",
            "phone",
            "community__name",
            "unit__name",
            "party_membership__id",
            "party_membership__status",
            "party_membership__directly_managed",
            "party_membership__party_org__name",
            "party_membership__employer_unit__name",
            "party_membership__residence_community__name",
            "party_membership__joined_on",
        ).iterator(chunk_size=CHUNK)
    )
    headers = [
        _("姓名"),
        _("性别"),
        _("出生年份"),
        _("手机号"),
        _("所属社区"),
        _("所在单位"),
        _("党员类别"),
        _("街道直管"),
        _("所在党组织"),
        _("工作单位"),
        _("居住社区"),
        _("入党日期"),
    ]
    return Sheet(title=_("人员"), headers=headers, rows=rows)


def seats_sheet(queryset, *, title):
    """Return the seats of ``queryset`` (one committee's) as a sheet."""
    positions = _labels(SeatPosition.choices)
    origins = _labels(SeatOrigin.choices)
    yes, no = _("是"), _("否")
    rows = (
        [
            person,
            represents or "",
            positions.get(position, ""),
            origins.get(origin, ""),
            yes if unit_secretary else no,
            term_start.isoformat(),
            term_end.isoformat() if term_end else "",
            vacated_on.isoformat() if vacated_on else "",
            reason,
        ]
        for (
            person,
            represents,
            position,
            origin,
            unit_secretary,
            term_start,
            term_end,
            vacated_on,
            reason,
        ) in queryset.values_list(
            "person__name",
            "represents__name",
            "position",
            "origin",
            "is_unit_secretary",
            "term_start",
            "term_end",
            "vacated_on",
            "vacated_reason",
        ).iterator(chunk_size=CHUNK)
    )
    headers = [
        _("姓名"),
        _("代表单位/党组织"),
        _("职务"),
        _("产生方式"),
        _("驻区单位党组织书记"),
        _("任期开始"),
        _("任期结束"),
        _("离任日期"),
        _("离任原因"),
    ]
    return Sheet(title=title, headers=headers, rows=rows)
