"""Demo street (requirements S1–S4): Zhangwan Street's organisations.

Figures reproduced exactly (``manage.py street_stats`` after ``seed_demo``):
11 communities, 533 resident units of every kind, 120 residential compounds,
57 party organisations led directly by the street working committee (the 11
community party committees and 46 party organisations of non-public
enterprises and social organisations), 1,567 directly managed party members,
and 6,900 in-service plus 1,150 floating party members (so 9,617 party members
registered in the area, and 8,050 "in-service and floating", S2's 8,000+). One
大工委 of community secretaries and large units' party secretaries (S3); 11
大党委 on which 75 unit party secretaries sit (S4); the street's leadership team
(班子) and each community's 两委, whom the grid's leader rules need (S5).

Names are generated from syllable lists with ``ctx.rng``; nothing is copied.
The tree is built in one pass (``org_tree_bulk_add``) and people in batches,
so the whole step takes a few seconds.
"""

import datetime

from django.utils import timezone

from orgs.models import (
    LARGE_UNIT_HEADCOUNT,
    CommitteeKind,
    Gender,
    MemberStatus,
    OrgKind,
    OrgNode,
    PartyMember,
    PartyOrgType,
    Person,
    ResidentialCompound,
    Seat,
    SeatOrigin,
    SeatPosition,
    UnitKind,
)
from orgs.services import (
    NodeSpec,
    committee_ensure,
    org_node_create,
    org_tree_bulk_add,
    seat_add,
)
from portal.bulk import bulk_insert
from portal.demo import SURNAMES, mobile, person_name

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

# S1–S4 figures.
UNITS_PER_COMMUNITY = [52, 48, 50, 47, 49, 46, 51, 45, 50, 48, 47]  # 533
UNIT_KIND_COUNTS = {
    UnitKind.AGENCY: 38,
    UnitKind.INSTITUTION: 57,
    UnitKind.SOE: 32,
    UnitKind.PRIVATE: 196,
    UnitKind.SOCIAL_ORG: 72,
    UnitKind.SOCIAL_GROUP: 30,
    UnitKind.MERCHANT: 108,
}
COMPOUNDS_PER_COMMUNITY = [12, 11, 10, 12, 11, 10, 11, 10, 12, 11, 10]  # 120
DIRECT_UNIT_PARTY_ORGS = 46  # + 11 community party committees = 57
DIRECT_MEMBERS = 1567
IN_SERVICE_MEMBERS = 6900
FLOATING_MEMBERS = 1150
#: 大党委 unit-secretary seats per community: 9 × 7 + 2 × 6 = 75.
BIG_PARTY_UNIT_SEATS = [7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 6]
BIG_WORKING_UNIT_SEATS = 14  # + 11 community secretaries
LEADERSHIP_POSITIONS = (
    [SeatPosition.SECRETARY] + [SeatPosition.DEPUTY] * 2 + [SeatPosition.MEMBER] * 5
)

