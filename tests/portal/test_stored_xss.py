"""Stored XSS: text typed into the portal never runs in anyone's browser.

Attacks are stored through the services in every kind of free text a user can
type (a micro-wish's title, description and resident, an activity, a service
post, a grid case, a unit's name), then the pages that show them are
rendered for the people who see them, the public wishes page included. The
HTML is parsed: no inline script, no event-handler attribute and no
``javascript:`` URL may come from the data (the minutes' rich text has its
own test with the sanitiser, ``tests/meetings/test_minutes.py``).
"""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils import timezone

from grids.models import CaseCategory
from grids.services import case_report
from orgs.models import OrgKind, UnitKind
from orgs.services import org_node_create
from tests.conftest import login
from volunteers import services
from volunteers.models import ActivityType

ATTACK = (
    '<script>alert("x")</script><img src=x onerror=alert(1)>'
    '<a href="javascript:alert(2)">点我</a><svg onload=alert(3)>'
    '"><body onpageshow=alert(4)>'
)


class _Active(HTMLParser):
    """Collect what a browser would run: inline scripts, handlers, js: URLs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        inline = tag == "script" and "src" not in names
        if inline and names.get("type") != "application/json":
            self.found.append(f"<script> without src: {attrs}")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if value and value.strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value[:40]}>")


def active_content(html):
    parser = _Active()
    parser.feed(html)
    return parser.found


@pytest.fixture
def attacked(world):
    """Every kind of free text filled with the attack."""
    w = world
    services.volunteer_register_self(
        user=w.volunteer_a, community=w.a, name="志愿者甲", phone="13800138000"
    )
    w.unit = org_node_create(
        kind=OrgKind.UNIT,
        name="单位" + ATTACK[:150],
        code="T-01-U099",
        parent=w.a,
        unit_kind=UnitKind.PRIVATE,
    )
    w.wish = services.wish_create(
        user=w.secretary_a,
        community=w.a,
        title="书包" + ATTACK[:150],
        description=ATTACK,
        resident_name=ATTACK[:50],
        resident_address=ATTACK[:200],
        resident_phone="13912345678",
    )
    w.post = services.post_create(
        user=w.secretary_a,
        community=w.a,
        title="岗位" + ATTACK[:150],
        description=ATTACK,
    )
    starts = timezone.now() + timedelta(days=1)
    w.activity = services.activity_publish(
        user=w.secretary_a,
        title="活动" + ATTACK[:150],
        activity_type=ActivityType.CULTURE,
        place=ATTACK[:200],
        description=ATTACK,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        capacity=5,
        community=w.a,
    )
    w.case = case_report(
        user=w.grid_worker_a,
        cell=w.cell_a,
        category=CaseCategory.OTHER,
        title="事件" + ATTACK[:100],
        description=ATTACK,
        location=ATTACK[:200],
        reporter_name=ATTACK[:50],
    )
    return w


def _pages(w):
    return [
        (w.secretary_a, f"/volunteers/wishes/{w.wish.pk}/"),
        (w.secretary_a, "/volunteers/manage/board/wishes/"),
        (w.secretary_a, f"/volunteers/posts/{w.post.pk}/"),
        (w.secretary_a, "/volunteers/manage/board/posts/"),
        (w.unit_head_a, "/volunteers/wall/"),
        (None, f"/volunteers/public/{w.a.pk}/wishes/"),
        (w.volunteer_a, f"/volunteers/activities/{w.activity.pk}/"),
        (w.volunteer_a, "/volunteers/activities/"),
        (w.secretary_a, f"/volunteers/manage/activities/{w.activity.pk}/"),
        (w.secretary_a, "/volunteers/manage/activities/"),
        (w.grid_worker_a, f"/grids/cases/{w.case.pk}/"),
        (w.grid_worker_a, "/grids/cases/"),
        (w.secretary_a, f"/orgs/units/{w.unit.pk}/"),
        (w.secretary_a, "/orgs/units/"),
    ]


def test_stored_attacks_never_become_active_on_any_page(attacked):
    shown = 0
    for user, url in _pages(attacked):
        client = login(user) if user else Client()
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        html = response.content.decode()
        assert active_content(html) == [], url
        shown += "&lt;script&gt;" in html or "alert" in html
    # the attack text is on the pages, shown as text (so the test can fail)
    assert shown >= len(_pages(attacked)) // 2


def test_the_checker_catches_what_a_browser_would_run():
    assert active_content("<p><script>alert(1)</script></p>")
    assert active_content('<img src=x onerror="alert(1)">')
    assert active_content('<a href=" JavaScript:alert(1)">x</a>')
    assert not active_content('<script src="/static/portal/portal.js"></script>')
    assert not active_content("&lt;script&gt;alert(1)&lt;/script&gt;")


def test_wish_and_post_texts_are_stored_without_markup(attacked):
    # The API hands these texts to other clients: nothing in them is markup.
    for obj in (attacked.wish, attacked.post):
        obj.refresh_from_db()
        for text in (obj.title, obj.description, obj.resident_name):
            assert "<" not in text and "javascript:" not in text.lower(), text
    assert attacked.wish.description.startswith("点我")
    api = login(attacked.secretary_a).get(f"/api/v1/wishes/{attacked.wish.pk}/")
    assert "<script" not in api.content.decode()


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("孩子想要<script>alert(1)</script>书包", "孩子想要书包"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;书包", "书包"),
        ("<b>加粗</b>的字", "加粗的字"),
        ("a < b，心愿 <3", "a < b，心愿 <3"),
    ],
)
def test_markup_is_removed_and_plain_text_kept(typed, stored):
    from portal.markup import strip_markup

    assert strip_markup(typed) == stored
