"""What a worker process measures: each figure and its floor, one run at a time.

Runs inside the worker (``bench/run.py --worker``) once Django is set up, so
Django and the apps are imported inside the methods.
"""

import datetime
import io
import re
import time

from bench._floor import FLOOR_SQL, _floor_params

IMPORT_ROWS = 10_000
PAGE_ROWS = 500
EXPORT_ROWS = 12_000


class Bench:
    """What the worker measures; each method returns one run's timings."""

    def setup(self):
        from django.conf import settings
        from django.db.models import Max
        from django.test import Client
        from django.urls import clear_url_caches

        from orgs.models import OrgKind, OrgNode
        from portal.models import User
        from volunteers.models import Volunteer

        settings.ROOT_URLCONF = "bench.urls"
        clear_url_caches()
        self.staff = User.objects.get(username="staff")
        self.admin = User.objects.get(username="admin")
        self.street = OrgNode.objects.get(code="ZW")
        self.streets = list(OrgNode.objects.filter(kind=OrgKind.STREET).order_by("pk"))
        communities = OrgNode.objects.filter(
            street=self.street, kind=OrgKind.COMMUNITY
        ).order_by("code")
        self.community, self.other_community = communities[0], communities[1]
        self.moved = (
            OrgNode.objects.filter(community=self.community, kind=OrgKind.UNIT)
            .order_by("code")
            .last()
        )
        self.volunteer = Volunteer.objects.get(person__user__username="volunteer1")
        self.client = Client()
        self.client.force_login(self.staff)
        self.dashboard_url = self._dashboard_url()
        self.api_url = "/api/v1/stats/"
        from evaluations.models import Evaluation

        # The last month the seed evaluated (and published): the same month
        # however often the database is reused, since it is only unpublished.
        self.month = Evaluation.objects.aggregate(m=Max("month"))["m"]
        self._unpublish(self.month)
        self._floor_table()
        self.xlsx = self._members_file()
        self.export_setup()
        subtree = self.subtree()
        return {
            "dashboard": self.dashboard_url,
            "api": self.api_url,
            "month": str(self.month),
            "subtree_rows": subtree["rows"],
        }

    def _dashboard_url(self):
        response = self.client.get("/", follow=True)
        final = response.request["PATH_INFO"]
        html = response.content.decode()
        # The street's own dashboard: a link to it (not to one community's,
        # whose address holds an id), else the home page it landed on.
        links = [
            href
            for href in re.findall(r'href="([^"#?]+)', html)
            if "dashboard" in href
            and href.startswith("/")
            and not re.search(r"\d", href)
        ]
        return min(links, key=len) if links else final

    # -- 1 the monthly evaluation and its SQL floor --------------------------------

    def _unpublish(self, month):
        """Take the last published month back to draft, in this database only,
        so the real job may compute it again and again."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE evaluations_evaluation SET publication_id = NULL"
                " WHERE month = %s",
                [month],
            )
            cursor.execute(
                "DELETE FROM evaluations_publication WHERE month = %s", [month]
            )

    def _floor_table(self):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                # Logged, with its key, like the evaluation's own table: the
                # floor stores its scores as durably as the job does.
                "DROP TABLE IF EXISTS bench_floor_scores;"
                " CREATE TABLE bench_floor_scores (kind varchar(16), subject_id"
                " bigint, street_id bigint, score numeric(5, 2), grade varchar(16),"
                " PRIMARY KEY (kind, subject_id))"
            )

    def evaluation(self):
        from django.db import connection

        from evaluations.models import RunTrigger
        from evaluations.services import evaluation_run_execute, evaluation_run_start

        with connection.cursor() as cursor:
            # Each round rewrites the month's results. Between two months'
            # runs autovacuum clears the old row versions; where it is off
            # (this machine's server) they would pile up round after round,
            # so clear them here, untimed, and every round starts alike.
            cursor.execute(
                "VACUUM (ANALYZE) evaluations_evaluation, evaluations_evaluationrun"
            )
            # Untimed, the floor once: both sides then read warm fact tables
            # (else the floor, timed second, always reads what the job warmed).
            cursor.execute("TRUNCATE bench_floor_scores")
            cursor.execute(FLOOR_SQL, _floor_params(self.month))
        started = time.perf_counter()
        for street in self.streets:
            run = evaluation_run_start(
                user=None,
                street=street,
                month=self.month,
                trigger=RunTrigger.COMMAND,
                enqueue=False,
            )
            evaluation_run_execute(run_id=run.pk)
        app = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE bench_floor_scores")
            started = time.perf_counter()
            cursor.execute(FLOOR_SQL, _floor_params(self.month))
            floor = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*), count(e.id),"
                " count(*) FILTER (WHERE e.score = f.score"
                " AND e.computed_grade = f.grade)"
                " FROM bench_floor_scores f LEFT JOIN evaluations_evaluation e"
                " ON e.month = %s AND e.kind = f.kind"
                " AND coalesce(e.unit_id, e.committee_id) = f.subject_id",
                [self.month],
            )
            units, compared, equal = cursor.fetchone()
        return {
            "app": app,
            "floor": floor,
            "units": units,
            "compared": compared,
            "equal": equal,
        }

    # -- 2, 3 the dashboard and its API against a constant -------------------------

    def dashboard(self, repeat=10):
        urls = {
            "page": self.dashboard_url,
            "api": self.api_url,
            "constant": "/bench/constant/",
        }
        times = dict.fromkeys([*urls, "page_cold"], 0.0)
        for url in urls.values():
            assert self.client.get(url).status_code == 200, url
        for _ in range(repeat):
            for key, url in urls.items():
                started = time.perf_counter()
                self.client.get(url)
                times[key] += time.perf_counter() - started
            # The same page computed afresh, as after a write (dashboard.stats_cache).
            from django.test import override_settings

            with override_settings(PORTAL_STATS_CACHE_SECONDS=0):
                started = time.perf_counter()
                self.client.get(self.dashboard_url)
                times["page_cold"] += time.perf_counter() - started
        return {key: value / repeat for key, value in times.items()}

    # -- 4 a subtree against a plain foreign key -----------------------------------

    def subtree(self, repeat=30):
        from orgs.models import OrgKind, OrgNode

        community = self.community
        app = floor = 0.0
        for _ in range(repeat):
            started = time.perf_counter()
            by_tree = list(community.get_descendants().filter(kind=OrgKind.UNIT))
            app += time.perf_counter() - started
            started = time.perf_counter()
            by_key = list(
                OrgNode.objects.filter(community_id=community.pk, kind=OrgKind.UNIT)
            )
            floor += time.perf_counter() - started
        assert {n.pk for n in by_tree} == {n.pk for n in by_key}
        return {"app": app / repeat, "floor": floor / repeat, "rows": len(by_tree)}

    # -- 5 tree writes -------------------------------------------------------------

    def tree_write(self, repeat=5):
        from django.db import transaction

        from orgs.models import UnitKind
        from orgs.services import org_node_move, unit_create

        insert = move = 0.0
        for i in range(repeat):
            with transaction.atomic():
                started = time.perf_counter()
                unit_create(
                    user=None,
                    community=self.community,
                    name=f"基准测试单位{i}",
                    unit_kind=UnitKind.PRIVATE,
                )
                insert += time.perf_counter() - started
                started = time.perf_counter()
                org_node_move(node=self.moved, new_parent=self.other_community)
                move += time.perf_counter() - started
                transaction.set_rollback(True)
        return {"insert": insert / repeat, "move": move / repeat}

    # -- 6 the Excel import against parsing plus bulk_create -----------------------

    def _members_file(self):
        from openpyxl import Workbook

        from orgs.imports import MEMBER_COLUMNS
        from orgs.models import MemberStatus, OrgKind, OrgNode, PartyOrgType

        org = OrgNode.objects.filter(
            parent=self.community,
            kind=OrgKind.PARTY_ORG,
            party_org_type__in=PartyOrgType.values,
        ).first()
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("数据")
        sheet.append([c.header for c in MEMBER_COLUMNS])
        status = str(MemberStatus.REGULAR.label)
        for i in range(IMPORT_ROWS):
            sheet.append(
                [
                    f"基准党员{i:05d}",
                    f"139{i:08d}",
                    "男" if i % 2 else "女",
                    1960 + i % 40,
                    org.code,
                    status,
                    "",
                    "",
                    self.community.name,
                    f"{1990 + i % 30}-07-01",
                ]
            )
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    def _upload(self):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return SimpleUploadedFile("members.xlsx", self.xlsx)

    def import_members(self):
        from django.db import transaction

        from orgs.excel import read_rows
        from orgs.imports import GENDER_BY_LABEL, MEMBER_COLUMNS, STATUS_BY_LABEL
        from orgs.imports import party_members_import as app_import
        from orgs.models import OrgKind, OrgNode, PartyMember, Person

        with transaction.atomic():
            started = time.perf_counter()
            imported = app_import(user=self.admin, upload=self._upload())
            app = time.perf_counter() - started
            transaction.set_rollback(True)
        with transaction.atomic():
            started = time.perf_counter()
            rows = read_rows(self._upload(), MEMBER_COLUMNS)
            orgs = {
                n.code: n
                for n in OrgNode.objects.filter(
                    street=self.street, kind=OrgKind.PARTY_ORG
                )
            }
            communities = dict(
                OrgNode.objects.filter(
                    street=self.street, kind=OrgKind.COMMUNITY
                ).values_list("name", "pk")
            )
            people, members = [], []
            for _number, row in rows:
                org = orgs[str(row["party_org"])]
                person = Person(
                    name=row["name"],
                    phone=str(row["phone"]),
                    gender=GENDER_BY_LABEL.get(row["gender"], ""),
                    birth_year=row["birth_year"],
                    street_id=org.street_id,
                    community_id=communities[row["residence_community"]],
                )
                people.append(person)
                members.append(
                    PartyMember(
                        person=person,
                        party_org=org,
                        status=STATUS_BY_LABEL[row["status"]],
                        directly_managed=org.directly_managed,
                        residence_community_id=person.community_id,
                        street_id=org.street_id,
                        community_id=org.community_id,
                        joined_on=datetime.date.fromisoformat(row["joined_on"]),
                    )
                )
            Person.objects.bulk_create(people, batch_size=1000)
            for member in members:
                member.person_id = member.person.pk
            PartyMember.objects.bulk_create(members, batch_size=1000)
            floor = time.perf_counter() - started
            transaction.set_rollback(True)
        assert imported == len(members) == IMPORT_ROWS, (imported, len(members))
        return {"app": app, "floor": floor}

    # -- 7 a balance against a primary-key lookup ----------------------------------

    def balance(self, repeat=200):
        from volunteers.models import Volunteer
        from volunteers.services import points_balance

        app = floor = 0.0
        for _ in range(repeat):
            started = time.perf_counter()
            points_balance(self.volunteer)
            app += time.perf_counter() - started
            started = time.perf_counter()
            Volunteer.objects.get(pk=self.volunteer.pk)
            floor += time.perf_counter() - started
        return {"app": app / repeat, "floor": floor / repeat}

    # -- 8 an API page against .values() -------------------------------------------

    def api_page(self, repeat=3):
        from orgs.models import OrgKind, OrgNode

        url = f"/api/v1/orgs/?kind=unit&page_size={PAGE_ROWS}"
        fields = (
            "id",
            "kind",
            "name",
            "code",
            "parent_id",
            "street_id",
            "community_id",
            "unit_kind",
            "headcount",
            "address",
            "contact_name",
            "contact_phone",
            "has_party_org",
            "head_id",
            "head__name",
            "party_org_type",
            "secretary_id",
            "secretary__name",
            "directly_managed",
        )

        def floor_rows():
            return list(
                OrgNode.objects.filter(street=self.street, kind=OrgKind.UNIT)
                .order_by("tree_id", "lft")
                .values(*fields)[:PAGE_ROWS]
            )

        self.client.get(url)  # untimed, once each: both then read warm rows
        floor_rows()
        app = floor = 0.0
        for _ in range(repeat):
            started = time.perf_counter()
            response = self.client.get(url)
            app += time.perf_counter() - started
            started = time.perf_counter()
            rows = floor_rows()
            floor += time.perf_counter() - started
        assert len(response.json()["results"]) == len(rows) == PAGE_ROWS
        return {"app": app / repeat, "floor": floor / repeat}

    # -- 9 the people export against openpyxl's write-only floor --------------------

    def export_setup(self):
        """Sign in the demo street's staff (the street's people are theirs)."""
        from django.conf import settings
        from django.test import Client
        from django.urls import clear_url_caches

        from portal.models import User

        settings.ROOT_URLCONF = "bench.urls"
        clear_url_caches()
        self.export_client = Client()
        self.export_client.force_login(User.objects.get(username="staff"))
        self.people_export()  # untimed: imports, caches and rows warmed
        return {"rows": EXPORT_ROWS}

    def _people_to(self, total):
        """Add people to the staff's street until they see ``total``."""
        from orgs import selectors
        from orgs.models import OrgKind, OrgNode, Person
        from portal.models import User

        staff = User.objects.get(username="staff")
        missing = total - selectors.person_list(user=staff).count()
        street = OrgNode.objects.get(code="ZW")
        communities = list(
            OrgNode.objects.filter(street=street, kind=OrgKind.COMMUNITY)
        )
        Person.objects.bulk_create(
            Person(
                name=f"导出基准{i:05d}",
                phone=f"137{i:08d}",
                gender="M" if i % 2 else "F",
                birth_year=1950 + i % 50,
                street=street,
                community=communities[i % len(communities)],
            )
            for i in range(max(missing, 0))
        )
        return staff

    def people_export(self):
        """The street's people export, through the view, beside openpyxl alone.

        In a transaction rolled back at the end: the street is topped up to
        ``EXPORT_ROWS`` people and the export's access-log row goes too.
        """
        from django.db import transaction
        from openpyxl import Workbook, load_workbook

        from orgs import selectors

        with transaction.atomic():
            staff = self._people_to(EXPORT_ROWS)
            started, cpu = time.perf_counter(), time.process_time()
            response = self.export_client.get("/orgs/people/export.xlsx")
            app = time.perf_counter() - started
            app_cpu = time.process_time() - cpu
            assert response.status_code == 200, response.status_code
            content = response.content
            # The same rows, as values, read back from the file (untimed).
            book = load_workbook(io.BytesIO(content), read_only=True)
            rows = list(book.worksheets[0].iter_rows(values_only=True))
            book.close()
            assert len(rows) == EXPORT_ROWS + 1, len(rows)
            started, cpu = time.perf_counter(), time.process_time()
            floor_book = Workbook(write_only=True)
            sheet = floor_book.create_sheet("人员")
            for row in rows:
                sheet.append(row)
            floor_book.save(io.BytesIO())
            floor = time.perf_counter() - started
            floor_cpu = time.process_time() - cpu
            # The query alone: the same people with the columns the file shows.
            started = time.perf_counter()
            fetched = list(
                selectors.person_list(user=staff).values_list(
                    "name",
                    "gender",
                    "birth_year",
                    "phone",
                    "community__name",
                    "unit__name",
                    "party_membership__status",
                    "party_membership__directly_managed",
                    "party_membership__party_org__name",
                    "party_membership__employer_unit__name",
                    "party_membership__residence_community__name",
                    "party_membership__joined_on",
                )
            )
            sql = time.perf_counter() - started
            assert len(fetched) == EXPORT_ROWS
            transaction.set_rollback(True)
        return {
            "app": app,
            "floor": floor,
            "app_cpu": app_cpu,
            "floor_cpu": floor_cpu,
            "sql": sql,
            "kib": len(content) / 1024,
        }
