"""The routine notice (通报, S21): sections compiled for a period.

A notice is a list of ``NoticeSection`` built by the functions in
``SECTION_BUILDERS``, in order. Each builder is called as
``builder(scope=..., period=...)`` and returns a section, a list of sections
or ``None``. The printable page and the .xlsx export render the same sections.

S21 asks first for the joint meetings' supervised items and the units'
co-building. Their figures come from the apps that hold them, each through
one selector scoped like the rest of the notice, in a fixed number of queries:

- ``meetings.selectors.meeting_notice_figures``: meetings held, their
  minutes, the action items due and overdue;
- ``volunteers.selectors.volunteer_notice_figures``: service, micro-wishes,
  units' group services, in-service members' reporting;
- ``evaluations.selectors.evaluation_notice_figures``: the month's grades,
  credit levels and stars.

This module only words them.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from evaluations.models import CreditLevel, Grade
from evaluations.selectors import evaluation_notice_figures
from meetings.selectors import meeting_notice_figures
from support import selectors
from support.models import (
    MIN_COMMUNITY_FUNDS_YUAN,
    REQUIRED_TRAININGS_PER_YEAR,
    AttendanceStatus,
    BudgetLine,
    FundEntryKind,
    SocialOrgKind,
    SocialOrgStatus,
    SpecialFundEntry,
    TrainingAttendance,
    WorkerType,
)
from volunteers.models import MONTHLY_SERVICES_REQUIRED
from volunteers.selectors import volunteer_notice_figures

#: Longest period a notice covers; a longer one is refused by the page's form.
MAX_PERIOD_DAYS = 366
#: Rows listed by name in one section (the totals above it cover the rest).
MAX_LISTED_ROWS = 500


@dataclass(frozen=True)
class NoticePeriod:
    start: datetime.date
    end: datetime.date

    @property
    def label(self):
        s, e = self.start, self.end
        if s.day == 1 and e == _month_end(s):
            return _("%(y)s年%(m)s月") % {"y": s.year, "m": s.month}
        if s == datetime.date(s.year, 1, 1) and e == datetime.date(s.year, 12, 31):
            return _("%s年") % s.year
        if (
            s.day == 1
            and s.month in (1, 4, 7, 10)
            and e == _month_end(datetime.date(s.year, s.month + 2, 1))
        ):
            return _("%(y)s年第%(q)s季度") % {"y": s.year, "q": (s.month - 1) // 3 + 1}
        return _("%(start)s至%(end)s") % {"start": s, "end": e}


def _month_end(day):
    first_next = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return first_next - datetime.timedelta(days=1)


def period_presets(today):
    """Return ``[(label, NoticePeriod)]``: this month, last month, quarter, year."""
    this_month = NoticePeriod(today.replace(day=1), _month_end(today))
    last_end = today.replace(day=1) - datetime.timedelta(days=1)
    last_month = NoticePeriod(last_end.replace(day=1), last_end)
    q_first = datetime.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    quarter = NoticePeriod(
        q_first, _month_end(datetime.date(today.year, q_first.month + 2, 1))
    )
    year = NoticePeriod(
        datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)
    )
    return [
        (_("本月"), this_month),
        (_("上月"), last_month),
        (_("本季度"), quarter),
        (_("本年"), year),
    ]


@dataclass
class NoticeSection:
    """One section: a heading, a paragraph, and a table of plain values."""

    key: str
    title: str
    summary: str = ""
    columns: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    empty_text: str = ""


@dataclass
class Notice:
    title: str
    period: NoticePeriod
    issuer: str
    generated_at: datetime.datetime
    sections: list


def notice_build(*, scope, period):
    """Return the ``Notice`` for ``period`` as seen from ``scope``."""
    streets = list(selectors.streets_in_scope(scope).values_list("name", flat=True))
    issuer = pgettext("punctuation", "、").join(streets) or _("街道")
    sections = []
    for builder in SECTION_BUILDERS:
        result = builder(scope=scope, period=period)
        if result is None:
            continue
        sections.extend(result if isinstance(result, list) else [result])
    return Notice(
        title=_("%(issuer)s党建共建工作通报（%(period)s）")
        % {"issuer": issuer, "period": period.label},
        period=period,
        issuer=issuer,
        generated_at=timezone.localtime(),
        sections=sections,
    )


# -- S21's subjects: the joint meetings and the units' co-building ---------------------
def _sums(rows, keys):
    """Return ``{key: sum over rows}`` of the figure dicts ``rows``."""
    return {k: sum(r[k] for r in rows) for k in keys}


def joint_meetings_sections(*, scope, period):
    """The meetings held and their minutes; the supervised action items."""
    figures = meeting_notice_figures(
        scope=scope, start=period.start, end=period.end, limit=MAX_LISTED_ROWS
    )
    keys = ("meetings", "held", "cancelled", "minutes_filed", "minutes_missing")
    totals = _sums(figures["committees"], keys)
    rows = [[c["name"], *[c[k] for k in keys]] for c in figures["committees"]]
    if rows:
        rows.append([_("合计"), *[totals[k] for k in keys]])
    meetings = NoticeSection(
        key="meetings",
        title=_("联席会议召开情况"),
        summary=_(
            "本期联席会议共安排%(meetings)s次，已召开%(held)s次、取消%(cancelled)s次；"
            "提交会议纪要%(filed)s份，会后逾期未提交纪要%(missing)s次。"
        )
        % {
            "meetings": totals["meetings"],
            "held": totals["held"],
            "cancelled": totals["cancelled"],
            "filed": totals["minutes_filed"],
            "missing": totals["minutes_missing"],
        },
        columns=[
            _("委员会"),
            _("安排会议"),
            _("已召开"),
            _("已取消"),
            _("已提交纪要"),
            _("纪要逾期未提交"),
        ],
        rows=rows,
        empty_text=_("范围内没有大工委或大党委。"),
    )
    items = figures["items"]
    supervised = NoticeSection(
        key="supervised_items",
        title=_("联席会议督办事项"),
        summary=_(
            "本期到期解决举措%(due)s项，按期完成%(on_time)s项、逾期完成%(late)s项、"
            "尚未完成%(not_done)s项；截至目前逾期未完成%(overdue)s项"
            "（其中以前各期遗留%(carried)s项）。"
        )
        % {
            "due": items["due"],
            "on_time": items["done_on_time"],
            "late": items["done_late"],
            "not_done": items["not_done"],
            "overdue": items["overdue"],
            "carried": items["carried"],
        },
        columns=[
            _("委员会"),
            _("社区"),
            _("责任单位"),
            _("问题"),
            _("解决举措"),
            _("完成时限"),
            _("进度（%）"),
            _("逾期天数"),
        ],
        rows=[
            [
                i["committee"],
                i["community"],
                i["unit"],
                i["problem"],
                i["title"],
                i["due_on"],
                i["progress"],
                i["days"],
            ]
            for i in figures["overdue"]
        ],
        empty_text=_("没有逾期未完成的解决举措。"),
    )
    return [meetings, supervised]


def _rating_text(level, stars):
    return _("%(level)s级%(stars)s星") % {"level": level, "stars": stars}


def co_building_sections(*, scope, period):
    """Units' co-building: volunteering and group services; grades and ratings."""
    vol = volunteer_notice_figures(scope=scope, start=period.start, end=period.end)
    keys = ("events", "served", "wishes", "members", "services", "short")
    totals = _sums(vol["units"], keys)
    rows = [
        [u["unit"], u["community"], *[u[k] for k in keys]]
        for u in vol["units"][:MAX_LISTED_ROWS]
    ]
    if rows:
        rows.append([_("合计"), "", *[totals[k] for k in keys]])
    service, members = vol["service"], vol["in_service"]
    summary = _(
        "本期志愿服务%(checkins)s人次（%(volunteers)s名志愿者）、%(hours)s小时；"
        "实现微心愿%(wishes)s个，其中驻街单位认领%(by_units)s个；"
        "驻街单位开展组团式服务%(events)s场，服务群众%(served)s人次。"
        "在职党员%(members)s名到社区报到，本期服务%(services)s次，"
        "其中%(short)s名有整月未参加社区服务（每月至少%(required)s次）。"
    ) % {
        "checkins": service["checkins"],
        "volunteers": service["volunteers"],
        "hours": round(service["minutes"] / 60, 1),
        "wishes": vol["wishes"],
        "by_units": totals["wishes"],
        "events": totals["events"],
        "served": totals["served"],
        "members": members["members"],
        "services": members["services"],
        "short": members["short"],
        "required": MONTHLY_SERVICES_REQUIRED,
    }
    volunteering = NoticeSection(
        key="co_building",
        title=_("驻街单位共驻共建情况"),
        summary=summary,
        columns=[
            _("单位"),
            _("社区"),
            _("组团式服务（场）"),
            _("服务群众（人次）"),
            _("认领实现微心愿（个）"),
            _("报到在职党员"),
            _("在职党员服务（次）"),
            _("有整月未服务人数"),
        ],
        rows=rows,
        empty_text=_("本期没有驻街单位的共建记录。"),
    )
    return [volunteering, _evaluations_section(scope=scope, period=period)]


