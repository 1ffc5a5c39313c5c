"""Figures on the pages: grouped by thousands in Chinese as in English, a year
or a month never grouped, and never ``None`` on a tile."""

import pytest
from django.utils import timezone, translation

from portal.templatetags.portal_figures import figure
from tests.conftest import login
from tests.evaluations.conftest import MAY, publish_month
from volunteers import services as volunteer_services


def served(world, n):
    volunteer_services.group_event_record(
        user=world.unit_head_a,
        unit=world.unit_a,
        service_type="culture",
        title="送文化下社区",
        held_on=timezone.localdate(),
        residents_served=n,
        volunteers_count=8,
    )


def test_a_chinese_page_groups_a_large_figure_by_thousands(world):
    # given a unit's service event for 1,303,157 residents
    served(world, 1303157)
    # when its unit head reads the group events page in Chinese
    html = login(world.unit_head_a).get("/volunteers/manage/events/").content.decode()
    # then the figure is grouped as in English
    assert "1,303,157" in html and "1303157" not in html


def test_an_english_page_groups_the_same_figure_the_same_way(world):
    served(world, 1303157)
    client = login(world.unit_head_a)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/volunteers/manage/events/").content.decode()
    assert "1,303,157" in html


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_only_numbers_are_grouped(language):
    with translation.override(language):
        assert figure(3850000) == "3,850,000"
        assert figure("2026-11") == "2026-11"
        assert figure(None) == "—"
        assert figure(True) is True


def test_a_unit_heads_home_shows_the_published_month_ungrouped(world):
    # given a published month
    publish_month(world, MAY)
    # when the unit head opens the home page
    html = login(world.unit_head_a).get("/").content.decode()
    # then the month reads as a month, not as a number
    assert "2024-05" in html
    assert "2,024" not in html


@pytest.mark.parametrize("persona", ["unit_head_a", "grid_worker_a", "street_staff"])
def test_no_home_tile_says_none(world, persona):
    # given nothing published yet
    html = login(getattr(world, persona)).get("/").content.decode()
    # then an empty tile shows a dash, never None
    assert ">None<" not in html
    assert "None" not in html.split("<main", 1)[1]
