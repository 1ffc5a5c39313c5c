"""Demo street: the street and its communities (extended by the orgs issue)."""

from orgs.models import OrgKind, UnitKind
from orgs.services import org_node_create

STREET_NAME = "张湾街道"
STREET_CODE = "ZW"
COMMUNITY_NAMES = [
    "东风社区",
    "长虹社区",
    "新华社区",
    "汉江社区",
    "铁路社区",
    "友谊社区",
    "建设社区",
    "和平社区",
    "光明社区",
    "幸福社区",
    "团结社区",
]


def seed(ctx):
    street = org_node_create(kind=OrgKind.STREET, name=STREET_NAME, code=STREET_CODE)
    communities = [
        org_node_create(
            kind=OrgKind.COMMUNITY,
            name=name,
            code=f"{STREET_CODE}-{i:02d}",
            parent=street,
        )
        for i, name in enumerate(COMMUNITY_NAMES, start=1)
    ]
    units = [
        org_node_create(
            kind=OrgKind.UNIT,
            name=f"{c.name[:-2]}物业服务中心",
            code=f"{c.code}-U001",
            parent=c,
            unit_kind=UnitKind.PRIVATE,
            headcount=30,
        )
        for c in communities
    ]
    ctx.data.update(
        street=street, communities=communities, units=units, unit_head_unit=units[0]
    )