def _evaluations_section(*, scope, period):
    figures = evaluation_notice_figures(scope=scope, start=period.start, end=period.end)
    month = figures["month"]
    if month is None:
        summary = _("本期没有发布的月度评议结果。")
    else:
        grades = figures["grades"]
        summary = _(
            "%(month)s评议结果：优秀%(excellent)s个、良好%(good)s个、"
            "一般%(fair)s个、较差%(poor)s个。"
        ) % {
            "month": _("%(y)s年%(m)s月") % {"y": month.year, "m": month.month},
            **{g.value: grades.get(g.value, 0) for g in Grade},
        }
    levels = figures["levels"]
    summary += _(
        "截至期末，信用等级A级%(A)s个、B级%(B)s个、C级%(C)s个、D级%(D)s个；"
        "本期新评定或调整评级%(changed)s个。"
    ) % {
        **{level.value: levels.get(level.value, 0) for level in CreditLevel},
        "changed": figures["changed"],
    }
    rows = []
    for u in figures["units"][:MAX_LISTED_ROWS]:
        if not u["changed"]:
            change = ""
        elif u["before"] is None:
            change = _("首次评定")
        else:
            change = "%s → %s" % (
                _rating_text(*u["before"]),
                _rating_text(u["level"], u["stars"]),
            )
        rows.append(
            [
                u["unit"],
                u["community"],
                Grade(u["grade"]).label if u["grade"] else "",
                u["score"] if u["score"] is not None else "",
                u["level"] or "",
                u["stars"] or "",
                change,
            ]
        )
    return NoticeSection(
        key="evaluations",
        title=_("驻街单位评议和信用评级"),
        summary=summary,
        columns=[
            _("单位"),
            _("社区"),
            _("评议等次"),
            _("得分"),
            _("信用等级"),
            _("星级"),
            _("本期评级变动"),
        ],
        rows=rows,
        empty_text=_("本期没有评为优秀或较差、也没有评级变动的单位。"),
    )


