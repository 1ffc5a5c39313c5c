"""Load test: the main pages of each role of the demo street.

Run through ``bench/load.py`` (it starts gunicorn on 127.0.0.1 and bounds the
run to 60 s and 50 users). Each simulated user takes a signed-in session of
one of the demo logins that the runner made (or signs in through the login
form with ``BENCH_PASSWORD`` when there is none) and then browses the
pages that role uses most, with a pause of one to three seconds between
pages, as a person would.
"""

import json
import os
import re
from pathlib import Path

from locust import HttpUser, between, task

PASSWORD = os.environ.get("BENCH_PASSWORD", "bench-pass-2026")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
#: Signed-in sessions per login, made by bench/load.py (else each user signs in).
SESSIONS_FILE = Path(__file__).resolve().parent.parent / "var/load/sessions.json"
SESSIONS = json.loads(SESSIONS_FILE.read_text()) if SESSIONS_FILE.exists() else {}


class _Role(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    username = ""

    def on_start(self):
        keys = SESSIONS.get(self.username)
        if keys:
            self.client.cookies.set("sessionid", keys.pop(), domain="127.0.0.1")
            return
        page = self.client.get("/accounts/login/", name="登录页")
        token = CSRF.search(page.text)
        self.client.post(
            "/accounts/login/",
            {
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="登录",
        )

    def page(self, url, name=None):
        self.client.get(url, name=name or url)


class StreetStaff(_Role):
    weight = 3
    username = "staff"

    @task(3)
    def home(self):
        self.page("/")

    @task
    def stats(self):
        self.page("/api/v1/stats/")

    @task
    def units(self):
        self.page("/orgs/units/")

    @task
    def meetings(self):
        self.page("/meetings/")

    @task
    def items(self):
        self.page("/meetings/items/")

    @task
    def volunteers(self):
        self.page("/volunteers/manage/volunteers/")

    @task
    def results(self):
        self.page("/evaluations/results/")

    @task
    def cases(self):
        self.page("/grids/cases/")

    @task
    def support(self):
        self.page("/support/")


class Secretary(_Role):
    weight = 3
    username = "secretary1"

    @task(2)
    def home(self):
        self.page("/")

    @task
    def meetings(self):
        self.page("/meetings/")

    @task
    def units(self):
        self.page("/orgs/units/")

    @task
    def cases(self):
        self.page("/grids/cases/")

    @task
    def activities(self):
        self.page("/volunteers/manage/activities/")


class UnitHead(_Role):
    weight = 1
    username = "unithead1"

    @task(2)
    def home(self):
        self.page("/")

    @task
    def todo(self):
        self.page("/meetings/items/mine/")

    @task
    def ratings(self):
        self.page("/evaluations/ratings/")


class GridWorker(_Role):
    weight = 2
    username = "gridworker1"

    @task(2)
    def home(self):
        self.page("/")

    @task
    def tree(self):
        self.page("/grids/")

    @task
    def cases(self):
        self.page("/grids/cases/")

    @task
    def visits(self):
        self.page("/grids/visits/")


class Volunteer(_Role):
    weight = 4
    username = "volunteer1"

    @task(2)
    def home(self):
        self.page("/volunteers/")

    @task
    def activities(self):
        self.page("/volunteers/activities/")

    @task
    def points(self):
        self.page("/volunteers/me/points/")

    @task
    def wall(self):
        self.page("/volunteers/wall/")
