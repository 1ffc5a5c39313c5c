"""Demo grid (S5, S6): 11 / 67 / 325 cells with qualified leaders.

Every resident unit sits in a level-3 cell (large units alone, small ones
several to a cell); the first community's residential compounds extend to
building → entrance → household cells; grid workers, community workers and
street cadres (包网格) are assigned cells; a few hundred visits and cases in
every state. Boundaries are synthetic: a jittered lattice over a
5.2 km × 5 km rectangle, each level split inside its parent (bilinear, so
neighbouring cells share edges exactly and the map draws without gaps).

Uses ``ctx.data`` from the orgs seed: ``street``, ``communities``, ``units``,
``compounds``, ``committees``. With less (no committees, one unit per
community) it still builds 11 / 67 / 325 and leaves leaders out where no
qualified person exists.
"""

import datetime
import math
from collections import defaultdict

from django.utils import timezone

from grids.models import (
    AssignmentRole,
    Case,
    CaseCategory,
    CaseEvent,
    CaseEventKind,
    CaseLevel,
    CaseStatus,
    Cell,
    CellAssignment,
    CellLevel,
    ReporterKind,
    Visit,
)
from grids.services import DEADLINE_DAYS, CellSpec, cell_trees_bulk_create
from orgs.models import (
    OrgKind,
    OrgNode,
    Person,
    ResidentialCompound,
    Seat,
    UnitKind,
)
from portal.bulk import bulk_insert
from portal.demo import mobile, person_name

LEVEL_2_TOTAL = 67
LEVEL_3_TOTAL = 325
#: South-west corner and size of the street, in degrees (about 5.2 km × 5 km).
ORIGIN = (112.118, 32.020)
SPAN = (0.056, 0.046)
COLUMNS, ROWS = 4, 3
CADRES = 22
COMMUNITY_WORKERS_PER_COMMUNITY = 3
CASES = 320
CN_DIGITS = "零一二三四五六七八九十"

FINDINGS = [
    "楼道堆放杂物，已提醒住户清理",
    "独居老人身体状况良好，已登记需求",
    "路灯损坏一处，已记录",
    "消防通道畅通，灭火器在有效期内",
    "居民反映停车难，已收集意见",
    "垃圾分类点清运及时",
    "新入住住户两户，已完成信息登记",
    "商户门前三包落实到位",
    "下水道井盖松动，需维修",
    "邻里关系和睦，无矛盾纠纷",
    "电动车楼道充电一处，已劝离",
    "困难家庭一户，已转社区救助",
    "外墙广告牌松动，存在安全隐患",
    "健身器材完好",
]
CASE_TEXTS = {
    CaseCategory.ENVIRONMENT: [
        ("小区垃圾清运不及时", "垃圾桶满溢两天未清运，气味较大，居民意见较多。"),
        ("绿化带被毁种菜", "绿化带被个别居民开垦种菜，影响环境。"),
    ],
    CaseCategory.FACILITIES: [
        ("路灯不亮", "主干道路灯连续多晚不亮，夜间出行不便。"),
        ("井盖缺失", "人行道一处井盖缺失，存在安全隐患。"),
        ("道路破损积水", "路面破损，下雨后大面积积水。"),
    ],
    CaseCategory.SAFETY: [
        ("楼道电动车充电", "多户居民在楼道内给电动车充电，存在火灾隐患。"),
        ("消防通道被占", "消防通道长期被私家车占用。"),
    ],
    CaseCategory.DISPUTE: [
        ("楼上漏水纠纷", "楼上住户卫生间漏水，双方协商未果。"),
        ("噪音扰民", "夜间商户噪音扰民，居民多次反映。"),
    ],
    CaseCategory.LIVELIHOOD: [
        ("独居老人需要帮扶", "独居老人行动不便，需要定期上门服务。"),
        ("加装电梯协调", "老旧小区加装电梯，部分住户意见不一。"),
    ],
    CaseCategory.BUILDING: [
        ("楼顶违章搭建", "顶楼住户在楼顶搭建彩钢房。"),
    ],
    CaseCategory.TRAFFIC: [
        ("路口车辆乱停", "上下学时段路口车辆乱停，交通拥堵。"),
    ],
    CaseCategory.OTHER: [
        ("流浪犬伤人隐患", "小区内有流浪犬出没，居民担心伤人。"),
    ],
}
ESCALATION_REASONS = [
    "涉及多个部门，网格内无法协调，提请社区大党委研究。",
    "超过办理期限仍未解决，上报社区。",
    "需要共建单位出资出力，社区层面协调。",
]
STREET_REASONS = [
    "社区大党委协调未果，提请街道大工委研究解决。",
    "涉及执法部门职责，需街道统筹。",
]
RESULTS = [
    "已协调相关单位处理完毕，现场复查无问题。",
    "已联系物业整改到位，并建立长效机制。",
    "经调解双方达成一致，签订调解协议。",
    "已报修并完成维修。",
]


