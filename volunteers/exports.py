"""Excel exports (.xlsx) of the in-service party member reports.

Each function turns what the report page shows into a header and rows; the
views hand them to ``portal.exports``, which writes them row by row and keeps
text such as ``=HYPERLINK(...)`` as text (formula injection).
"""

from django.utils.translation import gettext as _


def in_service_members_rows(rows):
    header = [
        _("姓名"),
        _("工作单位"),
        _("报到社区"),
        *[_("%s月") % m for m in range(1, 13)],
        _("全年"),
        _("年度评优"),
    ]
    data = []
    for r in rows:
        v = r["volunteer"]
        if r["not_eligible"]:
            flag = _("不能评为优秀党员")
        elif r["below_year"]:
            flag = _("未满 10 次")
        else:
            flag = _("达标")
        data.append(
            [
                v.person.name,
                v.employer_unit.name if v.employer_unit_id else "",
                v.community.name,
                *r["months"],
                r["total"],
                flag,
            ]
        )
    return header, data


def in_service_units_rows(units):
    header = [
        _("工作单位"),
        _("在职党员"),
        _("全年服务次数"),
        _("本月未服务人数"),
        _("全年不足 10 次人数"),
    ]
    data = [
        [
            u["unit_name"],
            u["members"],
            u["services"],
            u["below_month"],
            u["below_year"],
        ]
        for u in units
    ]
    return header, data


def service_card_rows(card):
    months = card["months"]
    header = [
        _("姓名"),
        _("报到社区"),
        *[_("%s月") % m for m in months],
        _("合计"),
        _("服务时长（小时）"),
        _("党组织已确认"),
        _("党员积分"),
    ]
    data = [
        [
            m["volunteer"].person.name,
            m["volunteer"].community.name,
            *m["per_month"],
            m["total"],
            m["hours"],
            m["confirmed"],
            m["party_points"],
        ]
        for m in card["members"]
    ]
    return header, data