# -- the support app's own sections ---------------------------------------------------
def workforce_section(*, scope, period):
    """Workers per community, training attendance in the period, shortfalls."""
    year_start = datetime.date(period.end.year, 1, 1)
    communities = list(selectors.communities_in_scope(scope).only("pk", "name"))
    per = {
        c.pk: {"name": c.name, "social": 0, "grid": 0, "attended": 0, "under": 0}
        for c in communities
    }
    active = (
        selectors.workers_visible(scope)
        .filter(hired_on__lte=period.end)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=period.end))
    )
    for community_id, worker_type, n in (
        active.values_list("community_id", "worker_type")
        .annotate(n=Count("id"))
        .order_by()
    ):
        if community_id in per:
            key = "social" if worker_type == WorkerType.SOCIAL_WORKER else "grid"
            per[community_id][key] = n
    held = selectors.trainings_visible(scope).filter(
        held_on__gte=period.start, held_on__lte=period.end
    )
    attended = (
        TrainingAttendance.objects.filter(
            training__in=held, status=AttendanceStatus.PRESENT
        )
        .values_list("community_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for community_id, n in attended:
        if community_id in per:
            per[community_id]["attended"] = n
    under = selectors.workers_count_by_community(
        _under_requirement(active, year_start, period.end)
    )
    for community_id, _name, n in under:
        if community_id in per:
            per[community_id]["under"] = n
    trainings_held = held.count()
    rows = [
        [
            p["name"],
            p["social"],
            p["grid"],
            p["social"] + p["grid"],
            p["attended"],
            p["under"],
        ]
        for p in per.values()
    ]
    totals = [sum(r[i] for r in rows) for i in range(1, 6)]
    if rows:
        rows.append([_("合计"), *totals])
    summary = _(
        "期末在岗社工%(social)s名、网格员%(grid)s名；本期举办轮训%(trainings)s场，"
        "参训%(attended)s人次；截至期末，本年度轮训不足%(required)s次的有%(under)s人。"
    ) % {
        "social": totals[0],
        "grid": totals[1],
        "trainings": trainings_held,
        "attended": totals[3],
        "required": REQUIRED_TRAININGS_PER_YEAR,
        "under": totals[4],
    }
    return NoticeSection(
        key="workforce",
        title=_("社工和网格员队伍及轮训情况"),
        summary=summary,
        columns=[
            _("社区"),
            _("社工"),
            _("网格员"),
            _("合计"),
            _("本期参训人次"),
            _("年内轮训不足人数"),
        ],
        rows=rows,
        empty_text=_("范围内没有社区。"),
    )


def _under_requirement(active, year_start, as_of):
    """Return ``active`` workers short of trainings from ``year_start`` to ``as_of``.

    The period may end before today, so attendance is counted up to its end.
    """
    return active.annotate(
        n=Count(
            "attendances",
            filter=Q(
                attendances__status=AttendanceStatus.PRESENT,
                attendances__training__held_on__gte=year_start,
                attendances__training__held_on__lte=as_of,
            ),
        )
    ).filter(n__lt=REQUIRED_TRAININGS_PER_YEAR)


def training_compliance_section(*, scope, period):
    """The workers still short of rotation trainings at the period's end."""
    year_start = datetime.date(period.end.year, 1, 1)
    active = (
        selectors.workers_visible(scope)
        .filter(hired_on__lte=period.end)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=period.end))
    )
    under = (
        _under_requirement(active, year_start, period.end)
        .select_related("person", "community")
        .order_by("community__code", "worker_type", "person__name", "id")
    )
    rows = [
        [
            w.community.name,
            w.person.name,
            w.get_worker_type_display(),
            w.employer,
            w.n,
        ]
        for w in under[:MAX_LISTED_ROWS]
    ]
    return NoticeSection(
        key="training_compliance",
        title=_("轮训未达标人员名单"),
        summary=_("按每人每年至少轮训%(n)s次的要求，截至%(date)s未达标人员如下。")
        % {"n": REQUIRED_TRAININGS_PER_YEAR, "date": period.end},
        columns=[_("社区"), _("姓名"), _("类别"), _("用人单位"), _("年内参训次数")],
        rows=rows,
        empty_text=_("全部人员均已达到轮训要求。"),
    )


