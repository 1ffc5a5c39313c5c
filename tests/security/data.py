"""A small street with one object of every kind in three places.

The ``world`` personas (street T with communities A and B, see
``tests/conftest.py``) plus a second street Y with community C that no
persona reaches. ``build()`` gives each place a namespace of objects:

- ``A``: community A (unit A, cell A), the personas' own scope;
- ``B``: community B of the same street: another scope for the community,
  unit, grid and volunteer personas, the own scope of the street personas;
- ``Y``: street Y: another scope for everyone.

Street-level objects (runs, notices, commitments, the special fund) exist in
T (``A``/``B`` share them) and in Y. Every name or title of a place's objects
carries its marker (``MARK_A`` …), so a page that leaks another scope's rows
shows that marker. Phones are distinct per place (``PHONE_A`` …).
"""

import io
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from orgs.models import (
    Committee,
    CommitteeKind,
    OrgKind,
    PartyMember,
    Person,
    ResidentialCompound,
    Seat,
    SeatOrigin,
    SeatPosition,
    UnitKind,
)
from orgs.services import org_node_create
from portal.models import Role
from tests.conftest import PASSWORD, build_world
from tests.meetings.conftest import after

#: Markers carried by every name of a place's objects.
MARK = {"A": "甲标记", "B": "乙标记", "Y": "外街标记"}
#: The phone number of each place's people.
PHONE = {"A": "13911110001", "B": "13922220002", "Y": "13933330003"}
#: The months evaluated and published in both streets.
MONTHS = [date(2024, 5, 1), date(2024, 6, 1), date(2024, 7, 1)]
YEAR = 2024
QUARTER = 2


def png(name="photo.png", size=(40, 30), color="red"):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="voucher.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def _person(place, name, street, community=None, unit=None, user=None):
    return Person.objects.create(
        name=f"{name}{MARK[place]}",
        phone=PHONE[place],
        street=street,
        community=community,
        unit=unit,
        user=user,
    )


def _seat(committee, person, represents=None, unit_secretary=True, **kw):
    return Seat.objects.create(
        committee=committee,
        person=person,
        represents=represents,
        position=kw.get("position", SeatPosition.MEMBER),
        origin=SeatOrigin.ELECTED,
        is_unit_secretary=unit_secretary,
        term_start=date(2020, 1, 1),
        street=committee.street,
        community=committee.community,
    )


def build():
    """Create the whole dataset and return it (a namespace)."""
    from portal.services import role_assign, user_create

    w = build_world()
    d = SimpleNamespace(world=w)
    d.root = user_create(username="matrix_root", password=PASSWORD)
    d.root.is_superuser = True
    d.root.save(update_fields=["is_superuser"])

    # Street Y: community C with a unit, its party org and a cell.
    from grids.models import Cell, CellLevel

    y = org_node_create(kind=OrgKind.STREET, name="外街道", code="Y")
    c = org_node_create(kind=OrgKind.COMMUNITY, name="丙社区", code="Y-01", parent=y)
    unit_c = org_node_create(
        kind=OrgKind.UNIT,
        name=f"丙单位{MARK['Y']}",
        code="Y-01-U001",
        parent=c,
        unit_kind=UnitKind.PRIVATE,
        headcount=30,
    )
    party_org_c = org_node_create(
        kind=OrgKind.PARTY_ORG,
        name=f"丙单位党支部{MARK['Y']}",
        code="Y-01-U001-P1",
        parent=unit_c,
        party_org_type="branch",
    )
    cell_c = Cell.objects.create(
        level=CellLevel.COMMUNITY, code="Y-01", name="丙网格", street=y, community=c
    )
    # Markers on the world's units (their names are fixed by conftest).
    for unit, place in ((w.unit_a, "A"), (w.unit_b, "B")):
        unit.name = f"{unit.name}{MARK[place]}"
        unit.save(update_fields=["name"])
    w.party_org_a.name = f"{w.party_org_a.name}{MARK['A']}"
    w.party_org_a.save(update_fields=["name"])
    party_org_b = org_node_create(
        kind=OrgKind.PARTY_ORG,
        name=f"乙单位党支部{MARK['B']}",
        code="T-02-U001-P1",
        parent=w.unit_b,
        party_org_type="branch",
    )

    d.A = SimpleNamespace(
        key="A",
        street=w.street,
        community=w.a,
        unit=w.unit_a,
        party_org=w.party_org_a,
        cell=w.cell_a,
    )
    d.B = SimpleNamespace(
        key="B",
        street=w.street,
        community=w.b,
        unit=w.unit_b,
        party_org=party_org_b,
        cell=w.cell_b,
    )
    d.Y = SimpleNamespace(
        key="Y", street=y, community=c, unit=unit_c, party_org=party_org_c, cell=cell_c
    )
    # Who acts for each place in the services (a unit head of the place's unit
    # files its appeal; a volunteer of the place claims and redeems).
    d.y_admin = user_create(username="y_admin", password=PASSWORD)
    role_assign(user=d.y_admin, role=Role.STREET_ADMIN, org_node=y)
    d.A.unit_head = w.unit_head_a
    d.B.unit_head = _user_with_person(
        "unit_head_b", Role.UNIT_HEAD, w.unit_b, "B", w.street, w.b
    )
    d.Y.unit_head = _user_with_person("unit_head_y", Role.UNIT_HEAD, unit_c, "Y", y, c)
    d.A.volunteer_user = w.volunteer_a
    d.B.volunteer_user = _user_with_person(
        "volunteer_b", Role.VOLUNTEER, w.b, "B", w.street, w.b
    )
    d.Y.volunteer_user = _user_with_person("volunteer_y", Role.VOLUNTEER, c, "Y", y, c)

    # An in-system unit (agency) per place: annual reports cover those.
    d.A.system_unit = w.unit_a2
    d.B.system_unit = org_node_create(
        kind=OrgKind.UNIT,
        name=f"乙二单位{MARK['B']}",
        code="T-02-U002",
        parent=w.b,
        unit_kind=UnitKind.AGENCY,
        headcount=20,
    )
    d.Y.system_unit = org_node_create(
        kind=OrgKind.UNIT,
        name=f"丙二单位{MARK['Y']}",
        code="Y-01-U002",
        parent=c,
        unit_kind=UnitKind.AGENCY,
        headcount=20,
    )
    for place in (d.A, d.B, d.Y):
        _orgs(d, place)
    _street_committees(d)
    for place in (d.A, d.B, d.Y):
        _grids(d, place)
        _meetings(d, place)
        _volunteers(d, place)
        _support(d, place)
    _evaluations(d)
    _street_support(d)
    _inbox(d)
    return d


