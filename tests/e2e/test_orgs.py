"""Organisations in a real browser: the tree, a unit, a committee, accessibility."""

from tests.e2e.conftest import PHONE


def test_staff_browses_the_tree_opens_a_unit_and_a_committee(journey):
    j = journey("orgs-staff")
    j.login("staff")
    j.goto("/orgs/")
    tree = j.page.locator("[data-testid=org-tree]")
    assert "张湾街道" in tree.inner_text()
    j.check_accessibility()
    # expand the first community, then open its first unit
    community = tree.locator("li.kind-community > details").first
    community.locator("> summary").click()
    assert community.get_attribute("open") is not None
    j.shot("tree-expanded")
    community.locator("li.kind-unit a").first.click()
    j.page.wait_for_load_state("networkidle")
    assert "/orgs/units/" in j.page.url
    j.check_accessibility()
    j.shot("unit")
    j.goto("/orgs/units/?system=out&o=-headcount")
    assert j.page.locator("[data-testid=unit-table] tbody tr").count() == 50
    j.check_accessibility()
    j.goto("/orgs/committees/")
    j.page.get_by_role("link", name="张湾街道大工委").click()
    j.page.wait_for_load_state("networkidle")
    assert j.page.locator("[data-testid=current-seats] tbody tr").count() == 25
    j.check_accessibility()
    j.shot("big-working-committee")


def test_secretary_sees_own_units_on_a_phone(journey):
    j = journey("orgs-secretary", viewport=PHONE)
    j.login("secretary1")
    j.goto("/orgs/units/")
    j.check_accessibility()
    width = j.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the unit list scrolls sideways on a phone"
    j.shot("units-phone")
    j.goto("/orgs/people/")
    assert "****" not in j.page.locator("[data-testid=people-table]").inner_text()
    j.check_accessibility()
