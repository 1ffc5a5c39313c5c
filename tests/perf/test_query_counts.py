"""Every page answers with as many queries for 1 street as for 3, and for a
short page as for a full one: no query per row, per street or per community.

The module builds one small street (the demo street's shape at a tenth of its
size) with the real seeds, counts the queries of every list page, detail
page, dashboard and API list and detail, then builds two more streets and
counts again. The "district" persona is a street admin of every street built,
so what it sees grows threefold; the demo logins see the same rows both times.
Lists are also counted on their last (shorter) page, and API lists with
``page_size`` 10 and 100. A failing count names the page.
"""

import datetime
import io
from types import SimpleNamespace

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config.demo import build_street

# django_db: the test database is set up for this module (its data is built
# once, in a module fixture, and flushed at the end).
pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SCALE = 0.1
PASSWORD = "demo-pass-2026"
LAST = {"page": "99999"}  # past the end: Django answers with the last page


def _first(queryset):
    obj = queryset.order_by("pk").first()
    assert obj is not None, f"no {queryset.model.__name__} in the small street"
    return obj


def _objects(street):
    """Street 1's objects that the detail pages show."""
    from evaluations.models import (
        Appeal,
        CreditRating,
        DepartmentNotice,
        Evaluation,
        EvaluationRun,
        SurveyRound,
    )
    from grids.models import Case, Cell, Visit
    from meetings.models import ActionItem, Campaign, Meeting, MeetingStatus, Problem
    from orgs.models import Committee, CommitteeKind, OrgKind, OrgNode, Person
    from support.models import SocialOrg, SpecialFund, Training, Worker
    from volunteers.models import (
        Activity,
        CheckIn,
        GroupServiceEvent,
        MicroWish,
        PointsEntry,
        Redemption,
        ServicePost,
        Team,
        Volunteer,
    )

    s = {"street": street}
    community = _first(OrgNode.objects.filter(kind=OrgKind.COMMUNITY, **s))
    unit = _first(OrgNode.objects.filter(kind=OrgKind.UNIT, **s))
    rating = _first(CreditRating.objects.filter(**s))
    system_unit = _first(
        OrgNode.objects.filter(
            kind=OrgKind.UNIT, unit_kind__in=["agency", "institution", "soe"], **s
        )
    )
    return SimpleNamespace(
        street=street,
        community=community,
        unit=unit,
        rated_unit=rating.unit,
        system_unit=system_unit,
        rating=rating,
        party_org=_first(OrgNode.objects.filter(kind=OrgKind.PARTY_ORG, **s)),
        person=_first(Person.objects.filter(**s)),
        committee=_first(Committee.objects.filter(kind=CommitteeKind.BIG_PARTY, **s)),
        cell=_first(Cell.objects.filter(level=3, **s)),
        case=_first(Case.objects.filter(**s)),
        visit=_first(Visit.objects.filter(**s)),
        meeting=_first(Meeting.objects.filter(status=MeetingStatus.HELD, **s)),
        problem=_first(Problem.objects.filter(**s)),
        item=_first(ActionItem.objects.filter(**s)),
        campaign=_first(Campaign.objects.filter(**s)),
        activity=_first(Activity.objects.filter(**s)),
        volunteer=_first(Volunteer.objects.filter(**s)),
        team=_first(Team.objects.filter(**s)),
        post=_first(ServicePost.objects.filter(**s)),
        wish=_first(MicroWish.objects.filter(**s)),
        checkin=_first(CheckIn.objects.filter(**s)),
        entry=_first(PointsEntry.objects.filter(**s)),
        redemption=_first(Redemption.objects.filter(**s)),
        group_event=_first(GroupServiceEvent.objects.filter(**s)),
        run=_first(EvaluationRun.objects.filter(**s)),
        evaluation=_first(Evaluation.objects.filter(unit__isnull=False, **s)),
        appeal=_first(Appeal.objects.filter(**s)),
        notice=_first(DepartmentNotice.objects.filter(**s)),
        survey=_first(SurveyRound.objects.filter(**s)),
        year=datetime.date.today().year,
        worker=_first(Worker.objects.filter(**s)),
        training=_first(Training.objects.filter(**s)),
        social_org=_first(SocialOrg.objects.filter(**s)),
        special_fund=_first(SpecialFund.objects.filter(**s)),
    )


def P(name, *args, persona="district", params=None, paged=False):
    """A page: URL name, argument names (attributes of ``_objects``)."""
    return SimpleNamespace(
        name=name, args=args, persona=persona, params=params or {}, paged=paged
    )