def funds_section(*, scope, period):
    """Each community's three budget lines for the period's year, and spending."""
    year = period.end.year
    communities = list(selectors.communities_in_scope(scope).only("pk", "name"))
    budgets = {}
    for community_id, line, amount in (
        selectors.budgets_visible(scope)
        .filter(year=year)
        .values_list("community_id", "line", "amount")
    ):
        budgets[(community_id, line)] = amount
    spent = dict(
        selectors.spendings_visible(scope)
        .filter(
            voided_at__isnull=True,
            spent_on__gte=period.start,
            spent_on__lte=period.end,
        )
        .values_list("community_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    rows = []
    flagged = []
    for c in communities:
        amounts = [budgets.get((c.pk, line), Decimal("0")) for line in BudgetLine]
        total = sum(amounts, Decimal("0"))
        under = total < MIN_COMMUNITY_FUNDS_YUAN
        if under:
            flagged.append(c.name)
        rows.append(
            [
                c.name,
                *amounts,
                total,
                spent.get(c.pk, Decimal("0")),
                _("不足") if under else _("达标"),
            ]
        )
    if flagged:
        summary = _(
            "%(year)s年度%(n)s个社区三项经费合计低于%(min)s元：%(names)s，请抓紧落实。"
        ) % {
            "year": year,
            "n": len(flagged),
            "min": f"{MIN_COMMUNITY_FUNDS_YUAN:,.0f}",
            "names": pgettext("punctuation", "、").join(flagged),
        }
    else:
        summary = _("%(year)s年度各社区三项经费合计均不低于%(min)s元。") % {
            "year": year,
            "min": f"{MIN_COMMUNITY_FUNDS_YUAN:,.0f}",
        }
    return NoticeSection(
        key="funds",
        title=_("社区经费保障情况"),
        summary=summary,
        columns=[
            _("社区"),
            *[label for _value, label in BudgetLine.choices],
            _("三项合计（元）"),
            _("本期支出（元）"),
            _("是否达标"),
        ],
        rows=rows,
        empty_text=_("范围内没有社区。"),
    )


def special_fund_section(*, scope, period):
    """The special fund's movements in the period and its balance at the end."""
    funds = list(selectors.special_funds_visible(scope).order_by("name"))
    if not funds:
        return None
    entries = SpecialFundEntry.objects.filter(fund__in=funds)
    before = dict(
        entries.filter(occurred_on__lt=period.start)
        .values_list("fund_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    during = {}
    for fund_id, kind, total in (
        entries.filter(occurred_on__gte=period.start, occurred_on__lte=period.end)
        .values_list("fund_id", "kind")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        during[(fund_id, kind)] = total
    rows = []
    for fund in funds:
        opening = before.get(fund.pk, Decimal("0"))
        moves = [
            during.get((fund.pk, kind), Decimal("0"))
            for kind in (
                FundEntryKind.CONTRIBUTION,
                FundEntryKind.GRANT,
                FundEntryKind.REVERSAL,
            )
        ]
        rows.append(
            [
                fund.name,
                fund.manager,
                opening,
                moves[0],
                -moves[1],
                moves[2],
                opening + sum(moves, Decimal("0")),
            ]
        )
    return NoticeSection(
        key="special_fund",
        title=_("专项基金收支情况"),
        summary=_("专项基金由第三方托管，本期收支及期末余额如下。"),
        columns=[
            _("基金"),
            _("托管机构"),
            _("期初余额（元）"),
            _("本期注入（元）"),
            _("本期拨付（元）"),
            _("本期冲正（元）"),
            _("期末余额（元）"),
        ],
        rows=rows,
    )


def social_orgs_section(*, scope, period):
    """Social organisations by kind: total, operating, newly incubated."""
    qs = selectors.social_orgs_visible(scope)
    by_kind = {
        kind: {"total": 0, "operating": 0, "new": 0} for kind in SocialOrgKind.values
    }
    for kind, total, operating, new in (
        qs.values_list("kind")
        .annotate(
            total=Count("id"),
            operating=Count("id", filter=Q(status=SocialOrgStatus.OPERATING)),
            new=Count(
                "id",
                filter=Q(incubated_on__gte=period.start, incubated_on__lte=period.end),
            ),
        )
        .order_by()
    ):
        by_kind[kind] = {"total": total, "operating": operating, "new": new}
    rows = [
        [SocialOrgKind(kind).label, v["total"], v["operating"], v["new"]]
        for kind, v in by_kind.items()
    ]
    total = sum(v["total"] for v in by_kind.values())
    new = sum(v["new"] for v in by_kind.values())
    rows.append(
        [
            _("合计"),
            total,
            sum(v["operating"] for v in by_kind.values()),
            new,
        ]
    )
    return NoticeSection(
        key="social_orgs",
        title=_("社会组织孵化情况"),
        summary=_("街道累计孵化社会组织%(total)s个，本期新入孵%(new)s个。")
        % {"total": total, "new": new},
        columns=[_("类型"), _("累计孵化"), _("独立运营"), _("本期新入孵")],
        rows=rows,
    )


#: The notice's sections, in order. S21's two subjects come first.
SECTION_BUILDERS = [
    joint_meetings_sections,
    co_building_sections,
    workforce_section,
    training_compliance_section,
    funds_section,
    special_fund_section,
    social_orgs_section,
]