def _inbox(d):
    """A message for each persona (AN's stands in for "someone's"), one for
    a user of street Y (another user's message)."""
    from portal.models import Notification
    from tests.security.harness import AN, USERS

    d.inbox = {
        persona: Notification.objects.create(
            recipient=getattr(d.world, username), title="请查看本月联席会议安排"
        )
        for persona, username in USERS.items()
    }
    d.inbox[AN] = d.inbox["SA"]
    d.inbox["other"] = Notification.objects.create(
        recipient=d.y_admin, title=f"外街道消息{MARK['Y']}", link="/"
    )


def _user_with_person(username, role, node, place, street, community):
    from portal.services import role_assign, user_create

    user = user_create(username=username, password=PASSWORD, display_name=username)
    _person(place, username, street, community, user=user)
    role_assign(user=user, role=role, org_node=node)
    return user


# -- orgs ---------------------------------------------------------------------------


def _orgs(d, p):
    k = p.key
    p.unit.contact_name = f"联系人{MARK[k]}"
    p.unit.contact_phone = PHONE[k]
    p.unit.save(update_fields=["contact_name", "contact_phone"])
    p.person = _person(k, "居民", p.street, p.community, unit=p.unit)
    # He leads the unit's party org: he may sit on the community's 大党委.
    p.party_org.secretary = p.person
    p.party_org.save(update_fields=["secretary"])
    p.member = PartyMember.objects.create(
        person=p.person,
        party_org=p.party_org,
        street=p.street,
        community=p.community,
        residence_community=p.community,
    )
    p.compound = ResidentialCompound.objects.create(
        community=p.community, name=f"小区{MARK[k]}", households=10
    )
    p.committee = Committee.objects.create(
        kind=CommitteeKind.BIG_PARTY,
        org=p.community,
        street=p.street,
        community=p.community,
        name=f"大党委{MARK[k]}",
    )
    p.unit_secretary = _person(k, "单位书记", p.street, p.community, unit=p.unit)
    # Where the unit head sits for his unit (he may report problems there), he
    # is the only unit secretary in the rotation: he chairs every month, so
    # the rows of a chair's rights (minutes) hold in every month of the year.
    p.seat = _seat(
        p.committee,
        p.unit_secretary,
        represents=p.unit,
        unit_secretary=not p.unit_head.person,
    )
    if p.unit_head.person:
        _seat(p.committee, p.unit_head.person, represents=p.party_org)
    # An Excel import: a secretary's in A and B, the street admin's in Y.
    from orgs.models import ImportJob, ImportStatus

    p.import_job = ImportJob.objects.create(
        kind="units",
        status=ImportStatus.REFUSED,
        street=p.street,
        community=None if k == "Y" else p.community,
        created_by={"A": d.world.secretary_a, "B": d.world.secretary_b}.get(
            k, d.y_admin
        ),
        rows_total=1,
        summary="导入失败：共有 1 行有误，未写入任何数据。",
        row_errors=[[2, f"“单位{MARK[k]}”已在该社区登记。"]],
    )


