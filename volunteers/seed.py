"""Demo street: volunteers, teams, a year of activities and check-ins, the
points ledger and love stations, service posts, micro-wishes, group service
events and in-service party members (S12, S14–S17).

Figures reproduced: 6,600+ party-member volunteers, 58 teams, 6,238 service
posts claimed, 3,796 micro-wishes fulfilled, 2,700+ group service events
reaching 170,000 residents. Everything is built in memory from ``ctx.rng``
and written with ``COPY`` in batches (``portal.bulk``; ~150k rows), never a ``save()``
per row. Ledger rows are only inserted, which the append-only trigger allows;
each account's balance is the sum of its entries and never negative at any
point in time (redemptions and reversals come after the awards they spend).

Every finished month of the demo (``ctx.history_months()``) is filled whole
and alike: activities from the first one's first day, in-service members'
check-ins spread evenly over them, posts and wishes fulfilled evenly over
them; only the current month is partial, in proportion to its days gone.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from orgs.models import PartyMember, Person
from portal.bulk import bulk_insert, copy_rows
from portal.demo import add_months, mobile, person_name
from volunteers.models import (
    Activity,
    ActivityCategory,
    ActivityType,
    Attendance,
    CheckIn,
    ClaimStatus,
    EntryKind,
    GroupServiceEvent,
    GroupServiceType,
    LoveStation,
    MicroWish,
    PointsAccount,
    PointsEntry,
    PointsRule,
    PostKind,
    Redemption,
    ServiceMode,
    ServicePost,
    SignUp,
    StationItem,
    Team,
    TeamMembership,
    Volunteer,
    VolunteerKind,
    WishCategory,
)
from volunteers.services import (
    DEFAULT_PARTY_POINTS,
    DEFAULT_RULES,
    min_service_minutes,
    points_for,
    service_minutes,
)

BATCH = 2000
PARTY_VOLUNTEERS = 6720
RESIDENT_VOLUNTEERS = 1380
IN_SERVICE_SHARE = 0.3  # of the party-member volunteers created here
TEAMS_PER_COMMUNITY = 5
STREET_TEAMS = ["党员先锋志愿服务总队", "应急救援志愿服务队", "文艺志愿服务团"]
SERVICE_POSTS_CLAIMED = 6238
SERVICE_POSTS_OPEN = 320
MICRO_WISHES_FULFILLED = 3796
MICRO_WISHES_CLAIMED = 160
MICRO_WISHES_OPEN = 240
GROUP_EVENTS = 2746
RESIDENTS_SERVED = 170_000

TEAM_THEMES = ["党员先锋", "邻里守望", "文明劝导", "爱心助老", "环境卫士"]
PLACES = ["党群服务中心", "文化广场", "小区活动室", "新时代文明实践站", "卫生服务站"]
TITLES = {
    ActivityType.POLICY: ["政策宣讲进小区", "惠民政策解读会", "理论宣讲微课堂"],
    ActivityType.JOBS: ["就业岗位推介会", "技能培训报名咨询", "灵活就业服务日"],
    ActivityType.LEGAL: ["法律咨询进社区", "反诈宣传", "调解矛盾服务日"],
    ActivityType.CULTURE: ["广场舞展演", "腰鼓队排练", "太极拳教学", "读书分享会"],
    ActivityType.MEDICAL: ["义诊进社区", "健康讲座", "免费测血压血糖"],
    ActivityType.ELDERLY: ["看望独居老人", "助老理发", "陪伴空巢老人"],
    ActivityType.ENVIRONMENT: ["小区环境整治", "垃圾分类宣传", "清理楼道杂物"],
    ActivityType.CIVILITY: ["文明劝导", "创文志愿服务", "交通路口文明引导"],
    ActivityType.SAFETY: ["平安巡逻", "消防安全检查", "防汛值守"],
    ActivityType.OTHER: ["社区议事会服务", "志愿者培训"],
}
TYPE_WEIGHTS = [
    (ActivityType.CIVILITY, 16),
    (ActivityType.ENVIRONMENT, 16),
    (ActivityType.ELDERLY, 14),
    (ActivityType.CULTURE, 12),
    (ActivityType.SAFETY, 10),
    (ActivityType.POLICY, 10),
    (ActivityType.MEDICAL, 8),
    (ActivityType.LEGAL, 6),
    (ActivityType.JOBS, 5),
    (ActivityType.OTHER, 3),
]
ITEMS = [
    ("洗衣液", 60),
    ("食用油（1.8L）", 120),
    ("大米（5kg）", 150),
    ("毛巾两条", 40),
    ("保温杯", 200),
    ("雨伞", 90),
    ("理发券", 50),
    ("体检套餐券", 300),
]
WISHES = [
    (WishCategory.STUDY, "孩子想要一个新书包"),
    (WishCategory.STUDY, "想要一套课外读物"),
    (WishCategory.LIVING, "冬天需要一床厚棉被"),
    (WishCategory.LIVING, "想要一台电饭煲"),
    (WishCategory.REPAIR, "独居老人家里水管漏水需维修"),
    (WishCategory.REPAIR, "楼道灯坏了想请人修"),
    (WishCategory.HEALTH, "需要一副老花镜"),
    (WishCategory.HEALTH, "想要一个血压计"),
    (WishCategory.COMPANY, "希望有人陪老人聊聊天"),
    (WishCategory.OTHER, "想学用智能手机"),
]
POSTS = [
    (PostKind.CIVILITY, "文明劝导岗"),
    (PostKind.ENVIRONMENT, "环境卫生监督岗"),
    (PostKind.SAFETY, "治安巡逻岗"),
    (PostKind.ELDERLY, "结对帮扶独居老人"),
    (PostKind.POLICY, "政策宣传岗"),
    (PostKind.OTHER, "楼栋长协助岗"),
]
GROUP_TYPES = [
    (GroupServiceType.POLICY, "送政策上门"),
    (GroupServiceType.JOBS, "送岗位进社区"),
    (GroupServiceType.LEGAL, "送法律服务"),
    (GroupServiceType.CULTURE, "送文化演出"),
    (GroupServiceType.MEDICAL, "送医疗义诊"),
]


CHECKIN_FIELDS = (
    "activity_id",
    "volunteer_id",
    "street_id",
    "community_id",
    "unit_id",
    "employer_unit_id",
    "in_service",
    "checked_in_at",
    "checked_out_at",
    "minutes",
    "attendance",
    "confirmed_by_id",
    "confirmed_at",
    "points_awarded",
    "party_points",
    "party_confirmed_by_id",
    "party_confirmed_at",
    "created_at",
    "updated_at",
)
CHECKIN_POINTS = CHECKIN_FIELDS.index("points_awarded")
CHECKIN_CONFIRMED_AT = CHECKIN_FIELDS.index("confirmed_at")
ENTRY_FIELDS = (
    "volunteer_id",
    "kind",
    "points",
    "reason",
    "street_id",
    "community_id",
    "checkin_id",
    "redemption_id",
    "reverses_id",
    "created_by_id",
    "created_at",
)


def _bulk(model, rows):
    return bulk_insert(model, rows)


@dataclass
class _Entry:
    """A ledger entry in the making (inserted by ``copy_rows``)."""

    volunteer: object
    kind: str
    points: int
    reason: str
    created_at: datetime
    checkin_id: int | None = None
    redemption_id: int | None = None
    reverses: "_Entry | None" = None
    id: int | None = None


#: Statuses of a post or wish that was done (fulfilled, perhaps confirmed).
DONE = (ClaimStatus.FULFILLED, ClaimStatus.CONFIRMED)


def _weighted(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


class _Seeder:
    def __init__(self, ctx):
        self.ctx = ctx
        self.rng = ctx.rng
        self.tz = timezone.get_current_timezone()
        self.today = ctx.today
        # A stated day is seen at noon; otherwise now is now (so nothing is
        # dated later than the moment the demo is built).
        self.now = (
            datetime.combine(self.today, time(12, 0), self.tz)
            if ctx.data.get("today")
            else timezone.localtime(timezone.now(), self.tz)
        )
        #: The finished months (filled whole) and the current one (partial).
        self.full_months = [(m.year, m.month) for m in ctx.history_months()]
        current = self.today.replace(day=1)
        self.current_month = (current.year, current.month)
        self.history_start = self.at(add_months(current, -len(self.full_months)), 0)
        month_begins = self.at(current, 0)
        month_ends = self.at(add_months(current, 1), 0)
        #: Share of the current month gone by now.
        self.current_share = (self.now - month_begins) / (month_ends - month_begins)
        self.street = ctx.data["street"]
        self.communities = list(ctx.data["communities"])
        self.units = list(ctx.data.get("units") or [])
        self.users = ctx.data.get("users", {})
        self.staff = (
            self.users.get("staff") or self.users.get("admin") or self._any_user()
        )
        # The article's figures at the context's scale (exactly at scale 1).
        self.n = {
            name: ctx.scaled(value)
            for name, value in (
                ("PARTY_VOLUNTEERS", PARTY_VOLUNTEERS),
                ("RESIDENT_VOLUNTEERS", RESIDENT_VOLUNTEERS),
                ("SERVICE_POSTS_CLAIMED", SERVICE_POSTS_CLAIMED),
                ("SERVICE_POSTS_OPEN", SERVICE_POSTS_OPEN),
                ("MICRO_WISHES_FULFILLED", MICRO_WISHES_FULFILLED),
                ("MICRO_WISHES_CLAIMED", MICRO_WISHES_CLAIMED),
                ("MICRO_WISHES_OPEN", MICRO_WISHES_OPEN),
                ("GROUP_EVENTS", GROUP_EVENTS),
                ("RESIDENTS_SERVED", RESIDENTS_SERVED),
            )
        }
        #: Days between activity weeks (a week; sparser in a small street).
        self.week_step = 7 if ctx.scale == 1 else max(7, round(7 / ctx.scale))

    def _any_user(self):
        from portal.models import User

        return User.objects.order_by("id").first()

    def at(self, day, hour, minute=0):
        return datetime.combine(day, time(hour, minute), self.tz)

    # -- volunteers --------------------------------------------------------------------

    def volunteers(self):
        rng = self.rng
        community_ids = [c.pk for c in self.communities]
        unit_ids = [u.pk for u in self.units] or [None]
        rows = []  # Volunteer objects (unsaved)
        used_persons = set()

        v1_user = self.users.get("volunteer1")
        v1_person = getattr(v1_user, "person", None) if v1_user else None
        self.v1 = None
        if v1_person is not None:
            membership = PartyMember.objects.filter(person=v1_person).first()
            employer = (
                (membership.employer_unit if membership else None)
                or self.ctx.data.get("unit_head_unit")
                or (self.units[0] if self.units else None)
            )
            self.v1 = Volunteer(
                person=v1_person,
                party_member=membership,
                employer_party_org=membership.party_org if membership else None,
                kind=VolunteerKind.IN_SERVICE
                if employer
                else VolunteerKind.PARTY_MEMBER,
                is_party_member=True,
                street=self.street,
                community=self.communities[0],
                employer_unit=employer,
                skills="文明劝导、助老服务",
                registered_on=self.today - timedelta(days=400),
            )
            rows.append(self.v1)
            used_persons.add(v1_person.pk)

        # Party members the organisations seed made, when there are some.
        members = self._party_members()
        for pm in members:
            if len(rows) >= self.n["PARTY_VOLUNTEERS"]:
                break
            if pm["person_id"] in used_persons:
                continue
            used_persons.add(pm["person_id"])
            in_service = pm["status"] == "in_service" and pm["employer_unit_id"]
            community = pm["residence_community_id"] or pm["community_id"]
            if community not in community_ids:
                community = rng.choice(community_ids)
            rows.append(
                Volunteer(
                    person_id=pm["person_id"],
                    party_member_id=pm["id"],
                    kind=VolunteerKind.IN_SERVICE
                    if in_service
                    else VolunteerKind.PARTY_MEMBER,
                    is_party_member=True,
                    street=self.street,
                    community_id=community,
                    employer_unit_id=pm["employer_unit_id"],
                    employer_party_org_id=pm["party_org_id"],
                    registered_on=self.today - timedelta(days=rng.randrange(30, 1500)),
                )
            )

        # Whoever is still missing is created here, so the figures hold
        # whether or not the organisations seed has filled the street yet.
        missing_party = max(self.n["PARTY_VOLUNTEERS"] - len(rows), 0)
        persons = []
        kinds = []
        for i in range(missing_party + self.n["RESIDENT_VOLUNTEERS"]):
            community = rng.choice(community_ids)
            persons.append(
                Person(
                    name=person_name(rng),
                    phone=mobile(rng),
                    gender=rng.choice("MF"),
                    birth_year=rng.randrange(1950, 2004),
                    street=self.street,
                    community_id=community,
                )
            )
            if i >= missing_party:
                kinds.append(VolunteerKind.RESIDENT)
            elif unit_ids[0] is not None and rng.random() < IN_SERVICE_SHARE:
                kinds.append(VolunteerKind.IN_SERVICE)
            else:
                kinds.append(VolunteerKind.PARTY_MEMBER)
        _bulk(Person, persons)
        for person, kind in zip(persons, kinds, strict=True):
            rows.append(
                Volunteer(
                    person=person,
                    kind=kind,
                    is_party_member=kind != VolunteerKind.RESIDENT,
                    street=self.street,
                    community_id=person.community_id,
                    employer_unit_id=rng.choice(unit_ids)
                    if kind == VolunteerKind.IN_SERVICE
                    else None,
                    skills=rng.choice(["", "", "理发", "医护", "法律", "电工", "文艺"]),
                    registered_on=self.today - timedelta(days=rng.randrange(30, 1500)),
                )
            )
        _bulk(Volunteer, rows)
        self.all_volunteers = rows
        self.by_community = defaultdict(list)
        for v in rows:
            self.by_community[v.community_id].append(v)
        self.party_volunteers = [v for v in rows if v.is_party_member]
        self.party_by_community = defaultdict(list)
        for v in self.party_volunteers:
            self.party_by_community[v.community_id].append(v)

    def _party_members(self):
        data = self.ctx.data.get("party_members")
        if not data:
            return []
        ids = [getattr(p, "pk", p) for p in data]
        fields = (
            "id",
            "person_id",
            "status",
            "employer_unit_id",
            "residence_community_id",
            "community_id",
            "party_org_id",
        )
        rows = []
        for start in range(0, len(ids), BATCH):
            rows.extend(
                PartyMember.objects.filter(pk__in=ids[start : start + BATCH])
                .exclude(person__volunteer__isnull=False)
                .values(*fields)
            )
        rows.sort(key=lambda r: r["id"])
        self.rng.shuffle(rows)
        # Directly managed and floating members first (they volunteer where
        # they are registered), then in-service members, who report to their
        # residence community (S15), up to the volunteers' total.
        rows.sort(key=lambda r: r["status"] == "in_service")
        return rows

    # -- teams -------------------------------------------------------------------------

    def teams(self):
        rng = self.rng
        teams, members = [], []
        for c in self.communities:
            short = c.name.removesuffix("社区")
            for theme in TEAM_THEMES[:TEAMS_PER_COMMUNITY]:
                pool = self.by_community[c.pk]
                leader = rng.choice(pool) if pool else None
                team = Team(
                    name=f"{short}{theme}志愿服务队",
                    street=self.street,
                    community=c,
                    leader=leader,
                    service_area=f"{c.name}辖区",
                )
                teams.append(team)
                chosen = rng.sample(pool, min(len(pool), rng.randrange(12, 40)))
                if leader and leader not in chosen:
                    chosen.append(leader)
                members.append((team, chosen))
        for name in STREET_TEAMS:
            pool = self.party_volunteers
            team = Team(
                name=f"{self.street.name}{name}",
                street=self.street,
                leader=rng.choice(pool) if pool else None,
                service_area=f"{self.street.name}全域",
            )
            teams.append(team)
            chosen = rng.sample(pool, min(len(pool), 60))
            if team.leader and team.leader not in chosen:
                chosen.append(team.leader)
            members.append((team, chosen))
        _bulk(Team, teams)
        _bulk(
            TeamMembership,
            [
                TeamMembership(team=team, volunteer=v, joined_on=v.registered_on)
                for team, chosen in members
                for v in chosen
            ],
        )
        self.teams_by_community = defaultdict(list)
        for t in teams:
            self.teams_by_community[t.community_id].append(t)

    # -- activities and check-ins --------------------------------------------------------

    def rules(self):
        rules = [
            PointsRule(activity_type=t, points_per_hour=DEFAULT_RULES[t])
            for t in ActivityType.values
            if not PointsRule.objects.filter(activity_type=t).exists()
        ]
        _bulk(PointsRule, rules)
        self.rule = {r.activity_type: r for r in PointsRule.objects.all()}

    def _activity(self, day, community, unit=None, **extra):
        rng = self.rng
        activity_type = extra.pop("activity_type", None) or _weighted(rng, TYPE_WEIGHTS)
        hour = rng.choice([8, 9, 9, 14, 15, 19])
        starts = self.at(day, hour, rng.choice([0, 30]))
        place = (
            f"{community.name}{rng.choice(PLACES)}" if community else self.street.name
        )
        teams = self.teams_by_community.get(community.pk if community else None) or [
            None
        ]
        values = {
            "title": rng.choice(TITLES[activity_type]),
            "category": ActivityCategory.PROJECT
            if rng.random() < 0.08
            else ActivityCategory.ACTIVITY,
            "activity_type": activity_type,
            "service_mode": ServiceMode.GROUP
            if unit
            else _weighted(
                rng,
                [
                    (ServiceMode.VOLUNTARY, 6),
                    (ServiceMode.ADMINISTRATIVE, 2),
                    (ServiceMode.COLLABORATIVE, 2),
                ],
            ),
            "place": place,
            "starts_at": starts,
            "ends_at": starts + timedelta(minutes=rng.choice([90, 120, 120, 150, 180])),
            "capacity": rng.randrange(30, 90),
            "points_per_hour": self.rule[activity_type].points_per_hour,
            "street": self.street,
            "community": community,
            "unit": unit,
            "team": rng.choice(teams),
            "organiser": self.staff,
            "published_at": starts - timedelta(days=rng.randrange(3, 10)),
        }
        values.update(extra)
        return Activity(**values)

    def activities(self):
        rng = self.rng
        # From the first finished month's first day to a month ahead.
        start = self.history_start.date()
        span = (self.today - start).days + 31
        rows = []
        units_by_community = defaultdict(list)
        for u in self.units:
            units_by_community[u.community_id].append(u)
        for offset in range(0, span, self.week_step):
            week = start + timedelta(days=offset)
            for c in self.communities:
                for _n in range(3):
                    day = week + timedelta(days=rng.randrange(7))
                    rows.append(self._activity(day, c))
                if units_by_community[c.pk]:
                    day = week + timedelta(days=rng.randrange(7))
                    rows.append(
                        self._activity(
                            day, c, unit=rng.choice(units_by_community[c.pk])
                        )
                    )
            if offset % (2 * self.week_step) == 0:
                rows.append(self._activity(week + timedelta(days=3), None))
        # Today's live activity for the demo volunteer (open the whole day,
        # whenever the demo is tried).
        self.live = self._activity(
            self.today,
            self.communities[0],
            activity_type=ActivityType.CIVILITY,
            title="文明劝导岗常态化值守（今日可签到）",
            place=f"{self.communities[0].name}党群服务中心门口",
            starts_at=self.at(self.today, 0, 0),
            ends_at=self.at(self.today, 23, 59) + timedelta(days=1),
            capacity=80,
        )
        rows.append(self.live)
        _bulk(Activity, rows)
        self.past = [a for a in rows if a.ends_at < self.now]
        self.upcoming = [a for a in rows if a.ends_at >= self.now]
        self.by_community_month = defaultdict(list)
        for a in self.past:
            local = timezone.localtime(a.starts_at, self.tz)
            self.by_community_month[(a.community_id, local.year, local.month)].append(a)

    def _services_target(self, volunteer):
        """Services in the year: most report monthly; some fall short (S15)."""
        rng = self.rng
        if volunteer is self.v1:
            return 14
        if volunteer.kind == VolunteerKind.IN_SERVICE:
            roll = rng.random()
            if roll < 0.64:
                return rng.randrange(12, 21)
            if roll < 0.82:
                return rng.randrange(10, 12)
            return rng.randrange(1, 10)
        return min(int(rng.expovariate(1 / 4)) + 1, 24)

    def _months_served(self, volunteer, target):
        """Return the (year, month) of each of ``target`` services in the year.

        In-service members report monthly: every finished month once first,
        extras in months at random, and this month as far as it has gone by.
        Others serve at random, a month as likely as its days gone by.
        """
        rng = self.rng
        months = self.full_months
        if volunteer.kind == VolunteerKind.IN_SERVICE or volunteer is self.v1:
            rounds, extra = divmod(target, len(months))
            chosen = months * rounds + rng.sample(months, extra)
            if rng.random() < self.current_share:
                chosen.append(self.current_month)
            return chosen
        return rng.choices(
            [*months, self.current_month],
            weights=[1] * len(months) + [self.current_share],
            k=target,
        )

    def checkins(self):
        rng = self.rng
        rows, pairs = [], set()
        for v in self.all_volunteers:
            target = self._services_target(v)
            chosen = self._months_served(v, target)
            for year, month in chosen:
                options = self.by_community_month.get((v.community_id, year, month))
                if not options:
                    continue
                for _try in range(4):
                    a = rng.choice(options)
                    if (a.pk, v.pk) not in pairs:
                        break
                else:
                    continue
                pairs.add((a.pk, v.pk))
                rows.append(self._checkin(a, v))
        ids = copy_rows(CheckIn, CHECKIN_FIELDS, [r[0] for r in rows])
        # (id, volunteer, activity, points, confirmed_at) for the ledger.
        self.checkin_rows = [
            (pk, v, a, values[CHECKIN_POINTS], values[CHECKIN_CONFIRMED_AT])
            for pk, (values, v, a) in zip(ids, rows, strict=True)
        ]

    def _checkin(self, a, v):
        """Return (column values in CHECKIN_FIELDS order, volunteer, activity)."""
        rng = self.rng
        recent = a.ends_at > self.now - timedelta(days=3)
        if v is self.v1:
            attendance = Attendance.PRESENT
        elif recent and rng.random() < 0.6:
            attendance = Attendance.PENDING
        else:
            attendance = _weighted(
                rng,
                [
                    (Attendance.PRESENT, 86),
                    (Attendance.LATE, 9),
                    (Attendance.ABSENT, 5),
                ],
            )
        late = attendance == Attendance.LATE
        checked_in = a.starts_at + timedelta(
            minutes=rng.randrange(10, 40) if late else -rng.randrange(0, 25)
        )
        checked_out = (
            min(a.ends_at + timedelta(minutes=rng.randrange(-15, 20)), self.now)
            if rng.random() < 0.88
            else None
        )
        # The check-out service refuses one within the minimum service time.
        served_from = max(checked_in, a.starts_at)
        if checked_out and checked_out < served_from + timedelta(
            minutes=min_service_minutes()
        ):
            checked_out = None
        confirmed = attendance != Attendance.PENDING
        in_service = v.kind == VolunteerKind.IN_SERVICE and a.community_id is not None
        party_confirmed = (
            in_service
            and attendance in (Attendance.PRESENT, Attendance.LATE)
            and a.ends_at < self.now - timedelta(days=30)
            and rng.random() < 0.85
        )
        confirmed_at = (
            min(a.ends_at + timedelta(hours=rng.randrange(1, 30)), self.now)
            if confirmed
            else None
        )
        # Credited as the services credit it: up to the check-out, or without
        # one up to the confirmation; a pending check-in without a check-out
        # has nothing credited yet.
        rule = self.rule[a.activity_type]
        minutes = service_minutes(
            checked_in_at=checked_in,
            until=checked_out or confirmed_at,
            starts_at=a.starts_at,
            ends_at=a.ends_at,
            max_hours=rule.max_hours,
        )
        points = points_for(
            minutes=minutes,
            points_per_hour=a.points_per_hour,
            attendance=attendance,
            rule=rule,
        )
        staff_id = self.staff.pk if self.staff else None
        values = (
            a.pk,
            v.pk,
            self.street.pk,
            a.community_id,
            a.unit_id,
            v.employer_unit_id if in_service else None,
            in_service,
            checked_in,
            checked_out,
            minutes,
            str(attendance),
            staff_id if confirmed else None,
            confirmed_at,
            points,
            DEFAULT_PARTY_POINTS if party_confirmed else 0,
            staff_id if party_confirmed else None,
            a.ends_at + timedelta(days=rng.randrange(5, 25))
            if party_confirmed
            else None,
            self.now,
            self.now,
        )
        return values, v, a

    def signups(self):
        rng = self.rng
        rows = []
        for a in self.upcoming:
            pool = self.by_community.get(a.community_id) or self.party_volunteers
            count = rng.randrange(0, int(a.capacity * 0.7) + 1)
            chosen = rng.sample(pool, min(count, len(pool)))
            if a is self.live and self.v1 is not None and self.v1 not in chosen:
                chosen.append(self.v1)
            a.signed_up_count = len(chosen)
            rows.extend(
                SignUp(
                    activity=a,
                    volunteer=v,
                    street=self.street,
                    community_id=a.community_id,
                    signed_at=a.published_at + timedelta(hours=rng.randrange(1, 48)),
                )
                for v in chosen
            )
        _bulk(SignUp, rows)
        Activity.objects.bulk_update(
            self.upcoming, ["signed_up_count"], batch_size=BATCH
        )

    # -- points ledger and love stations -----------------------------------------------

    def ledger(self):
        """Write awards, then reversals and corrections, then redemptions.

        Timeline per volunteer, so the balance is never negative at any
        moment: awards through the year; reversals a few days after awards at
        least 40 days old; corrections (always positive) 31–60 days ago;
        redemptions in the last 28 days, spending only what was settled
        30 days ago (older awards net of reversals, plus corrections).
        """
        rng = self.rng
        awards = []
        balance = defaultdict(int)
        earned = defaultdict(int)
        spendable = defaultdict(int)
        settled_before = self.now - timedelta(days=30)
        for checkin_id, v, a, points, confirmed_at in self.checkin_rows:
            if points and confirmed_at:
                awards.append(
                    _Entry(
                        volunteer=v,
                        kind=EntryKind.AWARD,
                        points=points,
                        reason=f"参加活动“{a.title}”",
                        created_at=confirmed_at,
                        checkin_id=checkin_id,
                    )
                )
                balance[v.pk] += points
                earned[v.pk] += points
                if confirmed_at < settled_before:
                    spendable[v.pk] += points
        others = []
        old_awards = [a for a in awards if a.created_at < self.now - timedelta(days=40)]
        for award in rng.sample(old_awards, min(120, len(old_awards))):
            others.append(
                _Entry(
                    volunteer=award.volunteer,
                    kind=EntryKind.REVERSAL,
                    points=-award.points,
                    reason="重复计分，予以冲正",
                    reverses=award,
                    created_at=award.created_at + timedelta(days=rng.randrange(1, 6)),
                )
            )
            for ledger in (balance, earned, spendable):
                ledger[award.volunteer.pk] -= award.points
        for v in rng.sample(self.all_volunteers, min(220, len(self.all_volunteers))):
            points = rng.choice([10, 20, 30, 50])
            others.append(
                _Entry(
                    volunteer=v,
                    kind=EntryKind.CORRECTION,
                    points=points,
                    reason=rng.choice(["补录线下活动积分", "年度优秀志愿者奖励"]),
                    created_at=self.now - timedelta(days=rng.randrange(31, 60)),
                )
            )
            balance[v.pk] += points
            spendable[v.pk] += points

        # Love stations: one per community, redemptions in the last month,
        # each only while the balance and the stock allow it.
        stations = _bulk(
            LoveStation,
            [
                LoveStation(
                    name=f"{c.name}爱心加油站",
                    street=self.street,
                    community=c,
                    address=f"{c.name}党群服务中心一楼",
                    opening_hours="周一至周五 9:00–17:00",
                )
                for c in self.communities
            ],
        )
        items = []
        for s in stations:
            for name, price in ITEMS:
                items.append(
                    StationItem(
                        station=s,
                        name=name,
                        price=price,
                        stock=rng.randrange(80, 400),
                        street=self.street,
                        community_id=s.community_id,
                    )
                )
        _bulk(StationItem, items)
        stock = {item: item.stock for item in items}
        items_by_community = defaultdict(list)
        for item in items:
            items_by_community[item.community_id].append(item)
        redemptions = []
        # The demo volunteer keeps his points: his journey ends at the station.
        redeemers = [
            v for v in self.all_volunteers if spendable[v.pk] >= 40 and v is not self.v1
        ]
        for v in rng.sample(redeemers, int(len(redeemers) * 0.45)):
            for _n in range(rng.randrange(1, 4)):
                affordable = [
                    i
                    for i in items_by_community[v.community_id]
                    if i.price <= spendable[v.pk] and stock[i] > 0
                ]
                if not affordable:
                    break
                item = rng.choice(affordable)
                stock[item] -= 1
                spendable[v.pk] -= item.price
                balance[v.pk] -= item.price
                redemptions.append(
                    Redemption(
                        volunteer=v,
                        item=item,
                        quantity=1,
                        points=item.price,
                        street=self.street,
                        community_id=v.community_id,
                        redeemed_at=self.now
                        - timedelta(days=rng.randrange(1, 28), hours=rng.randrange(8)),
                    )
                )
        _bulk(Redemption, redemptions)
        for item in items:
            item.stock = stock[item]
        StationItem.objects.bulk_update(items, ["stock"], batch_size=BATCH)
        others.extend(
            _Entry(
                volunteer=r.volunteer,
                kind=EntryKind.REDEMPTION,
                points=-r.points,
                reason=f"兑换“{r.item.name}”×1",
                redemption_id=r.pk,
                created_at=r.redeemed_at,
            )
            for r in redemptions
        )
        # Awards first (reversals point at them), then the rest.
        for entries in (awards, others):
            ids = copy_rows(
                PointsEntry, ENTRY_FIELDS, [self._entry_row(e) for e in entries]
            )
            for entry, pk in zip(entries, ids, strict=True):
                entry.id = pk
        _bulk(
            PointsAccount,
            [
                PointsAccount(
                    volunteer=v,
                    balance=balance[v.pk],
                    earned=earned[v.pk],
                    street=self.street,
                    community_id=v.community_id,
                )
                for v in self.all_volunteers
            ],
        )

    def _entry_row(self, e):
        return (
            e.volunteer.pk,
            str(e.kind),
            e.points,
            e.reason,
            self.street.pk,
            e.volunteer.community_id,
            e.checkin_id,
            e.redemption_id,
            e.reverses.id if e.reverses else None,
            self.staff.pk if self.staff else None,
            e.created_at,
        )

    # -- service posts and micro-wishes ---------------------------------------------------

    def _resident(self, community):
        rng = self.rng
        return {
            "resident_name": person_name(rng),
            "resident_address": f"{community.name}{rng.randrange(1, 30)}栋"
            f"{rng.randrange(1, 6)}单元{rng.randrange(1, 7)}0{rng.randrange(1, 5)}室",
            "resident_phone": mobile(rng),
        }

    def spread(self, k, count):
        """Return the moment of the ``k``-th of ``count`` events spread evenly
        over the demo's months: as many in each finished month (a February
        too), and in the current month its share of the days gone by now.

        The ``k``-th event falls at random in its ``1/count`` stretch of the
        months laid end to end, so the months' counts differ by one at most.
        """
        position = (
            (k + self.rng.random())
            / count
            * (len(self.full_months) + self.current_share)
        )
        index = min(int(position), len(self.full_months))
        year, month = [*self.full_months, self.current_month][index]
        first = date(year, month, 1)
        start, end = self.at(first, 0), self.at(add_months(first, 1), 0)
        return min(start + (end - start) * (position - index), self.now)

    def _claim_steps(self, status, k, count):
        """Return the dated steps of the ``k``-th of ``count`` posts or wishes
        in ``status``.

        Fulfilled ones are dated from their fulfilment, spread evenly over the
        demo's months (``spread``: the last finished month gets its share like
        the others), back to their claim and publication; the others from
        their publication, forward. Every step is in the past.
        """
        rng = self.rng
        if status in DONE:
            fulfilled = self.spread(k, count)
            claimed = fulfilled - timedelta(hours=rng.randrange(12, 480))
            steps = {
                "status": status,
                "published_at": claimed - timedelta(hours=rng.randrange(2, 240)),
                "claimed_at": claimed,
                "fulfilled_at": fulfilled,
                "fulfil_note": "已按居民需要完成。",
            }
            if status == ClaimStatus.CONFIRMED:
                confirmed = fulfilled + timedelta(hours=rng.randrange(4, 120))
                if confirmed > self.now:  # fulfilled lately: confirmed since
                    confirmed = fulfilled + (self.now - fulfilled) * rng.random()
                steps["confirmed_at"] = confirmed
                steps["confirmed_by"] = self.staff
            return steps
        # Claimed ones were published early enough to have been claimed.
        span = 40 if status == ClaimStatus.OPEN else 330
        published = self.now - timedelta(
            days=rng.randrange(35 if status != ClaimStatus.OPEN else 0, span + 35),
            hours=rng.randrange(10),
        )
        steps = {"status": status, "published_at": published}
        if status == ClaimStatus.CLAIMED:
            steps["claimed_at"] = published + timedelta(hours=rng.randrange(2, 240))
        if status == ClaimStatus.CANCELLED:
            steps["cancelled_at"] = published + timedelta(days=rng.randrange(1, 20))
        return steps

    def _claimant(self, community_id):
        rng = self.rng
        unit_head = self.users.get("unithead1")
        head_unit = self.ctx.data.get("unit_head_unit")
        if self.units and rng.random() < 0.7:
            unit = rng.choice(self.units)
            user = (
                unit_head if head_unit is not None and unit.pk == head_unit.pk else None
            )
            return {"claimed_by_unit": unit, "claimed_by_user": user}
        pool = self.party_by_community.get(community_id) or self.party_volunteers
        v = rng.choice(pool)
        return {
            "claimed_by_volunteer": v,
            "claimed_by_user": v.person.user if v is self.v1 else None,
        }

    def _claimables(self, model, plan, catalogue, field):
        rng = self.rng
        rows = []
        for status, count in plan:
            for k in range(count):
                community = rng.choice(self.communities)
                value, title = rng.choice(catalogue)
                values = {
                    "title": title,
                    "description": f"{community.name}居民需要：{title}。",
                    "street": self.street,
                    "community": community,
                    "created_by": self.staff,
                    field: value,
                    **self._resident(community),
                    **self._claim_steps(status, k, count),
                }
                if status in (
                    ClaimStatus.CLAIMED,
                    ClaimStatus.FULFILLED,
                    ClaimStatus.CONFIRMED,
                ):
                    values.update(self._claimant(community.pk))
                rows.append(model(**values))
        _bulk(model, rows)

    def claimables(self):
        confirmed_posts = int(self.n["SERVICE_POSTS_CLAIMED"] * 0.74)
        fulfilled_posts = int(self.n["SERVICE_POSTS_CLAIMED"] * 0.12)
        self._claimables(
            ServicePost,
            [
                (ClaimStatus.CONFIRMED, confirmed_posts),
                (ClaimStatus.FULFILLED, fulfilled_posts),
                (
                    ClaimStatus.CLAIMED,
                    self.n["SERVICE_POSTS_CLAIMED"] - confirmed_posts - fulfilled_posts,
                ),
                (ClaimStatus.OPEN, self.n["SERVICE_POSTS_OPEN"]),
            ],
            POSTS,
            "kind",
        )
        confirmed_wishes = int(self.n["MICRO_WISHES_FULFILLED"] * 0.9)
        self._claimables(
            MicroWish,
            [
                (ClaimStatus.CONFIRMED, confirmed_wishes),
                (
                    ClaimStatus.FULFILLED,
                    self.n["MICRO_WISHES_FULFILLED"] - confirmed_wishes,
                ),
                (ClaimStatus.CLAIMED, self.n["MICRO_WISHES_CLAIMED"]),
                (ClaimStatus.OPEN, self.n["MICRO_WISHES_OPEN"]),
                (ClaimStatus.CANCELLED, 30),
            ],
            WISHES,
            "category",
        )

    # -- group service events -----------------------------------------------------------

    def group_events(self):
        rng = self.rng
        if not self.units:
            return
        weights = [rng.randrange(20, 120) for _ in range(self.n["GROUP_EVENTS"])]
        total = sum(weights)
        served = [w * self.n["RESIDENTS_SERVED"] // total for w in weights]
        for i in range(self.n["RESIDENTS_SERVED"] - sum(served)):
            served[i % self.n["GROUP_EVENTS"]] += 1
        rows = []
        for residents in served:
            unit = rng.choice(self.units)
            service_type, title = rng.choice(GROUP_TYPES)
            rows.append(
                GroupServiceEvent(
                    unit=unit,
                    street=self.street,
                    community_id=unit.community_id,
                    service_type=service_type,
                    title=f"{unit.name}{title}",
                    held_on=self.today - timedelta(days=rng.randrange(1, 720)),
                    place=f"{unit.name}周边",
                    residents_served=residents,
                    volunteers_count=rng.randrange(3, 30),
                    recorded_by=self.staff,
                )
            )
        _bulk(GroupServiceEvent, rows)


def seed(ctx):
    seeder = _Seeder(ctx)
    seeder.volunteers()
    seeder.teams()
    seeder.rules()
    seeder.activities()
    seeder.checkins()
    seeder.signups()
    seeder.ledger()
    seeder.claimables()
    seeder.group_events()
    # seed_demo runs ANALYZE once every street is in.
    ctx.data["volunteers"] = seeder.all_volunteers
    ctx.data["live_activity"] = seeder.live
    ctx.log(
        "  volunteers: %s volunteers, %s activities, %s check-ins"
        % (
            len(seeder.all_volunteers),
            len(seeder.past) + len(seeder.upcoming),
            len(seeder.checkin_rows),
        )
    )