PLACES = [
    "汉江",
    "长虹",
    "东风",
    "新华",
    "铁路",
    "友谊",
    "建设",
    "和平",
    "光明",
    "幸福",
    "团结",
    "檀溪",
    "春园",
    "大庆",
    "前进",
    "胜利",
    "人民",
    "紫薇",
    "滨江",
    "卧龙",
    "航空",
    "车城",
    "万山",
    "鹿门",
    "樊西",
    "荆州",
    "北街",
    "南湖",
    "清河",
    "凤凰",
]
ROADS = [
    "长虹路",
    "解放路",
    "人民路",
    "檀溪路",
    "汉江路",
    "建设路",
    "春园路",
    "大庆西路",
    "胜利街",
    "前进路",
    "铁路二路",
    "友谊街",
    "和平路",
    "光明路",
    "团结路",
    "新华路",
    "东风路",
    "幸福路",
]
LUCKY = "鑫盛华瑞恒泰达宏隆兴鼎丰源佳和安联诚"
UNIT_SUFFIXES = {
    UnitKind.AGENCY: [
        "派出所",
        "司法所",
        "税务分局",
        "市场监督管理所",
        "城管执法中队",
        "交警中队",
        "消防救援站",
        "财政所",
        "自然资源所",
        "人社服务站",
        "退役军人服务站",
        "民政服务站",
    ],
    UnitKind.INSTITUTION: [
        "小学",
        "中学",
        "幼儿园",
        "社区卫生服务中心",
        "医院",
        "职业技术学校",
        "图书馆",
        "文化馆",
        "疾控站",
        "实验小学",
        "妇幼保健站",
        "档案服务中心",
    ],
    UnitKind.SOE: [
        "供电所",
        "自来水营业所",
        "燃气服务站",
        "银行支行",
        "邮政支局",
        "电信营业部",
        "移动营业部",
        "联通营业厅",
        "粮油公司",
        "公交分公司",
        "建工项目部",
        "物资公司",
    ],
    UnitKind.PRIVATE: [
        "商贸有限公司",
        "科技有限公司",
        "汽车配件有限公司",
        "建筑工程有限公司",
        "餐饮管理有限公司",
        "物业服务有限公司",
        "机械制造有限公司",
        "纺织有限公司",
        "医药连锁有限公司",
        "物流有限公司",
        "广告传媒有限公司",
        "电子商务有限公司",
        "装饰工程有限公司",
        "食品有限公司",
        "酒店管理有限公司",
        "家政服务有限公司",
        "信息技术有限公司",
    ],
    UnitKind.SOCIAL_ORG: [
        "社会工作服务中心",
        "养老服务中心",
        "志愿服务中心",
        "公益服务中心",
        "青少年活动中心",
        "心理咨询服务中心",
        "残疾人康复中心",
        "调解服务中心",
        "文化艺术中心",
    ],
    UnitKind.SOCIAL_GROUP: [
        "书画协会",
        "摄影协会",
        "老年体育协会",
        "商会",
        "个体劳动者协会",
        "舞蹈协会",
        "太极拳协会",
        "读书会",
        "象棋协会",
        "楹联学会",
    ],
    UnitKind.MERCHANT: [
        "超市",
        "便利店",
        "大药房",
        "家常菜馆",
        "牛肉面馆",
        "理发店",
        "五金店",
        "茶叶店",
        "水果店",
        "粮油店",
        "文具店",
        "眼镜店",
        "花店",
        "干洗店",
    ],
}
HEADCOUNT = {
    UnitKind.AGENCY: (20, 300),
    UnitKind.INSTITUTION: (25, 800),
    UnitKind.SOE: (40, 1500),
    UnitKind.PRIVATE: (5, 600),
    UnitKind.SOCIAL_ORG: (3, 60),
    UnitKind.SOCIAL_GROUP: (3, 40),
    UnitKind.MERCHANT: (2, 30),
}
COMPOUND_SUFFIXES = [
    "小区",
    "花园",
    "家园",
    "新村",
    "苑",
    "家属院",
    "公寓",
    "华庭",
    "名居",
    "雅居",
]
PARTY_ORG_LABEL = {
    PartyOrgType.COMMITTEE: "党委",
    PartyOrgType.GENERAL_BRANCH: "党总支",
    PartyOrgType.BRANCH: "党支部",
}
VACATE_REASONS = ["工作调动，改任他职", "换届调整", "退休", "单位党组织书记变更"]


def seed(ctx):
    today = ctx.data.get("today") or timezone.localdate()
    ctx.data.update(_StreetBuilder(ctx, ctx.street_index, today).build())


def _allocate(total, weights, minimum=0):
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    free = total - minimum * len(weights)
    scale = free / sum(weights)
    raw = [w * scale for w in weights]
    parts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in order[: free - sum(parts)]:
        parts[i] += 1
    return [p + minimum for p in parts]


def _party_org_type(members):
    if members >= 100:
        return PartyOrgType.COMMITTEE
    if members >= 50:
        return PartyOrgType.GENERAL_BRANCH
    return PartyOrgType.BRANCH