def _street_committees(d):
    w = d.world
    d.T = SimpleNamespace(key="T", street=w.street)
    d.T.committee = Committee.objects.create(
        kind=CommitteeKind.BIG_WORKING,
        org=w.street,
        street=w.street,
        name="测试街道大工委",
    )
    _seat(d.T.committee, w.secretary_a.person, represents=w.a, unit_secretary=False)
    d.Y.street_committee = Committee.objects.create(
        kind=CommitteeKind.BIG_WORKING,
        org=d.Y.street,
        street=d.Y.street,
        name=f"大工委{MARK['Y']}",
    )


# -- grids -------------------------------------------------------------------------


def _grids(d, p):
    from grids import services
    from grids.models import AssignmentRole, CaseCategory

    k = p.key
    area = services.cell_create(user=d.root, name=f"片区{MARK[k]}", parent=p.cell)
    p.subcell = services.cell_create(
        user=d.root, name=f"单位网格{MARK[k]}", parent=area, units=[p.unit]
    )
    p.cell.refresh_from_db()
    p.assignment = services.cell_assign(
        user=d.root,
        cell=p.subcell,
        person=p.person,
        role=AssignmentRole.GRID_WORKER,
    )
    p.case = services.case_report(
        user=d.root,
        cell=p.subcell,
        category=CaseCategory.ENVIRONMENT,
        title=f"垃圾清运{MARK[k]}",
        description="垃圾桶满溢两天。",
        reporter_name=f"居民{MARK[k]}",
        reporter_phone=PHONE[k],
        photos=[png(f"{k}.png")],
    )
    p.photo = p.case.photos.get()
    p.visit = services.visit_log(
        user=d.root,
        cell=p.subcell,
        visited_on=timezone.localdate(),
        findings=f"走访情况{MARK[k]}",
    )


# -- meetings ---------------------------------------------------------------------------


def _meetings(d, p):
    from meetings import services
    from meetings.rotation import add_months, month_start

    k = p.key
    month = add_months(month_start(timezone.localdate()), 1)
    (p.meeting,) = services.meeting_schedule_month(
        month=month, committees=[p.committee]
    )
    p.problem = services.problem_create(
        user=d.root,
        committee=p.committee,
        title=f"路灯不亮{MARK[k]}",
        meeting=p.meeting,
    )
    p.item = services.action_item_create(
        user=d.root,
        problem=p.problem,
        unit=p.unit,
        title=f"更换路灯{MARK[k]}",
        due_on=timezone.localdate() + timedelta(days=10),
    )
    with after(p.meeting):
        services.meeting_file_minutes(
            user=d.root,
            meeting=p.meeting,
            text=f"<p>纪要{MARK[k]}</p>",
            files=[png(f"现场{k}.png")],
        )
    p.attachment = p.meeting.attachments.get()
    p.campaign = services.campaign_create(
        user=d.root,
        community=p.community,
        name=f"创文{MARK[k]}",
        starts_on=timezone.localdate(),
    )
    services.campaign_section_create(
        user=d.root, campaign=p.campaign, name=f"一段{MARK[k]}", unit=p.unit
    )


# -- volunteers -------------------------------------------------------------------------


def _volunteers(d, p):
    from volunteers import services
    from volunteers.models import ActivityType, VolunteerKind

    k = p.key
    user = p.volunteer_user
    p.volunteer = services.volunteer_register_self(
        user=user,
        community=p.community,
        name=f"志愿者{MARK[k]}",
        phone=PHONE[k],
        kind=VolunteerKind.IN_SERVICE,
        employer_unit=p.unit,
    )
    starts = timezone.now() - timedelta(minutes=10)
    p.activity = services.activity_publish(
        user=d.root,
        title=f"清理楼道{MARK[k]}",
        activity_type=ActivityType.ENVIRONMENT,
        place="党群服务中心",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        capacity=30,
        community=p.community,
    )
    p.checkin_token = services.activity_checkin_token(p.activity)
    p.checkin = services.checkin_scan(user=user, token=p.checkin_token)
    p.entry = services.points_award(
        user=d.root, volunteer=p.volunteer, points=50, reason=f"补录{MARK[k]}"
    )
    p.station = services.station_get_or_create(user=d.root, community=p.community)
    p.station_item = services.station_item_create(
        user=d.root, station=p.station, name=f"毛巾{MARK[k]}", price=10, stock=5
    )
    p.redemption = services.redemption_create(user=user, item=p.station_item)
    p.wish = services.wish_create(
        user=d.root,
        community=p.community,
        title=f"微心愿{MARK[k]}",
        resident_name=f"老人{MARK[k]}",
        resident_phone=PHONE[k],
    )
    # A service post claimed by the place's unit and fulfilled with a photo.
    p.post = services.post_create(
        user=d.root, community=p.community, title=f"服务岗{MARK[k]}"
    )
    services.claimable_claim(user=p.unit_head, obj=p.post, as_unit=p.unit)
    p.post = services.claimable_fulfil(
        user=p.unit_head, obj=p.post, photo=png(f"完成{k}.png")
    )
    p.team = services.team_create(
        user=d.root,
        name=f"志愿队{MARK[k]}",
        street=p.street,
        community=p.community,
        leader=p.volunteer,
    )
    p.group_event = services.group_event_record(
        user=d.root,
        unit=p.unit,
        service_type="medical",
        title=f"义诊{MARK[k]}",
        held_on=timezone.localdate(),
        residents_served=10,
    )


