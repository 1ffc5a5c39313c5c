"""Demo joint meetings: the demo's year for the 大工委 and every 大党委.

Runs after orgs (committees and seats), grids and portal (users). Uses
``ctx.data["committees"]`` = {"big_working": Committee, "big_party":
{community_pk: Committee}, ...} and ``ctx.data["users"]``; without committees it
does nothing and says so. Everything is drawn from ``ctx.rng`` and dated from
``ctx.data["today"]`` (default: today), and written with ``bulk_create``.

What it makes: a meeting a month per committee in each of the demo's
finished months (``ctx.history_months()``), the two before them (whose action
items fall due in the first) and the current one, chaired by the rotation
(with a couple of recorded swaps); attendance of the seated members plus
resident representatives; minutes with a revision for every held meeting but
a few recent ones (so "minutes missing" shows, with the minutes reminders the
service would have made); 2–4 problems per meeting ending as
action items in every state (done on time, done late, in progress, open,
overdue), answered, or escalated to the 大工委 (some solved there and fed
back); a civilised-city campaign with sections per community inspected at each
meeting; and a few channel posts with replies. Every finished month is shaped
alike: the same share of its due items done on time, whether it is last
year's or last month's.
"""

from contextlib import contextmanager
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from meetings.grid_feed import grid_cases_import
from meetings.models import (
    ActionItem,
    ActionItemStatus,
    ActionItemUpdate,
    Attendance,
    AttendanceStatus,
    AttendeeKind,
    Campaign,
    CampaignSection,
    ChannelPost,
    InspectionResult,
    Meeting,
    MeetingStatus,
    MinutesRevision,
    Problem,
    ProblemEvent,
    ProblemEventKind,
    ProblemSource,
    ProblemStatus,
    RotationSwap,
    SectionInspection,
)
from meetings.reminders import (
    action_item_reminders_sync,
    meeting_reminders_sync,
    secretaries_of,
)
from meetings.rotation import (
    add_months,
    compute_chairs,
    month_start,
    seat_serves,
    unit_secretaries_only,
)
from meetings.services import default_schedule
from orgs.models import OrgKind, OrgNode, Seat
from portal.bulk import bulk_insert
from portal.demo import person_name

BATCH = 500
#: Share of the items due in any finished month that were done by their due
#: date; of the rest, recent ones are more often still open (overdue) and
#: older ones more often done late.
ON_TIME = 0.8
#: Months of meetings before the demo's first finished month.
LEAD_IN = 2

