"""The grid in a real browser: the tree and the map for staff, a case's
escalation, and a grid worker logging a visit with a photo on a phone."""

import io
import re

from PIL import Image

from tests.e2e.conftest import PHONE


def test_staff_browses_the_grid_tree_map_and_case_board(journey):
    j = journey("grids-staff")
    j.login("staff")
    j.goto("/grids/")
    assert j.page.locator("[data-testid=grid-tree] li").count() >= 11 + 67
    j.check_accessibility()
    j.shot("tree")
    j.goto("/grids/map/")
    # the map is drawn from the cells' own boundaries by the vendored ECharts
    j.page.wait_for_selector("#grid-map canvas")
    j.check_accessibility()
    j.shot("map")
    j.goto("/grids/cases/?overdue=on")
    rows = j.page.locator("[data-testid=cases] tbody tr")
    assert rows.count() > 0
    j.check_accessibility()
    j.shot("overdue-cases")
    j.page.locator("[data-testid=cases] tbody a").first.click()
    j.page.wait_for_load_state("networkidle")
    assert j.page.locator("[data-testid=history] li").count() >= 1
    j.check_accessibility()
    j.shot("case")


def test_grid_worker_logs_a_visit_with_a_photo_on_a_phone(journey, tmp_path):
    j = journey("grids-visit", viewport=PHONE)
    j.login("gridworker1")
    j.goto("/grids/visits/new/")
    width = j.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the visit form scrolls sideways on a phone"
    j.check_accessibility()
    j.shot("visit-form")
    photo = tmp_path / "photo.png"
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (30, 120, 200)).save(buffer, "PNG")
    photo.write_bytes(buffer.getvalue())
    j.page.select_option("#id_cell", index=1)
    j.page.fill("#id_findings", "楼道堆放杂物，已提醒住户清理")
    j.page.set_input_files("#id_photos", str(photo))
    j.page.click("main button[type=submit]")
    j.page.wait_for_load_state("networkidle")
    assert re.search(r"/grids/visits/\d+/$", j.page.url), j.page.url
    assert "楼道堆放杂物" in j.page.content()
    assert j.page.locator(".photo-grid img").count() == 1
    loaded = j.page.evaluate(
        "() => [...document.querySelectorAll('.photo-grid img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    assert loaded
    width = j.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    j.shot("visit-saved")