HTML = [
    P("home"),
    P("home", persona="staff"),
    P("home", persona="secretary1"),
    P("home", persona="unithead1"),
    P("home", persona="gridworker1"),
    P("street-dashboard"),
    P("street-dashboard", persona="staff"),
    P("community-dashboard", "community"),
    P("community-dashboard", "community", persona="secretary1"),
    P("inbox", persona="staff", paged=True),
    # orgs
    P("orgs:tree"),
    P("orgs:units", paged=True),
    P("orgs:units", persona="secretary1", paged=True),
    P("orgs:unit_detail", "unit"),
    P("orgs:node_detail", "community"),
    P("orgs:node_detail", "party_org"),
    P("orgs:people", paged=True),
    P("orgs:person_detail", "person"),
    P("orgs:committees"),
    P("orgs:committee_detail", "committee"),
    # grids
    P("grids:tree"),
    P("grids:tree", persona="gridworker1"),
    P("grids:map"),
    P("grids:gaps"),
    P("grids:cell", "cell"),
    P("grids:cases", paged=True),
    P("grids:cases", persona="gridworker1", paged=True),
    P("grids:case", "case"),
    P("grids:visits", paged=True),
    P("grids:visit", "visit"),
    # meetings
    P("meetings:list", paged=True),
    P("meetings:list", persona="secretary1", paged=True),
    P("meetings:detail", "meeting"),
    P("meetings:attendance", "meeting"),
    P("meetings:minutes", "meeting"),
    P("meetings:inspections", "meeting"),
    P("meetings:problem", "problem"),
    P("meetings:board", paged=True),
    P("meetings:todo", persona="unithead1", paged=True),
    P("meetings:item", "item"),
    P("meetings:channel", "committee"),
    P("meetings:rotation", "committee"),
    P("meetings:campaigns"),
    P("meetings:campaign", "campaign"),
    # volunteers: the phone pages of a volunteer, the staff pages
    P("volunteers:home", persona="volunteer1"),
    P("volunteers:activities", persona="volunteer1", paged=True),
    P("volunteers:activity_detail", "activity", persona="volunteer1"),
    P("volunteers:my_checkins", persona="volunteer1", paged=True),
    P("volunteers:my_points", persona="volunteer1", paged=True),
    P("volunteers:station", persona="volunteer1"),
    P("volunteers:wishes_wall", persona="volunteer1", paged=True),
    P("volunteers:public_wishes", "community", persona="anonymous", paged=True),
    P("volunteers:claimable_detail", "wishes", "wish"),
    P("volunteers:claimable_detail", "posts", "post"),
    P("volunteers:manage_activities", paged=True),
    P("volunteers:activity_manage", "activity"),
    P("volunteers:volunteer_list", paged=True),
    P("volunteers:volunteer_detail", "volunteer"),
    P("volunteers:ledger", paged=True),
    P("volunteers:team_list", paged=True),
    P("volunteers:team_detail", "team"),
    P("volunteers:claimable_board", "wishes", paged=True),
    P("volunteers:claimable_board", "posts", paged=True),
    P("volunteers:station_manage", paged=True),
    P("volunteers:group_events", paged=True),
    P("volunteers:rules"),
    P("volunteers:inservice_report", paged=True),
    # evaluations
    P("evaluations:runs", paged=True),
    P("evaluations:results", paged=True),
    P("evaluations:results", persona="secretary1", paged=True),
    P("evaluations:evaluation", "evaluation"),
    P("evaluations:feedback_notice", "evaluation"),
    P("evaluations:deliveries", paged=True),
    P("evaluations:deliveries_print"),
    P("evaluations:unit_history", "unit"),
    P("evaluations:policy"),
    P("evaluations:ratings", paged=True),
    P("evaluations:plaques", paged=True),
    P("evaluations:rating", "rated_unit"),
    P("evaluations:appeals", paged=True),
    P("evaluations:appeal", "appeal"),
    P("evaluations:notices", paged=True),
    P("evaluations:annual", paged=True),
    P("evaluations:annual_report", "system_unit", "year"),
    P("evaluations:commitments"),
    P("evaluations:survey", "survey"),
    # support
    P("support:home"),
    P("support:workers", paged=True),
    P("support:compliance", paged=True),
    P("support:worker_detail", "worker"),
    P("support:trainings", paged=True),
    P("support:training_detail", "training"),
    P("support:social_orgs", paged=True),
    P("support:social_org_detail", "social_org"),
    P("support:funds"),
    P("support:spendings", paged=True),
    P("support:special_funds"),
    P("support:special_fund_detail", "special_fund"),
    P("support:notice"),
]