PROBLEMS = [
    (
        "小区路灯损坏，夜间出行不便",
        "多栋楼之间的路灯已坏一个多月，老人晚上出门不安全。",
    ),
    ("背街小巷垃圾清运不及时", "巷内垃圾桶满溢，夏季异味明显，居民多次反映。"),
    ("老旧楼道堆放杂物存在消防隐患", "楼道内堆放纸箱、旧家具，堵塞疏散通道。"),
    ("停车位不足，车辆乱停乱放", "晚间车辆停到消防通道上，救护车进出困难。"),
    ("农贸市场周边占道经营", "早市摊点占用人行道，行人只能走机动车道。"),
    ("雨季排水管网堵塞积水", "每逢大雨路口积水没过脚踝，影响上下学。"),
    ("老年人助餐点就餐不便", "助餐点距离远、座位少，高龄老人希望送餐上门。"),
    ("学校周边上下学交通拥堵", "接送车辆临时停靠造成拥堵，存在安全隐患。"),
    ("共享单车乱停放", "地铁口周边单车堆积，占用盲道。"),
    ("沿街商铺油烟扰民", "餐饮店油烟直排，楼上住户无法开窗。"),
    ("无物业小区管理缺位", "小区无物业，公共设施损坏无人维修。"),
    ("电动车楼道充电隐患", "居民从楼上拉线充电，存在火灾风险。"),
    ("公厕设施老化", "公厕冲水设备损坏，卫生状况差。"),
    ("健身器材损坏", "广场健身器材部分断裂，存在伤人风险。"),
    ("施工夜间噪音扰民", "工地夜间施工，影响周边居民休息。"),
    ("二次供水水质问题", "高层住户反映自来水浑浊、有异味。"),
    ("路面坑洼破损", "主干道人行道砖块松动破损，雨天溅水。"),
    ("空巢老人缺少照护", "辖区独居老人多，日常探访力量不足。"),
    ("社区活动场地不足", "老年合唱队、广场舞队活动场地紧张。"),
    ("违章搭建影响通行", "底商私自搭建雨棚，占用消防通道。"),
    ("小广告乱贴乱画", "单元门和电线杆上小广告反复张贴。"),
    ("快递外卖车辆乱停", "小区门口快递车辆集中停放，影响通行。"),
    ("燃气管道老化", "老小区燃气立管锈蚀，居民担心漏气。"),
    ("楼顶防水渗漏", "顶层住户家中漏雨，墙面发霉。"),
    ("围墙破损存在安全隐患", "小区围墙倒塌一段，外来人员随意进出。"),
    ("创文点位垃圾桶破损", "创文检查点位垃圾分类桶破损缺盖。"),
    ("农民工子女入学咨询", "外来务工人员子女入学政策不清楚，希望集中解答。"),
    ("就业岗位信息不畅", "失业居民希望及时了解辖区单位招聘信息。"),
]
ACTIONS = [
    "协调物业公司限期整改",
    "联系市政部门上门维修",
    "组织党员志愿者集中清理",
    "开展专项整治并建立台账",
    "安排共建资金更换设施",
    "上门走访宣传、逐户劝导",
    "协调单位开放内部停车位",
    "设置临时便民点并专人值守",
    "联合执法部门开展联合检查",
    "组织专题协调会明确责任",
]
EVIDENCE = [
    "已整改到位，现场照片已存档，居民反映良好。",
    "已维修完毕，经社区复查合格。",
    "已完成清理，并建立每周巡查制度。",
    "已落实，相关单位出具书面说明。",
    "已完成，组织居民代表现场验收。",
]
ANSWERS = [
    "经核实属于区级职能部门权限，已转交并告知居民办理渠道。",
    "已向居民解释相关政策，居民表示理解。",
    "经现场查看问题已自行消除，持续关注。",
]
ESCALATE_REASONS = [
    "涉及多个部门职责，社区层面难以协调。",
    "需要街道统筹资金，大党委无力解决。",
    "跨社区问题，需要大工委牵头。",
]
SECTIONS = ["主干道沿线", "农贸市场周边", "学校周边", "老旧小区片", "公园广场片"]
POSTS = [
    ("本月创文迎检工作安排", "请各成员单位于周五前完成包保片段自查，并在群内反馈。"),
    ("关于开展“我为群众办实事”活动的通知", "请各单位结合自身优势认领服务项目。"),
    ("志愿服务招募", "周末社区环境整治需要志愿者 20 名，请各单位动员党员参加。"),
    ("防汛工作提示", "近期降雨较多，请各单位检查本单位及包保片段的排水设施。"),
]
REPLIES = [
    "收到，按时完成。",
    "我单位可派 5 名党员参加。",
    "已自查完毕，无问题。",
    "建议增加一次联合检查。",
]


def _tz():
    return ZoneInfo(settings.TIME_ZONE)


def _at(day, hour=10, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=_tz())


def _unit_of(seat, nodes):
    node = seat.represents
    for _hop in range(4):
        if node is None:
            return None
        if node.kind == OrgKind.UNIT:
            return node
        node = nodes.get(node.parent_id)
    return None


@contextmanager
def historic_created_at(*models):
    """Let ``bulk_create`` keep the ``created_at`` the seed sets on each row.

    ``auto_now_add`` would stamp every row "now"; a year of history needs its
    own dates. Switched off only for the seed's own run, then restored.
    """
    fields = [m._meta.get_field("created_at") for m in models]
    saved = [f.auto_now_add for f in fields]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f, value in zip(fields, saved, strict=True):
            f.auto_now_add = value


