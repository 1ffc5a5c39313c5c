"""Demo street: twelve evaluated months, all but the last published, credit
ratings of every out-of-system unit, a few appeals, a department notice, and
one year of two-way commitments with the units' views and survey answers
(S10, S20–S23).

Each month is computed by the real job (``evaluation_run_execute``, set-based:
one aggregate query per metric and batch) from whatever the meetings and
volunteers seeds left; without them every metric reads 0 and the months are
still computed. Every month but the last finished one is published, which
derives the credit ratings; the last is left evaluated and unpublished, so
the street admin can review it, override a grade with a reason and publish it
(the month the run page offers). Random choices come from ``ctx.rng`` and
dates from ``ctx.data["today"]``.
"""

from evaluations import services
from evaluations.models import (
    Appeal,
    AppealAction,
    AppealEvent,
    CommitmentTheme,
    CreditLevel,
    CreditRating,
    Department,
    Evaluation,
    FeedbackDelivery,
    Grade,
    RunTrigger,
    SurveyAnswer,
    UnitView,
)
from evaluations.selectors import latest_rating_ids
from orgs.models import OrgKind, OrgNode
from portal.bulk import bulk_insert
from portal.models import Reminder
from portal.roles import can

BATCH = 2000

COMMITMENTS = {
    CommitmentTheme.GOVERNANCE: [
        ("老旧小区物业全覆盖", "无物业小区全部引入红色物业或居民自治管理。"),
        (
            "网格事件按期办结率不低于95%",
            "一般事件3个工作日内办结，疑难事件提交大党委。",
        ),
        (
            "每月联席会议问题清单公开",
            "问题、举措、责任单位和办理结果在社区公开栏公示。",
        ),
    ],
    CommitmentTheme.DEVELOPMENT: [
        ("新增公共停车泊位300个", "利用边角地和单位错时开放解决停车难。"),
        ("改造提升背街小巷10条", "与创文分片包段结合，驻区单位认领路段。"),
        ("商圈党建联盟覆盖4个商圈", "商圈内商户和企业纳入联盟，共建共治。"),
    ],
    CommitmentTheme.PUBLIC_SERVICE: [
        ("社区食堂和老年助餐点覆盖全部社区", "为80岁以上老人提供助餐服务。"),
        ("每季度开展一次组团式服务进小区", "送政策、送岗位、送法律、送文化、送医疗。"),
        ("微心愿认领完成率不低于90%", "困难群众微心愿当月发布、当月认领。"),
    ],
}
VIEWS = {
    CommitmentTheme.GOVERNANCE: [
        "希望加强小区物业管理，解决楼道堆物问题。",
        "建议网格员定期上门，及时回应单位诉求。",
        "联席会议议定事项希望有跟踪反馈。",
    ],
    CommitmentTheme.DEVELOPMENT: [
        "单位周边停车难，建议统筹错时停车。",
        "背街小巷路灯不亮，建议改造。",
        "希望街道搭建商户交流平台。",
    ],
    CommitmentTheme.PUBLIC_SERVICE: [
        "职工子女暑期托管需求较大。",
        "建议增加社区老年助餐点。",
        "希望多组织义诊和健康讲座。",
    ],
}
OVERRIDE_REASONS = [
    "该单位本月承担防汛值守任务，相关服务未录入系统，经核实上调。",
    "本月联席会议议定事项经现场复核已完成，数据延迟录入。",
    "群众投诉查实，履行共建责任不到位，下调一档。",
]
APPEAL_REASONS = [
    "本单位上半年承担创文重点路段包保任务，相关服务未全部计入，申请复核星级。",
    "评级期间本单位负责人调整，联席会议缺席已请假，申请重新核定信用等级。",
    "本单位已完成整改并经社区确认，申请恢复原信用等级。",
    "本单位认领的微心愿已全部完成，附社区确认单，请予复核。",
]


def seed(ctx):
    # The finished months the other seeds filled whole (``history_months``):
    # at least four, so a small street still publishes the three months a
    # credit rating needs (``RATING_MIN_MONTHS``) before the unpublished last.
    months = ctx.history_months(minimum=4)
    admin = ctx.data.get("users", {}).get("admin")
    streets = (
        [ctx.data["street"]]
        if "street" in ctx.data
        else OrgNode.objects.filter(kind=OrgKind.STREET).order_by("pk")
    )
    for street in streets:
        _StreetSeed(ctx, street, months, admin).build()


