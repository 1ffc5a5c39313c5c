"""Demo data of guarantee integration (S17–S19): workers and their rotation
trainings, 532 incubated social organisations, every community's funds (one
community underfunded this year, so the flag shows), spending and the special
fund's ledger.

Runs after orgs, grids and portal (users). Everything is drawn from
``ctx.rng`` and dated from ``ctx.data["today"]`` (default: today), and written
with ``bulk_create`` so the step takes well under a second or two.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from grids.models import Cell
from orgs.models import Gender, Person
from portal.bulk import bulk_insert
from portal.demo import mobile, person_name
from support.models import (
    AttendanceStatus,
    Budget,
    BudgetLine,
    BudgetRevision,
    FundEntryKind,
    SocialOrg,
    SocialOrgKind,
    SocialOrgStatus,
    SocialOrgStatusChange,
    SpecialFund,
    SpecialFundEntry,
    Spending,
    Training,
    TrainingAttendance,
    Worker,
    WorkerType,
)

BATCH = 1000
SOCIAL_ORGS = 532
#: Share of workers seeded short of the two trainings a year.
UNDER_TRAINED_SHARE = 0.1

SOCIAL_WORK_EMPLOYERS = ["张湾社会工作服务中心", "汉江社工服务社", "阳光社工事务所"]
TRAINING_TOPICS = [
    "基层党建工作实务",
    "网格化服务管理与信息采集",
    "社区矛盾纠纷排查化解",
    "社会工作方法与个案服务",
    "应急处置与安全生产",
    "志愿服务组织与积分管理",
    "民生政策解读与便民服务",
    "心理疏导与沟通技巧",
    "社区治理与居民议事",
    "群众工作方法与服务礼仪",
]
TRAINERS = ["街道组织办", "区委党校", "区民政局", "街道综治中心", "市社工协会"]
INTEREST_ACTIVITIES = [
    "广场舞",
    "腰鼓",
    "太极",
    "合唱",
    "书法",
    "舞龙",
    "京剧",
    "柔力球",
    "象棋",
    "乒乓球",
    "葫芦丝",
    "模特",
    "秧歌",
    "摄影",
]
SERVICE_ACTIVITIES = [
    "邻里互助",
    "助老",
    "便民理发",
    "义诊",
    "法律咨询",
    "心理疏导",
    "四点半课堂",
    "垃圾分类督导",
    "平安巡逻",
    "文明劝导",
    "助残",
    "家电维修",
]
ASSOCIATION_KINDS = ["志愿者", "党员志愿者", "青年志愿者", "巾帼志愿者", "老年志愿者"]
SOCIAL_WORK_KINDS = ["社工服务站", "社工服务队", "社工项目组"]
CHINESE_ORDINALS = "一二三四五六七八九十"


def seed(ctx):
    today = ctx.data.get("today") or timezone.localdate()
    street = ctx.data["street"]
    communities = ctx.data["communities"]
    workers = _seed_workers(ctx, street, communities, today)
    _seed_trainings(ctx, street, communities, workers, today)
    _seed_social_orgs(ctx, street, communities, today)
    _seed_funds(ctx, street, communities, today)
    _seed_special_fund(ctx, street, communities, today)


def _date_between(rng, start, end):
    if end <= start:
        return start
    return start + datetime.timedelta(days=rng.randrange((end - start).days + 1))


def _seed_workers(ctx, street, communities, today):
    rng = ctx.rng
    cells_by_community = {}
    for cell in Cell.objects.filter(street=street, level__lte=2).order_by(
        "level", "code"
    ):
        cells_by_community.setdefault(cell.community_id, {}).setdefault(
            cell.level, []
        ).append(cell)
    plan = []  # (person, worker_type, community, employer)
    for community in communities:
        short = community.name[:-2]
        for worker_type, n in (
            (WorkerType.SOCIAL_WORKER, 10 + rng.randrange(3)),
            (WorkerType.GRID_WORKER, 9 + rng.randrange(3)),
        ):
            for _i in range(n):
                person = Person(
                    name=person_name(rng),
                    phone=mobile(rng),
                    gender=rng.choice([Gender.MALE, Gender.FEMALE, Gender.FEMALE]),
                    birth_year=today.year - rng.randint(24, 55),
                    street=street,
                    community=community,
                )
                if worker_type == WorkerType.SOCIAL_WORKER:
                    employer = rng.choice(
                        [f"{community.name}居委会", *SOCIAL_WORK_EMPLOYERS]
                    )
                else:
                    employer = rng.choice(
                        [f"{street.name}综治中心", f"{short}社区网格工作站"]
                    )
                plan.append((person, worker_type, community, employer))
    bulk_insert(Person, [p for p, *_rest in plan])
    # The demo grid worker's login gets a worker record on his cell.
    grid_user = ctx.data.get("users", {}).get("gridworker1")
    grid_cell = ctx.data.get("grid_worker_cell")
    grid_person = getattr(grid_user, "person", None) if grid_user else None
    rows = []
    for person, worker_type, community, employer in plan:
        rows.append(
            Worker(
                person=person,
                worker_type=worker_type,
                street=street,
                community=community,
                employer=employer,
                hired_on=_date_between(
                    rng, today - datetime.timedelta(days=8 * 365), today
                )
                if rng.random() < 0.1
                else _date_between(
                    rng,
                    today - datetime.timedelta(days=8 * 365),
                    datetime.date(today.year - 1, 12, 31),
                ),
            )
        )
    if grid_person is not None and grid_cell is not None:
        rows.append(
            Worker(
                person=grid_person,
                worker_type=WorkerType.GRID_WORKER,
                street=street,
                community_id=grid_cell.community_id,
                employer=f"{street.name}综治中心",
                hired_on=datetime.date(today.year - 3, 3, 1),
            )
        )
    # A few who left last year: kept with their history, not counted.
    for community in rng.sample(communities, min(5, len(communities))):
        person = Person(
            name=person_name(rng), phone=mobile(rng), street=street, community=community
        )
        person.save()
        rows.append(
            Worker(
                person=person,
                worker_type=WorkerType.SOCIAL_WORKER,
                street=street,
                community=community,
                employer=f"{community.name}居委会",
                hired_on=datetime.date(today.year - 5, 4, 1),
                left_on=datetime.date(today.year - 1, rng.randint(1, 12), 1),
                note="调往其他街道工作",
            )
        )
    bulk_insert(Worker, rows)
    through = Worker.cells.through
    links = []
    for worker in rows:
        if worker.worker_type != WorkerType.GRID_WORKER:
            continue
        if worker.person_id == getattr(grid_person, "pk", None) and grid_cell:
            links.append(through(worker_id=worker.pk, cell_id=grid_cell.pk))
            continue
        levels = cells_by_community.get(worker.community_id, {})
        pool = levels.get(2) or levels.get(1) or []
        for cell in rng.sample(pool, min(len(pool), rng.choice([1, 1, 2]))):
            links.append(through(worker_id=worker.pk, cell_id=cell.pk))
    through.objects.bulk_create(links, batch_size=BATCH, ignore_conflicts=True)
    return rows


def _seed_trainings(ctx, street, communities, workers, today):
    rng = ctx.rng
    year_start = datetime.date(today.year, 1, 1)
    elapsed = (today - year_start).days
    trainings = []
    topics = iter(rng.sample(TRAINING_TOPICS, len(TRAINING_TOPICS)) * 20)
    # Last year's street-wide sessions: history on each worker's page.
    for month in (3, 6, 9, 11):
        trainings.append(
            Training(
                street=street,
                topic=next(topics),
                held_on=datetime.date(today.year - 1, month, 15),
                trainer=rng.choice(TRAINERS),
                location=f"{street.name}党群服务中心",
            )
        )
    # This year: four street-wide sessions spread over the months so far...
    for share in (0.08, 0.35, 0.6, 0.9):
        trainings.append(
            Training(
                street=street,
                topic=next(topics),
                held_on=year_start + datetime.timedelta(days=int(elapsed * share)),
                trainer=rng.choice(TRAINERS),
                location=f"{street.name}党群服务中心",
            )
        )
    # ...and two in each community, one for each kind of worker.
    for community in communities:
        for audience, share in (
            (WorkerType.SOCIAL_WORKER, rng.uniform(0.15, 0.5)),
            (WorkerType.GRID_WORKER, rng.uniform(0.5, 0.95)),
        ):
            trainings.append(
                Training(
                    street=street,
                    community=community,
                    audience=audience,
                    topic=next(topics),
                    held_on=year_start + datetime.timedelta(days=int(elapsed * share)),
                    trainer=rng.choice(TRAINERS),
                    location=f"{community.name}党群服务站",
                )
            )
    bulk_insert(Training, trainings)
    attendance = []
    for worker in workers:
        eligible = [
            t
            for t in trainings
            if (t.community_id is None or t.community_id == worker.community_id)
            and (not t.audience or t.audience == worker.worker_type)
            and worker.hired_on <= t.held_on
            and (worker.left_on is None or worker.left_on >= t.held_on)
        ]
        this_year = [t for t in eligible if t.held_on >= year_start]
        under = rng.random() < UNDER_TRAINED_SHARE
        if under:
            present = set(
                rng.sample(this_year, min(len(this_year), rng.choice([0, 1])))
            )
        else:
            guaranteed = rng.sample(this_year, min(len(this_year), 2))
            present = set(guaranteed) | {t for t in this_year if rng.random() < 0.6}
        for training in eligible:
            if training.held_on < year_start:
                status = (
                    AttendanceStatus.PRESENT
                    if rng.random() < 0.8
                    else AttendanceStatus.EXCUSED
                )
            elif training in present:
                status = AttendanceStatus.PRESENT
            else:
                status = rng.choice([AttendanceStatus.EXCUSED, AttendanceStatus.ABSENT])
            attendance.append(
                TrainingAttendance(
                    training=training,
                    worker=worker,
                    street=street,
                    community_id=worker.community_id,
                    status=status,
                )
            )
    bulk_insert(TrainingAttendance, attendance)


def _social_org_name(rng, kind, community, street, counters):
    place = community.name[:-2] if community else street.name[:-2]
    if kind == SocialOrgKind.INTEREST_GROUP:
        activity = rng.choice(INTEREST_ACTIVITIES)
        base = f"{place}{activity}队"
    elif kind == SocialOrgKind.SERVICE_GROUP:
        activity = rng.choice(SERVICE_ACTIVITIES)
        base = f"{place}{activity}服务队"
    elif kind == SocialOrgKind.VOLUNTEER_ASSOCIATION:
        activity = ""
        base = f"{place}{rng.choice(ASSOCIATION_KINDS)}协会"
    else:
        activity = ""
        base = f"{place}{rng.choice(SOCIAL_WORK_KINDS)}"
    n = counters.get(base, 0) + 1
    counters[base] = n
    if n == 1:
        return base, activity
    ordinal = CHINESE_ORDINALS[n - 1] if n <= len(CHINESE_ORDINALS) else str(n)
    return f"{base}（{ordinal}）", activity


def _seed_social_orgs(ctx, street, communities, today):
    rng = ctx.rng
    kinds = (
        [SocialOrgKind.INTEREST_GROUP] * 45
        + [SocialOrgKind.SERVICE_GROUP] * 25
        + [SocialOrgKind.VOLUNTEER_ASSOCIATION] * 18
        + [SocialOrgKind.SOCIAL_WORK] * 12
    )
    statuses = (
        [SocialOrgStatus.OPERATING] * 70
        + [SocialOrgStatus.INCUBATING] * 20
        + [SocialOrgStatus.SUSPENDED] * 7
        + [SocialOrgStatus.DISSOLVED] * 3
    )
    counters = {}
    orgs = []
    for i in range(SOCIAL_ORGS):
        community = None if i < 12 else communities[i % len(communities)]
        kind = rng.choice(kinds)
        name, activity = _social_org_name(rng, kind, community, street, counters)
        status = rng.choice(statuses)
        incubated_on = _date_between(
            rng, today - datetime.timedelta(days=6 * 365), today
        )
        if status == SocialOrgStatus.INCUBATING:
            incubated_on = _date_between(
                rng, today - datetime.timedelta(days=365), today
            )
        orgs.append(
            SocialOrg(
                street=street,
                community=community,
                name=name,
                kind=kind,
                activity=activity,
                status=status,
                incubated_on=incubated_on,
                leader_name=person_name(rng),
                contact_phone=mobile(rng),
                members=rng.randint(8, 80),
                registered=status != SocialOrgStatus.INCUBATING and rng.random() < 0.8,
                venue=f"{community.name}党群服务站"
                if community
                else "街道党群服务中心",
            )
        )
    bulk_insert(SocialOrg, orgs)
    bulk_insert(
        SocialOrgStatusChange,
        [
            SocialOrgStatusChange(
                org=org, from_status="", to_status=org.status, reason="演示数据"
            )
            for org in orgs
        ],
        batch_size=BATCH,
    )


def _yuan(rng, low, high, step=1000):
    return Decimal(rng.randrange(low // step, high // step + 1) * step)


def _seed_funds(ctx, street, communities, today):
    rng = ctx.rng
    underfunded = rng.choice(communities)
    budgets = []
    for year in (today.year - 1, today.year):
        for community in communities:
            if year == today.year and community is underfunded:
                amounts = {
                    BudgetLine.OPERATING: _yuan(rng, 110000, 130000),
                    BudgetLine.PARTY_BUILDING: _yuan(rng, 30000, 40000),
                    BudgetLine.SERVICE: _yuan(rng, 70000, 90000),
                }
            else:
                amounts = {
                    BudgetLine.OPERATING: _yuan(rng, 150000, 200000),
                    BudgetLine.PARTY_BUILDING: _yuan(rng, 50000, 80000),
                    BudgetLine.SERVICE: _yuan(rng, 100000, 150000),
                }
            for line, amount in amounts.items():
                budgets.append(
                    Budget(
                        street=street,
                        community=community,
                        year=year,
                        line=line,
                        amount=amount,
                    )
                )
    bulk_insert(Budget, budgets)
    bulk_insert(
        BudgetRevision,
        [
            BudgetRevision(budget=b, amount_after=b.amount, reason="年初预算")
            for b in budgets
        ],
        batch_size=BATCH,
    )
    purposes = {
        BudgetLine.OPERATING: [
            "办公用品采购",
            "水电费",
            "党群服务站维护",
            "网络通讯费",
        ],
        BudgetLine.PARTY_BUILDING: ["主题党日活动", "党员教育培训", "党建宣传栏更新"],
        BudgetLine.SERVICE: [
            "困难群众走访慰问",
            "社区文化节",
            "邻里节活动",
            "便民服务",
        ],
    }
    spendings = []
    for budget in budgets:
        year_start = datetime.date(budget.year, 1, 1)
        year_end = min(datetime.date(budget.year, 12, 31), today)
        left = budget.amount * Decimal("0.7")
        for _i in range(rng.randint(1, 3)):
            amount = _yuan(rng, 2000, 30000, step=100)
            if amount > left:
                break
            left -= amount
            spendings.append(
                Spending(
                    street=street,
                    community_id=budget.community_id,
                    budget=budget,
                    amount=amount,
                    spent_on=_date_between(rng, year_start, year_end),
                    purpose=rng.choice(purposes[budget.line]),
                    payee=rng.choice(["供应商", "活动承办方", "服务机构", "物业公司"]),
                )
            )
    bulk_insert(Spending, spendings)


def _seed_special_fund(ctx, street, communities, today):
    rng = ctx.rng
    established = datetime.date(today.year - 2, 1, 1)
    fund = SpecialFund.objects.create(
        street=street,
        name=f"{street.name}党建共建专项基金",
        manager="汉江社会工作服务中心",
        manager_contact=person_name(rng),
        established_on=established,
        note="驻街单位注资、第三方托管，用于社区服务项目和困难群众帮扶。",
    )
    units = ctx.data.get("units") or []
    dates = sorted(_date_between(rng, established, today) for _i in range(60))
    entries = []
    balance = Decimal("0")
    for i, day in enumerate(dates):
        grant = i > 3 and rng.random() < 0.45
        if grant:
            amount = _yuan(rng, 3000, 30000, step=500)
            if amount > balance:
                grant = False
        if grant:
            community = rng.choice(communities)
            entries.append(
                SpecialFundEntry(
                    fund=fund,
                    street=street,
                    community=community,
                    kind=FundEntryKind.GRANT,
                    amount=-amount,
                    occurred_on=day,
                    counterparty=community.name,
                    purpose=rng.choice(
                        ["困难群众帮扶", "社区服务项目", "志愿服务激励"]
                    ),
                )
            )
            balance -= amount
        else:
            unit = rng.choice(units) if units else None
            amount = _yuan(rng, 5000, 50000)
            entries.append(
                SpecialFundEntry(
                    fund=fund,
                    street=street,
                    unit=unit,
                    kind=FundEntryKind.CONTRIBUTION,
                    amount=amount,
                    occurred_on=day,
                    counterparty=unit.name if unit else "爱心企业",
                    purpose="共建注资",
                )
            )
            balance += amount
    bulk_insert(SpecialFundEntry, entries)