def seed(ctx):
    street = ctx.data["street"]
    communities = list(ctx.data["communities"])
    today = ctx.data.get("today") or timezone.localdate()
    builder = _GridBuilder(ctx, street, communities, today)
    builder.build()


def _allocate(total, weights, minimum):
    """Split ``total`` into integers ≥ ``minimum`` proportional to ``weights``."""
    free = total - sum(minimum)
    weight_sum = sum(weights) or 1
    raw = [free * w / weight_sum for w in weights]
    parts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in order[: free - sum(parts)]:
        parts[i] += 1
    return [p + m for p, m in zip(parts, minimum, strict=True)]


def _split_even(total, n):
    return [total // n + (1 if i < total % n else 0) for i in range(n)]


# -- geometry ------------------------------------------------------------------------


def _bilinear(quad, u, v):
    (ax, ay), (bx, by), (cx, cy), (dx, dy) = quad
    x = (1 - v) * ((1 - u) * ax + u * bx) + v * ((1 - u) * dx + u * cx)
    y = (1 - v) * ((1 - u) * ay + u * by) + v * ((1 - u) * dy + u * cy)
    return (x, y)


def _sub_quad(quad, u0, u1, v0, v1):
    return (
        _bilinear(quad, u0, v0),
        _bilinear(quad, u1, v0),
        _bilinear(quad, u1, v1),
        _bilinear(quad, u0, v1),
    )


def _cuts(rng, n, jitter=0.22):
    """Return n+1 increasing cut positions from 0 to 1, jittered."""
    cuts = [0.0]
    for i in range(1, n):
        cuts.append((i + rng.uniform(-jitter, jitter)) / n)
    cuts.append(1.0)
    return cuts


def _subdivide(quad, n, rng):
    """Split a quad into ``n`` quads tiling it exactly (rows of columns)."""
    columns = max(1, math.ceil(math.sqrt(n)))
    rows = math.ceil(n / columns)
    per_row = _split_even(n, rows)
    v_cuts = _cuts(rng, rows)
    parts = []
    for r, count in enumerate(per_row):
        u_cuts = _cuts(rng, count)
        for c in range(count):
            parts.append(
                _sub_quad(quad, u_cuts[c], u_cuts[c + 1], v_cuts[r], v_cuts[r + 1])
            )
    return parts


def _polygon(quad):
    ring = [[round(x, 6), round(y, 6)] for x, y in quad]
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def _centre(quad):
    x, y = _bilinear(quad, 0.5, 0.5)
    return [round(x, 6), round(y, 6)]


def _community_quads(rng, count):
    """Return one quad per community from a jittered 4 × 3 lattice.

    Eleven communities on twelve slots: the last takes two slots of the top row.
    """
    points = {}
    for i in range(COLUMNS + 1):
        for j in range(ROWS + 1):
            inner = 0 < i < COLUMNS and 0 < j < ROWS
            dx = rng.uniform(-0.22, 0.22) if inner else 0.0
            dy = rng.uniform(-0.22, 0.22) if inner else 0.0
            points[i, j] = (
                ORIGIN[0] + SPAN[0] * (i + dx) / COLUMNS,
                ORIGIN[1] + SPAN[1] * (j + dy) / ROWS,
            )
    slots = [(i, j) for j in range(ROWS) for i in range(COLUMNS)]
    quads = []
    merged = len(slots) - count  # slots to fold into the last community
    for k in range(count):
        i, j = slots[k]
        width = 1 + (merged if k == count - 1 else 0)
        if width > 1:
            # The folded slots' inner points must lie on the merged edges.
            for w in range(1, width):
                a, b = points[i, j], points[i + width, j]
                points[i + w, j] = (
                    a[0] + (b[0] - a[0]) * w / width,
                    a[1] + (b[1] - a[1]) * w / width,
                )
        quads.append(
            (
                points[i, j],
                points[i + width, j],
                points[i + width, j + 1],
                points[i, j + 1],
            )
        )
    return quads


# -- the builder ------------------------------------------------------------------------


class _GridBuilder:
    def __init__(self, ctx, street, communities, today):
        self.ctx = ctx
        self.rng = ctx.rng
        self.street = street
        self.communities = communities
        self.today = today
        self.people = []

    def person(self, community=None):
        p = Person(
            name=person_name(self.rng),
            phone=mobile(self.rng),
            street=self.street,
            community=community,
        )
        self.people.append(p)
        return p

    # -- inputs -----------------------------------------------------------------------
    def units_by_community(self):
        units = self.ctx.data.get("units")
        if units is None:
            units = OrgNode.objects.filter(street=self.street, kind=OrgKind.UNIT)
        grouped = defaultdict(list)
        for unit in units:
            grouped[unit.community_id].append(unit)
        for group in grouped.values():
            group.sort(key=lambda u: (-(u.headcount or 0), u.code))
        return grouped

    def compounds_by_community(self):
        compounds = self.ctx.data.get("compounds")
        if compounds is None:
            compounds = ResidentialCompound.objects.filter(
                community__in=self.communities
            )
        grouped = defaultdict(list)
        for compound in compounds:
            grouped[compound.community_id].append(compound)
        return grouped

    def seat_people(self):
        """Return current seat holders: leadership, big_working, two_committees."""
        committees = self.ctx.data.get("committees") or {}

        def holders(committee):
            if committee is None:
                return []
            return [
                s.person
                for s in Seat.objects.filter(
                    committee=committee, vacated_on__isnull=True
                )
                .select_related("person")
                .order_by("position", "id")
            ]

        leadership = holders(committees.get("leadership"))
        big_working = holders(committees.get("big_working"))
        two = {
            pk: holders(c) for pk, c in (committees.get("two_committees") or {}).items()
        }
        return leadership, big_working, two

    # -- build -------------------------------------------------------------------------
    def build(self):
        rng = self.rng
        communities = self.communities
        units = self.units_by_community()
        compounds = self.compounds_by_community()
        leadership, big_working, two = self.seat_people()
        self.two = two
        unit_counts = [len(units[c.pk]) for c in communities]

        # Level 2: 67 areas, the extra ones to the communities with most units.
        level_2_total = self.ctx.scaled(LEVEL_2_TOTAL, len(communities))
        level_3_total = self.ctx.scaled(LEVEL_3_TOTAL, level_2_total)
        areas = _allocate(
            level_2_total,
            [n + 1 for n in unit_counts],
            [level_2_total // len(communities)] * len(communities),
        )
        # Level 3: 325 cells in proportion to units, at least one per area and,
        # where units suffice, no more cells than units (each cell has a head).
        level_3 = _allocate(
            level_3_total,
            [n if sum(unit_counts) >= level_3_total else 1 for n in unit_counts],
            areas,
        )
        quads = _community_quads(rng, len(communities))
        specs = []
        self.area_specs = {}  # community pk → [area spec]
        self.unit_specs = {}  # community pk → [level-3 spec]
        for ci, community in enumerate(communities):
            short = community.name.removesuffix("社区")
            root = CellSpec(
                name=f"{community.name}网格",
                code=community.code,
                community=community,
                boundary=_polygon(quads[ci]),
                centre=_centre(quads[ci]),
                leader=leadership[ci % len(leadership)] if leadership else None,
            )
            pool = two.get(community.pk) or big_working
            area_quads = _subdivide(quads[ci], areas[ci], rng)
            per_area = _split_even(level_3[ci], areas[ci])
            rng.shuffle(per_area)
            cell_units = self.place_units(units[community.pk], level_3[ci])
            cursor = 0
            self.area_specs[community.pk] = []
            self.unit_specs[community.pk] = []
            for ai, area_quad in enumerate(area_quads, start=1):
                area = CellSpec(
                    name=f"{short}{_cn(ai)}片区",
                    code=f"{root.code}-{ai:02d}",
                    community=community,
                    boundary=_polygon(area_quad),
                    centre=_centre(area_quad),
                    leader=pool[(ai - 1) % len(pool)] if pool else None,
                )
                for ui, quad in enumerate(
                    _subdivide(area_quad, per_area[ai - 1], rng), start=1
                ):
                    covered = cell_units[cursor]
                    cursor += 1
                    if covered:
                        main = covered[0]
                        name = (
                            f"{main.name}网格"
                            if len(covered) == 1
                            else f"{main.name}等{len(covered)}家单位网格"
                        )
                    else:
                        name = f"{area.name}{ui}号网格"
                    heads = [u.head for u in covered if u.head_id]
                    cell = CellSpec(
                        name=name,
                        code=f"{area.code}-{ui:03d}",
                        community=community,
                        units=covered,
                        boundary=_polygon(quad),
                        centre=_centre(quad),
                        leader=heads[0] if heads else None,
                    )
                    cell.quad = quad
                    area.children.append(cell)
                    self.unit_specs[community.pk].append(cell)
                root.children.append(area)
                self.area_specs[community.pk].append(area)
            self.place_compounds(community, compounds[community.pk], extend=(ci == 0))
            if ci == 0:
                self.split_large_units(community)
            specs.append(root)
        cells = cell_trees_bulk_create(user=None, street=self.street, specs=specs)
        self.by_code = {c.code: c for c in cells}
        self.assign_people()
        self.visits()
        self.cases()
        self.ctx.log(
            "  grids: %d cells (%d/%d/%d), %d visits, %d cases"
            % (
                len(cells),
                sum(c.level == 1 for c in cells),
                sum(c.level == 2 for c in cells),
                sum(c.level == 3 for c in cells),
                self.visit_count,
                self.case_count,
            )
        )

    def place_units(self, units, cells):
        """Return ``cells`` lists of units: large units alone, small ones shared."""
        placed = [[] for _ in range(cells)]
        for i, unit in enumerate(units[:cells]):
            placed[i].append(unit)
        # The rest (the smallest) join the cells holding the smallest units.
        rest = units[cells:]
        for k, unit in enumerate(rest):
            placed[cells - 1 - (k % cells)].append(unit)
        self.rng.shuffle(placed)
        return placed

    def place_compounds(self, community, compounds, *, extend):
        """Attach each compound to a level-3 cell; extend some to households."""
        cells = list(self.unit_specs[community.pk])

        def score(spec):
            names = "".join(u.name for u in spec.units)
            if "物业" in names:
                return 0
            kinds = {u.unit_kind for u in spec.units}
            if UnitKind.MERCHANT in kinds or UnitKind.PRIVATE in kinds:
                return 1
            return 2

        cells.sort(key=score)
        for compound, spec in zip(compounds, cells, strict=False):
            spec.compound = compound
            if extend:
                self.extend_compound(spec, compound)

    def extend_compound(self, spec, compound):
        """Add building → entrance → household cells under a compound cell."""
        rng = self.rng
        buildings = rng.randint(3, 6)
        quads = _subdivide(_sub_quad(spec.quad, 0.12, 0.88, 0.12, 0.88), buildings, rng)
        for b, quad in enumerate(quads, start=1):
            inner = _sub_quad(quad, 0.15, 0.85, 0.15, 0.85)
            building = CellSpec(
                name=f"{compound.name}{b}栋",
                code=f"{spec.code}-{b:02d}",
                community=spec.community,
                boundary=_polygon(inner),
                centre=_centre(inner),
            )
            for e in range(1, rng.randint(2, 3) + 1):
                entrance = CellSpec(
                    name=f"{compound.name}{b}栋{e}单元",
                    code=f"{building.code}-{e:02d}",
                    community=spec.community,
                )
                for floor in range(1, 4):
                    for door in (1, 2):
                        number = floor * 100 + door
                        entrance.children.append(
                            CellSpec(
                                name=f"{compound.name}{b}栋{e}单元{number}室",
                                code=f"{entrance.code}-{number:03d}",
                                community=spec.community,
                            )
                        )
                building.children.append(entrance)
            spec.children.append(building)

    def split_large_units(self, community):
        """Split the largest single-unit cells without a compound into sections."""
        large = [
            s
            for s in self.unit_specs[community.pk]
            if len(s.units) == 1
            and s.compound is None
            and (s.units[0].headcount or 0) >= 300
        ][:3]
        for spec in large:
            for k, label in enumerate(("办公区", "生产经营区"), start=1):
                half = _sub_quad(spec.quad, 0, 1, (k - 1) / 2, k / 2)
                spec.children.append(
                    CellSpec(
                        name=f"{spec.units[0].name}{label}",
                        code=f"{spec.code}-{k:02d}",
                        community=community,
                        units=list(spec.units),
                        boundary=_polygon(half),
                        centre=_centre(half),
                    )
                )

    # -- people on cells ------------------------------------------------------------------
    def assign_people(self):
        rng = self.rng
        today = self.today
        rows = []  # (cell, person, role)
        self.workers = {}  # area cell pk → grid worker person
        for community in self.communities:
            area_cells = [self.by_code[a.code] for a in self.area_specs[community.pk]]
            for cell in area_cells:
                worker = self.person(community)
                self.workers[cell.pk] = worker
                rows.append((cell, worker, AssignmentRole.GRID_WORKER))
            unit_cells = [self.by_code[s.code] for s in self.unit_specs[community.pk]]
            workers = [
                self.person(community) for _ in range(COMMUNITY_WORKERS_PER_COMMUNITY)
            ]
            for k, cell in enumerate(unit_cells):
                rows.append(
                    (cell, workers[k % len(workers)], AssignmentRole.COMMUNITY_WORKER)
                )
        all_areas = [
            self.by_code[a.code]
            for c in self.communities
            for a in self.area_specs[c.pk]
        ]
        cadres = [self.person(None) for _ in range(CADRES)]
        self.cadres = {}  # area cell pk → cadre person (包网格)
        for k, cell in enumerate(all_areas):
            self.cadres[cell.pk] = cadres[k % len(cadres)]
            rows.append((cell, cadres[k % len(cadres)], AssignmentRole.CADRE))
        bulk_insert(Person, self.people)
        bulk_insert(
            CellAssignment,
            [
                CellAssignment(
                    cell=cell,
                    person=person,
                    role=role,
                    started_on=today - datetime.timedelta(days=rng.randint(30, 900)),
                    street=self.street,
                    community_id=cell.community_id,
                )
                for cell, person, role in rows
            ],
            batch_size=1000,
        )
        # The demo grid worker (gridworker1) works the first community's area
        # holding its compounds, so his page shows buildings and households.
        first = self.communities[0]
        areas = [self.by_code[a.code] for a in self.area_specs[first.pk]]
        with_compounds = {
            self.by_code[s.code].parent_id
            for s in self.unit_specs[first.pk]
            if s.compound is not None
        }
        chosen = next((a for a in areas if a.pk in with_compounds), areas[0])
        self.ctx.data["grid_worker_cell"] = chosen
        self.ctx.data.setdefault("login_persons", {}).setdefault(
            "gridworker1", self.workers[chosen.pk]
        )

    # -- visits -----------------------------------------------------------------------------
    def visits(self):
        rng = self.rng
        below = defaultdict(list)  # area pk → cells in the area (itself and below)
        for cell in self.by_code.values():
            if cell.level >= CellLevel.AREA:
                area_code = "-".join(cell.code.split("-")[:3])
                area = self.by_code.get(area_code)
                if area is not None:
                    below[area.pk].append(cell)
        rows = []
        for area_pk, worker in self.workers.items():
            cells = below[area_pk]
            for _ in range(rng.randint(4, 8)):
                cell = rng.choice(cells)
                rows.append(
                    Visit(
                        cell=cell,
                        street=self.street,
                        community_id=cell.community_id,
                        visitor=worker,
                        visited_on=self.today
                        - datetime.timedelta(days=rng.randint(0, 60)),
                        findings=rng.choice(FINDINGS),
                    )
                )
        bulk_insert(Visit, rows)
        self.visit_count = len(rows)
        self.below = below

    # -- cases ------------------------------------------------------------------------------------
    def cases(self):
        rng = self.rng
        today = self.today
        tz = timezone.get_current_timezone()
        latest = min(
            timezone.now(),
            datetime.datetime.combine(today, datetime.time(23, 0), tzinfo=tz),
        )
        last = [None]

        def moment(day, hour=None):
            """Return a time on ``day``, after the case's previous step, not later
            than now."""
            at = datetime.datetime.combine(
                day,
                datetime.time(hour or rng.randint(8, 17), rng.randint(0, 59)),
                tzinfo=tz,
            )
            if last[0] is not None and at <= last[0]:
                at = last[0] + datetime.timedelta(minutes=rng.randint(20, 90))
            at = min(at, latest)
            last[0] = at
            return at

        candidates = [
            c
            for c in self.by_code.values()
            if c.level in (CellLevel.AREA, CellLevel.UNIT)
        ]
        finer = [c for c in self.by_code.values() if c.level >= CellLevel.SUB]
        candidates += rng.sample(finer, min(40, len(finer)))
        units_of = defaultdict(list)
        for link in Cell.units.through.objects.filter(
            cell_id__in=[c.pk for c in candidates]
        ):
            units_of[link.cell_id].append(link.orgnode_id)
        states = (
            ["cell_open"] * 28
            + ["cell_overdue"] * 8
            + ["community_open"] * 10
            + ["street_open"] * 5
            + ["closed"] * 12
            + ["confirmed"] * 32
            + ["reopened"] * 5
        )
        cases = []
        plans = []
        for _ in range(self.ctx.scaled(CASES, 10)):
            state = rng.choice(states)
            cell = rng.choice(candidates)
            category = rng.choice(list(CASE_TEXTS))
            title, description = rng.choice(CASE_TEXTS[category])
            kind = rng.choices(
                [
                    ReporterKind.WORKER,
                    ReporterKind.RESIDENT,
                    ReporterKind.UNIT,
                    ReporterKind.CADRE,
                ],
                weights=[45, 30, 15, 10],
            )[0]
            unit_ids = units_of.get(cell.pk) or []
            if kind == ReporterKind.UNIT and not unit_ids:
                kind = ReporterKind.RESIDENT
            age = {
                "cell_open": rng.randint(0, 2),
                "cell_overdue": rng.randint(5, 12),
                "community_open": rng.randint(4, 12),
                "street_open": rng.randint(10, 25),
                "closed": rng.randint(3, 30),
                "confirmed": rng.randint(8, 120),
                "reopened": rng.randint(8, 40),
            }[state]
            reported_on = today - datetime.timedelta(days=age)
            last[0] = None
            area = self.by_code["-".join(cell.code.split("-")[:3])]
            secretaries = self.two.get(cell.community_id) or []
            actors = {
                CaseLevel.CELL: self.workers[area.pk].name,
                CaseLevel.COMMUNITY: secretaries[0].name
                if secretaries
                else self.workers[area.pk].name,
                CaseLevel.STREET: self.cadres[area.pk].name,
            }
            case = Case(
                cell=cell,
                street=self.street,
                community_id=cell.community_id,
                unit_id=rng.choice(unit_ids) if kind == ReporterKind.UNIT else None,
                category=category,
                title=title,
                description=description,
                location=cell.name,
                deadline=reported_on
                + datetime.timedelta(days=DEADLINE_DAYS[CaseLevel.CELL]),
                reporter_kind=kind,
                reporter_name=person_name(rng),
                reporter_phone=mobile(rng) if kind == ReporterKind.RESIDENT else "",
            )
            reporter = case.reporter_name
            events = [
                (
                    CaseEventKind.REPORTED,
                    moment(reported_on),
                    "",
                    "",
                    description,
                    reporter,
                )
            ]
            day = reported_on
            if state in ("community_open", "street_open") or (
                state in ("closed", "confirmed") and rng.random() < 0.3
            ):
                day = min(today, day + datetime.timedelta(days=rng.randint(1, 3)))
                at = moment(day)
                events.append(
                    (
                        CaseEventKind.ESCALATED,
                        at,
                        CaseLevel.CELL,
                        CaseLevel.COMMUNITY,
                        rng.choice(ESCALATION_REASONS),
                        actors[CaseLevel.CELL],
                    )
                )
                case.level = CaseLevel.COMMUNITY
                case.escalated_at = at
                case.deadline = day + datetime.timedelta(
                    days=DEADLINE_DAYS[CaseLevel.COMMUNITY]
                )
            if state == "street_open" or (
                case.level == CaseLevel.COMMUNITY
                and state in ("closed", "confirmed")
                and rng.random() < 0.3
            ):
                day = min(today, day + datetime.timedelta(days=rng.randint(2, 6)))
                at = moment(day)
                events.append(
                    (
                        CaseEventKind.ESCALATED,
                        at,
                        CaseLevel.COMMUNITY,
                        CaseLevel.STREET,
                        rng.choice(STREET_REASONS),
                        actors[CaseLevel.COMMUNITY],
                    )
                )
                case.level = CaseLevel.STREET
                case.escalated_at = at
                case.deadline = day + datetime.timedelta(
                    days=DEADLINE_DAYS[CaseLevel.STREET]
                )
            if state in ("closed", "confirmed", "reopened"):
                day = min(today, day + datetime.timedelta(days=rng.randint(1, 5)))
                at = moment(day)
                case.status = CaseStatus.CLOSED
                case.result = rng.choice(RESULTS)
                case.closed_at = at
                events.append(
                    (CaseEventKind.CLOSED, at, "", "", case.result, actors[case.level])
                )
            if state == "confirmed":
                day = min(today, day + datetime.timedelta(days=rng.randint(0, 3)))
                at = moment(day, 18)
                case.status = CaseStatus.CONFIRMED
                case.confirmed_at = at
                events.append(
                    (
                        CaseEventKind.CONFIRMED,
                        at,
                        "",
                        "",
                        "反映人确认问题已解决。",
                        reporter,
                    )
                )
            if state == "reopened":
                day = min(today, day + datetime.timedelta(days=rng.randint(0, 3)))
                at = moment(day, 18)
                case.status = CaseStatus.OPEN
                case.closed_at = None
                case.reopen_count = 1
                case.deadline = day + datetime.timedelta(days=DEADLINE_DAYS[case.level])
                events.append(
                    (
                        CaseEventKind.REOPENED,
                        at,
                        "",
                        "",
                        "问题反复出现，并未真正解决。",
                        reporter,
                    )
                )
            cases.append(case)
            plans.append(events)
        bulk_insert(Case, cases)
        for case, events in zip(cases, plans, strict=True):
            case.created_at = events[0][1]
        Case.objects.bulk_update(cases, ["created_at"], batch_size=500)
        rows = []
        for case, events in zip(cases, plans, strict=True):
            for kind, at, from_level, to_level, text, actor in events:
                rows.append(
                    CaseEvent(
                        case=case,
                        kind=kind,
                        from_level=from_level,
                        to_level=to_level,
                        actor_name=actor,
                        text=text,
                        street=self.street,
                        community_id=case.community_id,
                        at=at,
                    )
                )
        bulk_insert(CaseEvent, rows)
        self.case_count = len(cases)


def _cn(n):
    """Return a small number in Chinese (1 → 一, 12 → 十二)."""
    if n <= 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + CN_DIGITS[n - 10]
    return CN_DIGITS[n // 10] + "十" + (CN_DIGITS[n % 10] if n % 10 else "")