class _StreetSeed:
    def __init__(self, ctx, street, months, admin):
        self.ctx = ctx
        self.rng = ctx.rng
        self.street = street
        self.months = months
        self.admin = (
            admin
            if admin and can(admin, "evaluations.publish", street_id=street.pk)
            else None
        )
        self.units = list(
            OrgNode.objects.filter(street=street, kind=OrgKind.UNIT).order_by("pk")
        )

    def build(self):
        services.policy_ensure_default(street=self.street)
        *published, last = self.months
        for month in published:
            self.month(month)
        self.run(last)
        self.decisions()
        self.appeals()
        self.notice()
        self.commitments()

    def run(self, month):
        run = services.evaluation_run_start(
            user=None,
            street=self.street,
            month=month,
            trigger=RunTrigger.SEED,
            enqueue=False,
        )
        services.evaluation_run_execute(run_id=run.pk)

    def month(self, month):
        """Evaluate a month, override a few grades and publish it."""
        self.run(month)
        if self.admin is not None:
            self.overrides(month)
        publication = services.month_publish(
            user=self.admin, street=self.street, month=month
        )
        # The demo's months lie in the past: their SMS to units' contacts went
        # out when they were published (and a fresh demo must not send
        # thousands of them through its SMS backend on its first minute).
        Reminder.objects.filter(
            pk__in=FeedbackDelivery.objects.filter(
                publication=publication, reminder__isnull=False
            ).values("reminder_id"),
            sent_at__isnull=True,
        ).update(sent_at=publication.created_at, attempts=1)

    def overrides(self, month):
        """A few admin overrides a month, each with its written reason."""
        rows = list(
            Evaluation.objects.filter(
                street=self.street, month=month, unit__isnull=False
            ).order_by("pk")[:400]
        )
        order = list(Grade)
        for row in self.rng.sample(rows, min(2, len(rows))):
            index = order.index(Grade(row.grade))
            step = -1 if index > 0 and self.rng.random() < 0.7 else 1
            target = order[min(max(index + step, 0), len(order) - 1)]
            if target == row.grade:
                continue
            reason = OVERRIDE_REASONS[0 if step < 0 else 2]
            services.evaluation_override(
                user=self.admin, evaluation=row, grade=target, reason=reason
            )

    def rated_units(self):
        return list(
            CreditRating.objects.filter(
                street=self.street, pk__in=latest_rating_ids()
            ).select_related("unit")
        )

    def decisions(self):
        if self.admin is None:
            return
        ratings = [r for r in self.rated_units() if r.level != CreditLevel.A]
        for rating in self.rng.sample(ratings, min(2, len(ratings))):
            order = list(CreditLevel)
            better = order[max(order.index(CreditLevel(rating.level)) - 1, 0)]
            services.credit_rating_decide(
                user=self.admin,
                unit=rating.unit,
                level=better,
                stars=min(rating.stars + 1, 5),
                reason="经实地核查，该单位积极参与创文和防汛工作，上调一档。",
            )

    def appeals(self):
        """The demo unit head's appeal (when his unit is rated), and four more:
        one accepted, one rejected, two waiting."""
        ratings = {r.unit_id: r for r in self.rated_units()}
        head_unit = self.ctx.data.get("unit_head_unit")
        head = self.ctx.data.get("users", {}).get("unithead1")
        if head_unit is not None and head is not None and head_unit.pk in ratings:
            services.appeal_submit(user=head, unit=head_unit, reason=APPEAL_REASONS[0])
            ratings.pop(head_unit.pk)
        ids = sorted(ratings)
        others = ids[:: max(len(ids) // 4, 1)][:4]
        for index, unit_id in enumerate(others):
            rating = ratings[unit_id]
            # These units have no demo login: their appeals were filed on paper
            # and entered by the street office, so no account is named.
            appeal = Appeal.objects.create(
                street=self.street,
                community_id=rating.community_id,
                unit_id=unit_id,
                rating=rating,
                reason=APPEAL_REASONS[index % len(APPEAL_REASONS)],
            )
            AppealEvent.objects.create(
                appeal=appeal,
                action=AppealAction.SUBMITTED,
                note="（纸质申诉，由街道代录）" + appeal.reason,
            )
            if self.admin is None or index >= 2:
                continue  # these two wait for the street's decision
            accept = index == 0 and rating.level != CreditLevel.A
            order = list(CreditLevel)
            services.appeal_decide(
                user=self.admin,
                appeal=appeal,
                accept=accept,
                reason="经核实材料属实，予以改定。"
                if accept
                else "经复核，原评级依据充分，维持原评级。",
                level=order[order.index(CreditLevel(rating.level)) - 1]
                if accept
                else None,
                stars=min(rating.stars + 1, 5) if accept else None,
            )

    def notice(self):
        if self.admin is None:
            return
        services.department_notice_create(
            user=self.admin,
            street=self.street,
            department=Department.MARKET,
            period_start=self.months[0],
            # The last published month: the last finished one awaits publishing.
            period_end=self.months[-2],
        )

    def commitments(self):
        """One year: units' views, nine commitments, a survey answered, results sent."""
        staff = self.admin
        year = self.months[-1].year
        views = []
        for theme, texts in VIEWS.items():
            for unit in self.rng.sample(self.units, min(12, len(self.units))):
                views.append(
                    UnitView(
                        street=self.street,
                        community_id=unit.community_id,
                        unit=unit,
                        year=year,
                        theme=theme,
                        content=self.rng.choice(texts),
                    )
                )
        bulk_insert(UnitView, views)
        if staff is None:
            return
        commitments = [
            services.commitment_create(
                user=staff,
                street=self.street,
                year=year,
                theme=theme,
                title=title,
                content=content,
            )
            for theme, items in COMMITMENTS.items()
            for title, content in items
        ]
        survey = services.survey_open(user=staff, street=self.street, year=year)
        answering = self.rng.sample(self.units, int(len(self.units) * 0.6))
        answers = []
        for unit in answering:
            for commitment in commitments:
                score = self.rng.choices([5, 4, 3, 2, 1], weights=[40, 35, 15, 7, 3])[0]
                answers.append(
                    SurveyAnswer(
                        round=survey,
                        commitment=commitment,
                        street=self.street,
                        community_id=unit.community_id,
                        unit=unit,
                        score=score,
                        comment="" if score >= 3 else "落实进度偏慢，希望加快。",
                    )
                )
        bulk_insert(SurveyAnswer, answers)
        services.survey_send_results(user=staff, survey=survey)