#: API list (basename) → the object its detail route shows.
API = {
    "orgs": "unit",
    "committees": "committee",
    "committee-seats": None,
    "people": "person",
    "grid": "cell",
    "grid-case": "case",
    "visit": "visit",
    "meeting": "meeting",
    "action-item": "item",
    "problem": "problem",
    "volunteers": "volunteer",
    "teams": "team",
    "activities": "activity",
    "checkins": "checkin",
    "points": "entry",
    "wishes": "wish",
    "service-posts": "post",
    "redemptions": "redemption",
    "evaluation-run": "run",
    "evaluation": "evaluation",
    "credit-rating": "rating",
    "appeal": "appeal",
    "commitment": None,
    "support-worker": "worker",
    "support-training": "training",
    "support-social-org": "social_org",
    "support-budget": None,
    "support-spending": None,
    "support-special-fund": "special_fund",
}
API_PAGES = [P("api-stats"), P("api-stats", persona="staff"), P("grid-geojson")]
for _base, _detail in API.items():
    API_PAGES.append(P(f"{_base}-list", paged=True))
    if _detail:
        API_PAGES.append(P(f"{_base}-detail", _detail))
API_PAGES.append(P("volunteers-me", persona="volunteer1"))
API_PAGES.append(P("points-balance", persona="volunteer1"))

PAGES = HTML + API_PAGES

#: Pages whose form offers a choice of street to a user who sees several
#: streets: one query more for the choices, however many streets there are.
STREET_CHOOSER = {"support:special_funds() as district"}


def _label(page):
    args = "/".join(page.args)
    return f"{page.name}({args}) as {page.persona}"


def _url(page, objs):
    args = []
    for name in page.args:
        value = getattr(objs, name, name)
        args.append(getattr(value, "pk", value))
    return reverse(page.name, args=args)


def _count(client, url, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    return response.status_code, len(ctx.captured_queries)


def _measure(clients, objs, variants):
    """Return ``{(label, variant): (status, queries)}`` for every page."""
    counts = {}
    for page in PAGES:
        url = _url(page, objs)
        client = clients[page.persona]
        for variant, extra in variants(page):
            params = {**page.params, **extra}
            client.get(url, params)  # warm the caches (session, translations)
            counts[_label(page), variant] = _count(client, url, params)
    return counts


def _api(page):
    return page.name.endswith("-list") or page.name.endswith("-geojson")


def _variants_one_street(page):
    yield "first page", {}


def _variants_three_streets(page):
    yield "first page", {}
    if page.paged and _api(page):
        yield "10 rows", {"page_size": "10"}
        yield "100 rows", {"page_size": "100"}
    elif page.paged:
        yield "last page", LAST


def _clients(users):
    from tests.conftest import login

    clients = {name: login(user) for name, user in users.items()}
    clients["anonymous"] = Client()
    return clients


@pytest.fixture(scope="module")
def counts(django_db_setup, django_db_blocker):
    from portal.models import Role, User
    from portal.services import role_assign

    # The cold path: cached key figures (dashboard.stats_cache) would hide it.
    with django_db_blocker.unblock(), override_settings(PORTAL_STATS_CACHE_SECONDS=0):
        try:
            yield _build_and_count(Role, User, role_assign)
        finally:
            call_command("flush", interactive=False, verbosity=0, stdout=io.StringIO())
            ContentType.objects.clear_cache()


def _build_and_count(Role, User, role_assign):
    shared = {}
    today = datetime.date.today()
    first = build_street(0, password=PASSWORD, shared=shared, scale=SCALE, today=today)
    street = first.data["street"]
    district = User.objects.create_user("district", password=PASSWORD)
    role_assign(user=district, role=Role.STREET_ADMIN, org_node=street)
    users = {"district": district}
    for name in ("staff", "secretary1", "unithead1", "gridworker1", "volunteer1"):
        users[name] = User.objects.get(username=name)
    objs = _objects(street)
    one = _measure(_clients(users), objs, _variants_one_street)
    for index in (1, 2):
        ctx = build_street(
            index, password=PASSWORD, shared=shared, scale=SCALE, today=today
        )
        role_assign(user=district, role=Role.STREET_ADMIN, org_node=ctx.data["street"])
    three = _measure(_clients(users), objs, _variants_three_streets)
    return one, three


@pytest.mark.parametrize("page", PAGES, ids=_label)
def test_queries_do_not_grow_with_streets_or_rows(counts, page):
    one, three = counts
    label = _label(page)
    status, queries = one[label, "first page"]
    assert status == 200, f"{label} answered {status} with one street"
    for (name, variant), (status_n, queries_n) in three.items():
        if name != label:
            continue
        assert status_n == 200, f"{label} ({variant}) answered {status_n}"
        expected = queries + (1 if label in STREET_CHOOSER else 0)
        assert queries_n == expected, (
            f"{label}: {queries_n} queries with 3 streets ({variant}), "
            f"{queries} with 1 street (first page)"
        )