class _StreetBuilder:
    def __init__(self, ctx, index, today):
        self.ctx = ctx
        self.rng = ctx.rng
        self.today = today
        self.code = STREET_CODE if index == 0 else f"{STREET_CODE}{index + 1}"
        self.name = STREET_NAME if index == 0 else f"{STREET_NAME}（{index + 1}）"
        self.names = set()
        self.people = []  # unsaved Person rows, in creation order
        self.members = []  # (person, PartyMember kwargs)

    # -- helpers -----------------------------------------------------------------
    def unique(self, make):
        for _ in range(20):
            name = make()
            if name not in self.names:
                self.names.add(name)
                return name
        n = 2
        while f"{name}（{n}）" in self.names:
            n += 1
        name = f"{name}（{n}）"
        self.names.add(name)
        return name

    def address(self):
        return f"{self.rng.choice(ROADS)}{self.rng.randint(1, 399)}号"

    def unit_name(self, kind):
        rng = self.rng
        suffix = rng.choice(UNIT_SUFFIXES[kind])
        place = rng.choice(PLACES)
        if kind == UnitKind.PRIVATE:
            return f"襄阳{place}{''.join(rng.sample(LUCKY, 2))}{suffix}"
        if kind == UnitKind.SOCIAL_ORG:
            return f"襄城区{place}{rng.choice(LUCKY)}{suffix}"
        if kind == UnitKind.SOCIAL_GROUP:
            return f"襄城区{place}{suffix}"
        if kind == UnitKind.MERCHANT:
            if rng.random() < 0.5:
                return f"{rng.choice(SURNAMES)}记{suffix}"
            return f"{place}{rng.choice(LUCKY)}{suffix}"
        if kind == UnitKind.AGENCY:
            return f"襄城区{place}{suffix}"
        return f"{place}{suffix}"

    def person(self, *, community=None, unit=None, old=False):
        rng = self.rng
        lo, hi = (1950, 1975) if old else (1958, 2001)
        p = Person(
            name=person_name(rng),
            phone=mobile(rng),
            gender=rng.choice([Gender.MALE, Gender.FEMALE]),
            birth_year=rng.randint(lo, hi),
            street=self.street,
            community=community,
            unit=unit,
        )
        self.people.append(p)
        return p

    def member(self, person, party_org, status, **kw):
        rng = self.rng
        first = min(person.birth_year + 19, self.today.year - 1)
        year = rng.randint(first, max(first, min(self.today.year - 1, first + 35)))
        self.members.append(
            PartyMember(
                person=person,
                party_org=party_org,
                status=status,
                directly_managed=status == MemberStatus.REGULAR
                and party_org.directly_managed,
                street=self.street,
                community_id=party_org.community_id,
                joined_on=datetime.date(year, rng.randint(1, 12), rng.randint(1, 28)),
                **kw,
            )
        )

    # -- the street ---------------------------------------------------------------
    def build(self):
        rng = self.rng
        ctx = self.ctx
        self.street = org_node_create(
            kind=OrgKind.STREET, name=self.name, code=self.code
        )
        units_per_community = [ctx.scaled(n, 4) for n in UNITS_PER_COMMUNITY]
        kind_counts = UNIT_KIND_COUNTS
        if ctx.scale != 1:
            kind_counts = dict(
                zip(
                    UNIT_KIND_COUNTS,
                    _allocate(
                        sum(units_per_community), list(UNIT_KIND_COUNTS.values())
                    ),
                    strict=True,
                )
            )
        kinds = [k for k, n in kind_counts.items() for _ in range(n)]
        rng.shuffle(kinds)
        plan = []  # per community: list of unit dicts
        cursor = 0
        for count in units_per_community:
            units = []
            for kind in kinds[cursor : cursor + count]:
                lo, hi = HEADCOUNT[kind]
                # Skew sizes small: most units are small, a few are large.
                headcount = int(lo + (hi - lo) * rng.random() ** 2.2)
                units.append({"kind": kind, "headcount": headcount})
            cursor += count
            plan.append(units)
        # Party organisations: every in-system unit has one (led by its own
        # system); 46 non-public enterprises and social organisations have one
        # led directly by the street working committee.
        candidates = [
            u
            for units in plan
            for u in units
            if u["kind"]
            in (UnitKind.PRIVATE, UnitKind.SOCIAL_ORG, UnitKind.SOCIAL_GROUP)
            and u["headcount"] >= 10
        ]
        direct_orgs = min(ctx.scaled(DIRECT_UNIT_PARTY_ORGS), len(candidates))
        for u in rng.sample(candidates, direct_orgs):
            u["party_org"] = "direct"
        for units in plan:
            for u in units:
                if u["kind"] in (UnitKind.AGENCY, UnitKind.INSTITUTION, UnitKind.SOE):
                    u["party_org"] = "system"
            if ctx.scale != 1 and not any(u.get("party_org") for u in units):
                # A small street still has a party organisation in every
                # community (the 大党委 and the demo unit head need one).
                max(units, key=lambda u: u["headcount"])["party_org"] = "direct"
        # Member counts, so that party organisation types follow their size.
        direct_units = [
            u for units in plan for u in units if u.get("party_org") == "direct"
        ]
        for u in direct_units:
            u["members"] = rng.randint(5, 16)
        direct_members = ctx.scaled(DIRECT_MEMBERS)
        if ctx.scale != 1:  # every community keeps a secretary and a 两委
            direct_members = max(
                direct_members,
                7 * len(COMMUNITY_NAMES) + sum(u["members"] for u in direct_units),
            )
        community_members = _allocate(
            direct_members - sum(u["members"] for u in direct_units),
            [rng.uniform(0.8, 1.2) for _ in COMMUNITY_NAMES],
        )
        system_units = [
            u for units in plan for u in units if u.get("party_org") == "system"
        ]
        for u, n in zip(
            system_units,
            _allocate(
                ctx.scaled(IN_SERVICE_MEMBERS, 3 * len(system_units)),
                [min(u["headcount"], 600) ** 0.8 for u in system_units],
                minimum=3,
            ),
            strict=True,
        ):
            u["members"] = n
        floating = _allocate(
            ctx.scaled(FLOATING_MEMBERS),
            [rng.uniform(0.7, 1.3) for _ in COMMUNITY_NAMES],
        )

        # The tree, in one pass.
        specs = []
        for i, (cname, units) in enumerate(
            zip(COMMUNITY_NAMES, plan, strict=True), start=1
        ):
            ccode = f"{self.code}-{i:02d}"
            children = [
                NodeSpec.of(
                    OrgKind.PARTY_ORG,
                    f"{cname}党委",
                    f"{ccode}-P1",
                    party_org_type=_party_org_type(community_members[i - 1]),
                    directly_managed=True,
                )
            ]
            for j, u in enumerate(units, start=1):
                ucode = f"{ccode}-U{j:03d}"
                u["code"] = ucode
                name = self.unique(lambda u=u: self.unit_name(u["kind"]))
                party = []
                if u.get("party_org"):
                    ptype = _party_org_type(u["members"])
                    party.append(
                        NodeSpec.of(
                            OrgKind.PARTY_ORG,
                            f"{name}{PARTY_ORG_LABEL[ptype]}",
                            f"{ucode}-P1",
                            party_org_type=ptype,
                            directly_managed=u["party_org"] == "direct",
                        )
                    )
                children.append(
                    NodeSpec.of(
                        OrgKind.UNIT,
                        name,
                        ucode,
                        children=party,
                        unit_kind=u["kind"],
                        headcount=u["headcount"],
                        address=self.address(),
                        contact_name=person_name(rng),
                        contact_phone=mobile(rng),
                        has_party_org=bool(party),
                    )
                )
            specs.append(NodeSpec.of(OrgKind.COMMUNITY, cname, ccode, children))
        nodes = org_tree_bulk_add(parent=self.street, specs=specs)
        by_code = {n.code: n for n in nodes}
        communities = [n for n in nodes if n.kind == OrgKind.COMMUNITY]
        units = [n for n in nodes if n.kind == OrgKind.UNIT]
        community_orgs = [by_code[f"{c.code}-P1"] for c in communities]
        unit_org = {u.pk: by_code.get(f"{u.code}-P1") for u in units}

        # People and party members.
        leadership = [self.person(old=True) for _ in LEADERSHIP_POSITIONS]
        two_committees = {}
        for c, org, n in zip(
            communities, community_orgs, community_members, strict=True
        ):
            people = [self.person(community=c) for _ in range(n)]
            for p in people:
                self.member(p, org, MemberStatus.REGULAR, residence_community=c)
            org.secretary = people[0]
            two_committees[c.pk] = people[: rng.randint(5, 7)]
        for c, org, n in zip(communities, community_orgs, floating, strict=True):
            for _ in range(n):
                p = self.person(community=c)
                self.member(p, org, MemberStatus.FLOATING, residence_community=c)
        plan_by_code = {u["code"]: u for units in plan for u in units}
        community_of = {c.pk: c for c in communities}
        for unit in units:
            org = unit_org[unit.pk]
            if org is None:
                continue
            u = plan_by_code[unit.code]
            people = []
            for _ in range(u["members"]):
                if org.directly_managed:
                    home = community_of[unit.community_id]
                else:  # in-service members live all over the street
                    home = (
                        community_of[unit.community_id]
                        if rng.random() < 0.55
                        else rng.choice(communities)
                    )
                p = self.person(community=home, unit=unit)
                status = (
                    MemberStatus.REGULAR
                    if org.directly_managed
                    else MemberStatus.IN_SERVICE
                )
                self.member(
                    p, org, status, employer_unit=unit, residence_community=home
                )
                people.append(p)
            org.secretary = people[0]
            # Small units are often run by their party secretary.
            if rng.random() < 0.35:
                unit.head = people[0]
        # The demo unit head (unithead1) heads the first community's unit with
        # the most party members, and leads its party organisation too.
        first_units = [
            u for u in units if u.community_id == communities[0].pk and unit_org[u.pk]
        ]
        head_unit = max(first_units, key=lambda u: plan_by_code[u.code]["members"])
        head_unit.head = unit_org[head_unit.pk].secretary
        for unit in units:
            if unit.head is None:
                unit.head = self.person(
                    community=community_of[unit.community_id], unit=unit
                )

        bulk_insert(Person, self.people)
        for m in self.members:
            m.person = m.person  # copy the pk bulk_create just gave the person
        bulk_insert(PartyMember, self.members)
        # Heads and secretaries are plain columns: no tree field is touched.
        for n in nodes:
            n.head = n.head
            n.secretary = n.secretary
        OrgNode.objects.bulk_update(nodes, ["head", "secretary"], batch_size=500)

        compounds = []
        for c, count in zip(communities, COMPOUNDS_PER_COMMUNITY, strict=True):
            for _ in range(self.ctx.scaled(count)):
                compounds.append(
                    ResidentialCompound(
                        community=c,
                        name=self.unique(
                            lambda: (
                                rng.choice(PLACES)
                                + rng.choice(LUCKY)
                                + rng.choice(COMPOUND_SUFFIXES)
                            )
                        ),
                        address=self.address(),
                        households=rng.randint(60, 1500),
                    )
                )
        bulk_insert(ResidentialCompound, compounds)

        committees = self.committees(
            communities, community_orgs, units, unit_org, leadership, two_committees
        )
        return {
            "street": self.street,
            "communities": communities,
            "units": units,
            "unit_head_unit": head_unit,
            "compounds": compounds,
            "committees": committees,
            "party_members": self.members,
            "login_persons": {
                "secretary1": community_orgs[0].secretary,
                "secretary2": community_orgs[1].secretary,
                "unithead1": head_unit.head,
            },
        }

    # -- committees -----------------------------------------------------------------
    def committees(
        self, communities, community_orgs, units, unit_org, leadership, two_committees
    ):
        rng = self.rng
        year = self.today.year
        term_start = datetime.date(year - 2, 3, 15)
        term_end = datetime.date(year + 3, 3, 14)
        old_start = datetime.date(year - 7, 3, 15)
        history = []

        lead = committee_ensure(
            kind=CommitteeKind.LEADERSHIP,
            org=self.street,
            name=f"{self.street.name}党工委班子",
        )
        for person, position in zip(leadership, LEADERSHIP_POSITIONS, strict=True):
            seat_add(
                user=None,
                committee=lead,
                person=person,
                position=position,
                origin=SeatOrigin.APPOINTED,
                term_start=term_start,
                term_end=term_end,
            )
        two = {}
        big_party = {}
        for c in communities:
            committee = committee_ensure(
                kind=CommitteeKind.TWO_COMMITTEES, org=c, name=f"{c.name}两委"
            )
            two[c.pk] = committee
            for k, person in enumerate(two_committees[c.pk]):
                seat_add(
                    user=None,
                    committee=committee,
                    person=person,
                    position=[SeatPosition.SECRETARY, SeatPosition.DEPUTY][k]
                    if k < 2
                    else SeatPosition.MEMBER,
                    origin=SeatOrigin.ELECTED,
                    term_start=datetime.date(year - 1, 1, 10),
                    term_end=datetime.date(year + 4, 1, 9),
                )
        for i, (c, org) in enumerate(zip(communities, community_orgs, strict=True)):
            committee = committee_ensure(
                kind=CommitteeKind.BIG_PARTY, org=c, name=f"{c.name}大党委"
            )
            big_party[c.pk] = committee
            seat_add(
                user=None,
                committee=committee,
                person=org.secretary,
                position=SeatPosition.SECRETARY,
                origin=SeatOrigin.ELECTED,
                term_start=term_start,
                term_end=term_end,
            )
            with_org = [u for u in units if u.community_id == c.pk and unit_org[u.pk]]
            seats = BIG_PARTY_UNIT_SEATS[i]
            if self.ctx.scale != 1:
                seats = min(self.ctx.scaled(seats), len(with_org))
            if len(with_org) < seats:
                raise RuntimeError(f"{c.name} has too few party organisations")
            chosen = rng.sample(with_org, seats)
            for k, unit in enumerate(chosen):
                seat_add(
                    user=None,
                    committee=committee,
                    person=unit_org[unit.pk].secretary,
                    position=SeatPosition.DEPUTY if k == 0 else SeatPosition.MEMBER,
                    origin=SeatOrigin.ELECTED,
                    term_start=term_start,
                    term_end=term_end,
                )
            if i % 4 == 0 and chosen:  # some history: a predecessor who left
                unit = chosen[-1]
                history.append(
                    Seat(
                        committee=committee,
                        person=self.saved_person(community=c, unit=unit),
                        represents=unit,
                        position=SeatPosition.MEMBER,
                        origin=SeatOrigin.ELECTED,
                        is_unit_secretary=True,
                        term_start=old_start,
                        term_end=datetime.date(year - 2, 3, 14),
                        vacated_on=datetime.date(year - 3, rng.randint(1, 12), 1),
                        vacated_reason=rng.choice(VACATE_REASONS),
                        street=self.street,
                        community=c,
                    )
                )
        big_working = committee_ensure(
            kind=CommitteeKind.BIG_WORKING,
            org=self.street,
            name=f"{self.street.name}大工委",
        )
        for k, org in enumerate(community_orgs):
            seat_add(
                user=None,
                committee=big_working,
                person=org.secretary,
                position=SeatPosition.DEPUTY if k < 2 else SeatPosition.MEMBER,
                origin=SeatOrigin.RECOMMENDED,
                term_start=term_start,
                term_end=term_end,
            )
        large = [
            u for u in units if unit_org[u.pk] and u.headcount >= LARGE_UNIT_HEADCOUNT
        ]
        seats = BIG_WORKING_UNIT_SEATS
        if self.ctx.scale != 1:
            seats = min(self.ctx.scaled(seats), len(large))
        for unit in rng.sample(large, seats):
            seat_add(
                user=None,
                committee=big_working,
                person=unit_org[unit.pk].secretary,
                origin=SeatOrigin.NOMINATED,
                term_start=term_start,
                term_end=term_end,
            )
        history.append(
            Seat(
                committee=big_working,
                person=self.saved_person(),
                represents=communities[-1],
                position=SeatPosition.MEMBER,
                origin=SeatOrigin.RECOMMENDED,
                term_start=old_start,
                term_end=datetime.date(year - 2, 3, 14),
                vacated_on=datetime.date(year - 2, 3, 14),
                vacated_reason=VACATE_REASONS[1],
                street=self.street,
            )
        )
        bulk_insert(Seat, history)
        return {
            "leadership": lead,
            "big_working": big_working,
            "big_party": big_party,
            "two_committees": two,
        }

    def saved_person(self, community=None, unit=None):
        """Return a saved person (a predecessor in a seat's history)."""
        p = self.person(community=community, unit=unit, old=True)
        self.people.remove(p)
        p.save()
        return p