# -- evaluations ----------------------------------------------------------------------------


def _evaluations(d):
    from evaluations import services
    from evaluations.models import CommitmentTheme, Department

    w = d.world
    for street, admin, place in (
        (w.street, w.street_admin, d.T),
        (d.Y.street, d.y_admin, d.Y),
    ):
        for month in MONTHS:
            run = services.evaluation_run_start(
                user=admin, street=street, month=month, enqueue=False
            )
            services.evaluation_run_execute(run_id=run.pk)
            services.month_publish(user=admin, street=street, month=month)
        place.run = run
        place.notice = services.department_notice_create(
            user=admin,
            street=street,
            department=Department.values[0],
            period_start=MONTHS[0],
            period_end=MONTHS[-1],
        )
        place.commitment = services.commitment_create(
            user=admin,
            street=street,
            year=YEAR,
            theme=CommitmentTheme.GOVERNANCE,
            title=f"承诺{MARK.get(place.key, '甲标记')}",
        )
        place.survey = services.survey_open(user=admin, street=street, year=YEAR)
    from evaluations.models import Evaluation

    for p in (d.A, d.B, d.Y):
        p.evaluation = Evaluation.objects.filter(unit=p.unit, month=MONTHS[-1]).get()
        p.appeal = services.appeal_submit(
            user=p.unit_head,
            unit=p.unit,
            reason=f"请复核本单位的评级结果{MARK[p.key]}。",
            attachment=png(f"申诉{p.key}.png"),
        )
        p.rating = p.appeal.rating
    for p in (d.A, d.B):
        p.run, p.notice, p.commitment, p.survey = (
            d.T.run,
            d.T.notice,
            d.T.commitment,
            d.T.survey,
        )


# -- support ----------------------------------------------------------------------------------


def _support(d, p):
    from support import services
    from support.models import BudgetLine, SocialOrgKind, WorkerType

    k = p.key
    p.worker = services.worker_create(
        user=d.root,
        person=_person(k, "社工", p.street, p.community),
        worker_type=WorkerType.SOCIAL_WORKER,
        community=p.community,
        employer="社区居委会",
        hired_on=date(2020, 1, 1),
    )
    p.training = services.training_create(
        user=d.root,
        topic=f"轮训{MARK[k]}",
        held_on=timezone.localdate(),
        trainer="区委党校",
        community=p.community,
    )
    p.social_org = services.social_org_create(
        user=d.root,
        community=p.community,
        street=p.street,
        name=f"兴趣队{MARK[k]}",
        kind=SocialOrgKind.INTEREST_GROUP,
        activity="广场舞",
        incubated_on=date(2024, 5, 1),
    )
    year = timezone.localdate().year
    p.budget = services.budget_set(
        user=d.root,
        community=p.community,
        year=year,
        line=BudgetLine.SERVICE,
        amount=Decimal("1000"),
    )
    p.spending = services.spending_create(
        user=d.root,
        budget=p.budget,
        amount=Decimal("100"),
        spent_on=date(year, 1, 1),  # never after today
        purpose=f"办公用品{MARK[k]}",
        attachment=pdf(f"凭证{k}.pdf"),
    )


def _street_support(d):
    from support import services

    for place in (d.T, d.Y):
        place.fund = services.special_fund_create(
            user=d.root,
            street=place.street,
            name=f"专项基金{MARK.get(place.key, MARK['A'])}",
            manager="第三方社工机构",
            established_on=date(2020, 1, 1),
        )
        place.fund_entry = services.special_fund_contribute(
            user=d.root,
            fund=place.fund,
            amount=Decimal("500"),
            occurred_on=timezone.localdate(),
            counterparty=f"捐赠{MARK.get(place.key, MARK['A'])}",
        )
    for p in (d.A, d.B):
        p.fund, p.fund_entry = d.T.fund, d.T.fund_entry
    d.Y.fund, d.Y.fund_entry = d.Y.fund, d.Y.fund_entry
