"""The dashboards in a real browser: the demo's figures, every chart drawn."""

from tests.e2e.conftest import PHONE

ALL_DRAWN = """() => {
  const charts = [...document.querySelectorAll('[data-chart]')];
  return charts.length > 0 && charts.every(c => c.dataset.rendered === '1');
}"""


def stat(j, key):
    return j.page.locator(f"[data-stat={key}] .value").inner_text().strip()


def test_staff_sees_the_street_dashboard_with_the_demo_figures(journey):
    j = journey("dashboard-staff")
    j.login("staff")
    # the cards show the demo street's figures (S1, S5, S18)
    assert stat(j, "communities") == "11"
    assert stat(j, "units") == "533"
    assert stat(j, "grid_cells_level_3") == "325"
    assert stat(j, "social_orgs_incubated") == "532"
    # and ECharts draws every chart
    assert j.page.locator("[data-chart]").count() == 5
    j.page.wait_for_function(ALL_DRAWN)
    assert j.page.locator("[data-chart] canvas").count() == 5
    # the comparison has one row per community, the underfunded one flagged
    rows = j.page.locator("[data-testid=community-comparison] tbody tr")
    assert rows.count() == 11
    assert j.page.locator("[data-testid=community-comparison] .cell-warn").count() == 1
    j.check_accessibility()
    j.shot("street-dashboard")
    # a community's own dashboard is one click away
    rows.first.locator("a").click()
    j.page.wait_for_load_state("networkidle")
    assert "/dashboard/communities/" in j.page.url
    j.page.wait_for_function(ALL_DRAWN)
    assert j.page.locator("[data-testid=community-comparison]").count() == 0
    j.check_accessibility()
    j.shot("community-dashboard")


def test_secretary_sees_her_community_dashboard_on_a_phone(journey):
    j = journey("dashboard-secretary", viewport=PHONE)
    j.login("secretary1")
    assert j.page.locator("[data-stat=communities]").count() == 0
    units = int(stat(j, "units"))
    assert 0 < units < 533  # her community's units, not the street's
    j.page.wait_for_function(ALL_DRAWN)
    assert j.page.locator("[data-chart]").count() == 5
    assert j.page.locator("[data-testid=community-comparison]").count() == 0
    assert j.page.locator("[data-testid=grid-areas] tbody tr").count() > 0
    width = j.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the dashboard scrolls sideways on a phone"
    # each chart's figures are also a table, one click away
    j.page.locator("[data-chart=checkins] ~ details summary").click()
    assert j.page.locator("[data-chart=checkins] ~ details table").is_visible()
    j.check_accessibility()
    j.shot("community-dashboard-phone")