class _Times:
    """Set a row's historic ``created_at`` (kept by ``historic_created_at``)."""

    def set(self, obj, moment):
        obj.created_at = moment


def seed(ctx):
    committees = ctx.data.get("committees") or {}
    if not committees.get("big_working") and not committees.get("big_party"):
        ctx.log(
            "  meetings: 没有大工委/大党委（orgs 尚未生成委员会），跳过联席会议演示数据。"
        )
        return
    with historic_created_at(
        Meeting,
        MinutesRevision,
        Problem,
        ProblemEvent,
        ActionItem,
        ActionItemUpdate,
        ChannelPost,
    ):
        seeder = Seeder(ctx, committees)
        seeder.run()
    # Live writes through the services (auto_now_add back on).
    seeder.grid_cases()
    seeder.reminders()


class Seeder:
    def __init__(self, ctx, committees):
        self.ctx = ctx
        self.rng = ctx.rng
        self.today = ctx.data.get("today") or timezone.localdate()
        self.now = timezone.now()
        if ctx.data.get("today"):
            self.now = _at(self.today, 12)
        self.users = ctx.data.get("users", {})
        self.big_working = committees.get("big_working")
        big_party = committees.get("big_party") or {}
        self.big_party = [big_party[k] for k in sorted(big_party)]
        self.committees = [c for c in [self.big_working, *self.big_party] if c]
        # The finished months, then this one (scheduled or held by the date),
        # after a lead-in whose action items fall due in the first finished
        # month, as every month has items from the two before it.
        history = ctx.history_months(minimum=5)
        lead_in = [add_months(history[0], n - LEAD_IN) for n in range(LEAD_IN)]
        self.months = [*lead_in, *history, month_start(self.today)]
        self.times = _Times()
        self.secretary_community = {}
        for name in ("secretary1", "secretary2"):
            user = self.users.get(name)
            if user is not None:
                assignment = user.role_assignments.filter(
                    role="community_secretary"
                ).first()
                if assignment is not None:
                    self.secretary_community[assignment.org_node_id] = user

    # -- helpers -------------------------------------------------------------------
    def actor_for(self, committee):
        """Return the demo user who would act for a committee (or None)."""
        user = self.secretary_community.get(committee.community_id)
        if user is not None:
            return user
        return next(
            (self.users[n] for n in ("staff", "admin") if n in self.users), None
        )

    # -- steps ---------------------------------------------------------------------
    def run(self):
        committee_ids = [c.pk for c in self.committees]
        seats = {}
        for seat in (
            Seat.objects.filter(committee_id__in=committee_ids)
            .select_related("person", "represents")
            .order_by("term_start", "id")
        ):
            seats.setdefault(seat.committee_id, []).append(seat)
        self.seats = seats
        street_id = self.committees[0].street_id
        nodes = {
            n.pk: n
            for n in OrgNode.objects.filter(
                street_id=street_id, kind__in=[OrgKind.UNIT, OrgKind.PARTY_ORG]
            )
        }
        self.nodes = nodes
        units_by_community = {}
        for n in nodes.values():
            if n.kind == OrgKind.UNIT:
                units_by_community.setdefault(n.community_id, []).append(n)
        for units in units_by_community.values():
            units.sort(key=lambda u: u.code)
        self.units_by_community = units_by_community
        self.swaps()
        self.meetings()
        self.problems()
        self.campaigns()
        self.channel()
        self.ctx.data["meetings"] = {
            "months": self.months,
            "meetings": self.meeting_rows,
        }
        self.ctx.log(
            "  meetings: %d 场会议，%d 个问题，%d 项举措"
            % (len(self.meeting_rows), self.problem_count, self.item_count)
        )

    def member_units(self, committee):
        """Units seated on a committee (through their party org), for items."""
        units = []
        for seat in self.seats.get(committee.pk, []):
            unit = _unit_of(seat, self.nodes)
            if unit is not None and unit not in units:
                units.append(unit)
        if committee.community_id:
            units += [
                u
                for u in self.units_by_community.get(committee.community_id, [])[:8]
                if u not in units
            ]
        return units

    def swaps(self):
        """Two recorded swaps: one past, one ahead (so the rotation page shows both)."""
        rows = []
        for committee, (a, b) in zip(
            self.big_party[:2],
            [
                (self.months[3], self.months[4]),
                (self.months[-1], add_months(self.months[-1], 1)),
            ],
            strict=False,
        ):
            seats = self.seats.get(committee.pk, [])
            natural = compute_chairs(
                seats, [], [a, b], unit_secretaries_only(committee)
            )
            ca, cb = natural.get(a), natural.get(b)
            if (
                ca
                and cb
                and ca.pk != cb.pk
                and seat_serves(ca, b)
                and seat_serves(cb, a)
            ):
                rows.append(
                    RotationSwap(
                        committee=committee,
                        month_a=a,
                        month_b=b,
                        reason="%s当月外出参加集中学习，与%s调换。"
                        % (ca.person.name, cb.person.name),
                        created_by=self.actor_for(committee),
                    )
                )
        bulk_insert(RotationSwap, rows)
        self.swap_rows = rows

    def meetings(self):
        swaps = {}
        for s in self.swap_rows:
            swaps.setdefault(s.committee_id, []).append(s)
        rows = []
        for committee in self.committees:
            chairs = compute_chairs(
                self.seats.get(committee.pk, []),
                swaps.get(committee.pk, []),
                self.months,
                unit_secretaries_only(committee),
            )
            for month in self.months:
                held_at, place_kind, place, address = default_schedule(committee, month)
                on_site = self.rng.random() < 0.25
                held = held_at < self.now
                rows.append(
                    Meeting(
                        committee=committee,
                        street_id=committee.street_id,
                        community_id=committee.community_id,
                        month=month,
                        held_at=held_at,
                        place_kind="on_site" if on_site else place_kind,
                        place=("%s现场" % self.rng.choice(SECTIONS))
                        if on_site
                        else place,
                        address=address,
                        agenda="通报上月举措落实情况\n研究本月收集的问题\n议定解决举措和责任单位",
                        chair=chairs.get(month),
                        status=MeetingStatus.HELD if held else MeetingStatus.SCHEDULED,
                    )
                )
        for m in rows:
            self.times.set(m, m.held_at - timedelta(days=20))
        self.meeting_rows = rows
        self.by_committee_month = {(m.committee_id, m.month): m for m in rows}
        attendance, revisions = self.attendance_and_minutes()
        bulk_insert(Meeting, rows)
        bulk_insert(Attendance, attendance)
        bulk_insert(MinutesRevision, revisions)

    def attendance_and_minutes(self):
        """Return the attendance and minutes revisions of held meetings (unsaved)."""
        rng = self.rng
        attendance, revisions = [], []
        held = [m for m in self.meeting_rows if m.status == MeetingStatus.HELD]
        latest = {}
        for m in held:
            latest[m.committee_id] = max(latest.get(m.committee_id, m.month), m.month)
        missing = {(c.pk, latest.get(c.pk)) for c in self.unfiled_committees()}
        for m in held:
            committee = next(c for c in self.committees if c.pk == m.committee_id)
            day = timezone.localtime(m.held_at, _tz()).date()
            present = 0
            for seat in self.seats.get(m.committee_id, []):
                if not (
                    seat.term_start <= day
                    and (seat.vacated_on is None or seat.vacated_on > day)
                ):
                    continue
                roll = rng.random()
                status = (
                    AttendanceStatus.PRESENT
                    if roll < 0.84
                    else AttendanceStatus.EXCUSED
                    if roll < 0.95
                    else AttendanceStatus.ABSENT
                )
                present += status == AttendanceStatus.PRESENT
                attendance.append(
                    Attendance(
                        meeting=m,
                        kind=AttendeeKind.MEMBER,
                        seat=seat,
                        name=seat.person.name,
                        status=status,
                        street_id=m.street_id,
                        community_id=m.community_id,
                        unit=_unit_of(seat, self.nodes),
                    )
                )
            for _r in range(rng.randint(1, 3)):
                attendance.append(
                    Attendance(
                        meeting=m,
                        kind=AttendeeKind.RESIDENT,
                        name=person_name(rng),
                        street_id=m.street_id,
                        community_id=m.community_id,
                    )
                )
            if rng.random() < 0.3:
                attendance.append(
                    Attendance(
                        meeting=m,
                        kind=AttendeeKind.GUEST,
                        name=person_name(rng) + "（区职能部门）",
                        street_id=m.street_id,
                        community_id=m.community_id,
                    )
                )
            if (m.committee_id, m.month) in missing:
                continue
            chair = m.chair.person.name if m.chair else "—"
            html = (
                "<h3>会议概况</h3><p>%s主持，应到委员中 %d 人出席，居民代表列席。</p>"
                "<h3>议定事项</h3><ol><li>通报上月举措完成情况。</li>"
                "<li>研究本月收集的问题，明确责任单位和完成时限。</li>"
                "<li>部署下月%s工作。</li></ol>"
            ) % (
                chair,
                present,
                rng.choice(["创文迎检", "防汛", "志愿服务", "矛盾排查"]),
            )
            filed_at = m.held_at + timedelta(hours=rng.randint(3, 40))
            m.minutes_html = html
            m.minutes_filed_at = filed_at
            m.minutes_filed_by = self.actor_for(committee)
            rev = MinutesRevision(meeting=m, html=html, filed_by=m.minutes_filed_by)
            revisions.append(rev)
            self.times.set(rev, filed_at)
        return attendance, revisions

    def unfiled_committees(self):
        """Return the (up to three) committees whose latest held meeting has
        no minutes yet: ones with a secretary the minutes reminder reaches
        (a demo login), so the reminder and the work centre show it."""
        reachable = [c for c in self.committees if secretaries_of(c)]
        return (reachable or self.committees[1::4])[:3]

    def _item_state(self, item, created, due):
        """Set an item's status from its due date and today; return its updates."""
        rng = self.rng
        updates = [
            (created, "", ActionItemStatus.OPEN, 0, "议定举措，完成时限 %s。" % due)
        ]
        if due < self.today:
            # The same share is done on time whatever the month (so last
            # month grades like the others); of the rest, recent ones are
            # mostly still overdue and older ones mostly done late.
            age = (self.today - due).days
            still_open = 0.9 if age < 30 else 0.6 if age < 90 else 0.2
            if rng.random() < ON_TIME:
                done = min(_at(due - timedelta(days=rng.randint(0, 10)), 16), self.now)
            elif rng.random() < still_open:
                done = None
            else:
                done = min(_at(due + timedelta(days=rng.randint(2, 20)), 16), self.now)
            if done is not None and done > created:
                item.status, item.progress, item.done_at = (
                    ActionItemStatus.DONE,
                    100,
                    done,
                )
                item.evidence = rng.choice(EVIDENCE)
                mid = created + (done - created) / 2
                updates.append(
                    (
                        mid,
                        ActionItemStatus.OPEN,
                        ActionItemStatus.IN_PROGRESS,
                        50,
                        "正在推进。",
                    )
                )
                updates.append(
                    (
                        done,
                        ActionItemStatus.IN_PROGRESS,
                        ActionItemStatus.DONE,
                        100,
                        item.evidence,
                    )
                )
            else:
                item.status, item.progress = (
                    ActionItemStatus.OVERDUE,
                    rng.choice([0, 20, 40, 60]),
                )
                updates.append(
                    (
                        _at(due + timedelta(days=1), 0, 10),
                        ActionItemStatus.IN_PROGRESS,
                        ActionItemStatus.OVERDUE,
                        item.progress,
                        "超过完成时限，系统标记为逾期。",
                    )
                )
        elif rng.random() < 0.6:
            item.status, item.progress = (
                ActionItemStatus.IN_PROGRESS,
                rng.choice([10, 30, 50, 70, 90]),
            )
            updates.append(
                (
                    min(created + timedelta(days=3), self.now),
                    ActionItemStatus.OPEN,
                    ActionItemStatus.IN_PROGRESS,
                    item.progress,
                    "已启动，正在推进。",
                )
            )
        return updates

    def problems(self):
        rng = self.rng
        problems, meta = [], []
        for m in self.meeting_rows:
            committee = next(c for c in self.committees if c.pk == m.committee_id)
            units = self.member_units(committee)
            for k in range(rng.randint(2, 4)):
                title, description = rng.choice(PROBLEMS)
                source = (
                    ProblemSource.MEMBER_UNIT if k % 2 == 0 else ProblemSource.RESIDENT
                )
                reporter_unit = (
                    rng.choice(units)
                    if units and source == ProblemSource.MEMBER_UNIT
                    else None
                )
                during = m.status == MeetingStatus.HELD and rng.random() < 0.3
                p = Problem(
                    committee=committee,
                    meeting=m,
                    street_id=m.street_id,
                    community_id=m.community_id,
                    source=source,
                    title=title,
                    description=description,
                    raised_during_meeting=during,
                    reporter=self.actor_for(committee)
                    if source == ProblemSource.MEMBER_UNIT
                    else None,
                    reporter_name=person_name(rng),
                    reporter_unit=reporter_unit,
                )
                problems.append(p)
                meta.append((m, committee, units, during))
        items, updates, events = [], [], []
        escalate = []
        unit_head_unit = self.ctx.data.get("unit_head_unit")
        for p, (m, committee, units, during) in zip(problems, meta, strict=True):
            created = (
                m.held_at if during else m.held_at - timedelta(days=rng.randint(3, 15))
            )
            self.times.set(p, created)
            actor = self.actor_for(committee)
            events.append(
                self._ev(p, ProblemEventKind.CREATED, actor, p.description, created)
            )
            if m.status != MeetingStatus.HELD or not units:
                continue
            roll = rng.random()
            if committee.community_id and roll < 0.12 and self.big_working:
                escalate.append((p, m, actor))
                continue
            if roll < 0.2:
                p.status = ProblemStatus.ANSWERED
                p.result = rng.choice(ANSWERS)
                p.result_at = m.held_at + timedelta(days=2)
                p.result_by = actor
                p.feedback_sent_at = p.result_at
                events.append(
                    self._ev(p, ProblemEventKind.ANSWERED, actor, p.result, p.result_at)
                )
                events.append(
                    self._ev(
                        p,
                        ProblemEventKind.FEEDBACK,
                        actor,
                        "已将办理结果反馈给%s。" % p.reporter_name,
                        p.result_at,
                    )
                )
                continue
            self._items(
                p, m, committee, units, actor, items, updates, events, unit_head_unit
            )
        uppers = self._escalations(escalate, items, updates, events)
        for p in problems + uppers:
            self._roll_up(p, events)
        # Everything is decided: write each table once, parents first.
        bulk_insert(Problem, problems)
        bulk_insert(Problem, uppers)
        bulk_insert(ActionItem, items)
        rows = []
        for item, steps in updates:
            for moment, before, after, progress, note in steps:
                u = ActionItemUpdate(
                    item=item,
                    status_from=before,
                    status_to=after,
                    progress=progress,
                    note=note,
                )
                self.times.set(u, moment)
                rows.append(u)
        bulk_insert(ActionItemUpdate, rows)
        for e, moment in events:
            self.times.set(e, moment)
        bulk_insert(ProblemEvent, [e for e, _t in events])
        self.problem_count = len(problems) + len(uppers)
        self.item_count = len(items)

    def _ev(self, problem, kind, actor, note, moment):
        return (
            ProblemEvent(problem=problem, kind=kind, actor=actor, note=note),
            moment,
        )

    def _items(
        self, p, m, committee, units, actor, items, updates, events, unit_head_unit=None
    ):
        rng = self.rng
        p._items = []
        for _n in range(rng.randint(1, 2)):
            unit = rng.choice(units)
            if (
                unit_head_unit is not None
                and committee.community_id == unit_head_unit.community_id
                and rng.random() < 0.35
            ):
                unit = unit_head_unit
            due = timezone.localtime(m.held_at, _tz()).date() + timedelta(
                days=rng.randint(14, 45)
            )
            item = ActionItem(
                problem=p,
                meeting=m,
                committee=committee,
                street_id=committee.street_id,
                community_id=unit.community_id,
                unit=unit,
                title=rng.choice(ACTIONS),
                due_on=due,
                weight=rng.choice([1, 1, 2, 3]),
                created_by=actor,
            )
            rows = self._item_state(item, m.held_at, due)
            items.append(item)
            updates.append((item, rows))
            p._items.append(item)
            self.times.set(item, m.held_at)
            events.append(
                self._ev(
                    p,
                    ProblemEventKind.ITEM_ADDED,
                    actor,
                    "%s：%s（%s 前完成）" % (unit.name, item.title, due),
                    m.held_at,
                )
            )

    def _escalations(self, escalate, items, updates, events):
        """Escalate some 大党委 problems to the 大工委's meeting of the same month."""
        rng = self.rng
        uppers, pairs = [], []
        big = self.big_working
        all_units = [u for us in self.units_by_community.values() for u in us]
        for p, m, actor in escalate:
            target = self.by_committee_month.get((big.pk, m.month))
            if target is None:
                continue
            p.status = ProblemStatus.ESCALATED
            reason = rng.choice(ESCALATE_REASONS)
            at = m.held_at + timedelta(days=1)
            events.append(self._ev(p, ProblemEventKind.ESCALATED, actor, reason, at))
            upper = Problem(
                committee=big,
                meeting=target,
                street_id=p.street_id,
                community_id=p.community_id,
                source=ProblemSource.ESCALATED,
                title=p.title,
                description=p.description,
                reporter_name=p.reporter_name,
                reporter_unit=p.reporter_unit,
                escalated_from=p,
            )
            self.times.set(upper, at)
            uppers.append(upper)
            pairs.append((upper, p, target, actor, reason, at))
        big_actor = self.actor_for(big)
        for upper, p, target, actor, reason, at in pairs:
            events.append(
                self._ev(
                    upper,
                    ProblemEventKind.RECEIVED,
                    actor,
                    "%s上报：%s" % (p.committee.name, reason),
                    at,
                )
            )
            if target.status == MeetingStatus.HELD:
                units = rng.sample(all_units, k=min(2, len(all_units)))
                self._items(
                    upper, target, big, units, big_actor, items, updates, events
                )
        return uppers

    def _roll_up(self, p, events):
        items = getattr(p, "_items", None)
        if not items:
            return
        weight = sum(i.weight for i in items)
        p.progress = round(sum(i.weight * i.progress for i in items) / weight)
        if all(i.status == ActionItemStatus.DONE for i in items):
            done = max(i.done_at for i in items)
            p.status = ProblemStatus.RESOLVED
            p.result = "\n".join(
                "%s：%s（%s）" % (i.unit.name, i.title, i.evidence) for i in items
            )
            p.result_at = done
            p.feedback_sent_at = done
            events.append(self._ev(p, ProblemEventKind.RESOLVED, None, p.result, done))
            origin = p.escalated_from
            if origin is not None:
                origin.status = ProblemStatus.RESOLVED
                origin.result = "大工委办理结果：%s" % p.result
                origin.result_at = done
                origin.feedback_sent_at = done
                events.append(
                    self._ev(
                        origin, ProblemEventKind.RESOLVED, None, origin.result, done
                    )
                )
                events.append(
                    self._ev(
                        origin,
                        ProblemEventKind.FEEDBACK,
                        None,
                        "已将办理结果反馈给%s。" % origin.reporter_name,
                        done,
                    )
                )
            else:
                events.append(
                    self._ev(
                        p,
                        ProblemEventKind.FEEDBACK,
                        None,
                        "已将办理结果反馈给%s。" % p.reporter_name,
                        done,
                    )
                )
        else:
            p.status = ProblemStatus.IN_PROGRESS

    def campaigns(self):
        rng = self.rng
        campaigns, sections = [], []
        start = self.months[1]
        for committee in self.big_party:
            community = committee.community
            campaigns.append(
                Campaign(
                    name="创建全国文明城市（%s）" % community.name,
                    street_id=committee.street_id,
                    community_id=committee.community_id,
                    starts_on=start,
                )
            )
        bulk_insert(Campaign, campaigns)
        for campaign, committee in zip(campaigns, self.big_party, strict=True):
            units = self.member_units(committee) or self.units_by_community.get(
                committee.community_id, []
            )
            for k, name in enumerate(rng.sample(SECTIONS, k=min(4, len(SECTIONS)))):
                if not units:
                    break
                sections.append(
                    CampaignSection(
                        campaign=campaign,
                        name=name,
                        area="%s%s" % (committee.community.name, name),
                        unit=units[k % len(units)],
                        street_id=campaign.street_id,
                        community_id=campaign.community_id,
                    )
                )
        bulk_insert(CampaignSection, sections)
        inspections = []
        by_community = {}
        for s in sections:
            by_community.setdefault(s.community_id, []).append(s)
        for m in self.meeting_rows:
            if (
                m.status != MeetingStatus.HELD
                or m.community_id is None
                or m.month < start
            ):
                continue
            for s in by_community.get(m.community_id, []):
                roll = rng.random()
                result = (
                    InspectionResult.GOOD
                    if roll < 0.5
                    else InspectionResult.PASS
                    if roll < 0.88
                    else InspectionResult.FAIL
                )
                inspections.append(
                    SectionInspection(
                        meeting=m,
                        section=s,
                        result=result,
                        note=""
                        if result != InspectionResult.FAIL
                        else "垃圾桶破损、有乱堆放，限期整改",
                        street_id=s.street_id,
                        community_id=s.community_id,
                        unit_id=s.unit_id,
                    )
                )
        bulk_insert(SectionInspection, inspections)

    def channel(self):
        rng = self.rng
        posts, replies = [], []
        for committee in self.committees:
            author = self.actor_for(committee)
            if author is None:
                continue
            for title, body in rng.sample(POSTS, k=2):
                post = ChannelPost(
                    committee=committee,
                    author=author,
                    title=title,
                    body=body,
                    street_id=committee.street_id,
                    community_id=committee.community_id,
                )
                posts.append(post)
                self.times.set(post, self.now - timedelta(days=rng.randint(2, 25)))
        bulk_insert(ChannelPost, posts)
        repliers = [
            u
            for name, u in sorted(self.users.items())
            if name in ("staff", "secretary1", "secretary2", "unithead1")
        ]
        for post in posts:
            for _n in range(rng.randint(0, 2)):
                if not repliers:
                    break
                reply = ChannelPost(
                    committee=post.committee,
                    parent=post,
                    author=rng.choice(repliers),
                    body=rng.choice(REPLIES),
                    street_id=post.street_id,
                    community_id=post.community_id,
                )
                replies.append(reply)
                self.times.set(reply, self.now - timedelta(days=rng.randint(0, 2)))
        bulk_insert(ChannelPost, replies)

    def grid_cases(self):
        """Take the grid's escalated cases onto the agendas."""
        grid_cases_import(street=self.committees[0].street)

    def reminders(self):
        """The reminder rows the services would have made by now: upcoming
        meetings (chair and members), held meetings still without minutes
        (their secretaries, however long ago), and items not done."""
        for m in self.meeting_rows:
            upcoming = m.status == MeetingStatus.SCHEDULED and m.held_at > self.now
            unfiled = m.status == MeetingStatus.HELD and not m.has_minutes
            if upcoming or unfiled:
                meeting_reminders_sync(m, now=self.now)
        upcoming = (
            ActionItem.objects.filter(
                committee__in=self.committees, due_on__gte=self.today
            )
            .exclude(status=ActionItemStatus.DONE)
            .select_related("unit__head__user")
        )
        for item in upcoming:
            action_item_reminders_sync(item, now=self.now)
