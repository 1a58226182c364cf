"""A district mayor on a 390 px phone with JavaScript off: the dashboard's tables fit the
screen, and a figure's link leads to its cases (tests/http/dashboard_support.py)."""
import pytest
from conftest import PHONE
from dashboard_support import build_dashboard_fixture
from live_server import fits_the_screen

from app.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def test_the_dashboard_fits_a_phone_without_javascript_and_drills_down(app, db, chromium, live_server, shots):
    ids = build_dashboard_fixture(db)
    db.close()
    context = chromium.new_context(base_url=live_server, java_script_enabled=False, **PHONE)
    try:
        tab = context.new_page()
        tab.goto("/login")  # the folded menu hides the user's name: not live_server.log_in
        tab.fill("#username", "district_mayor_d1")
        tab.fill("#password", DEMO_PASSWORD)
        tab.locator("main form button").click()
        tab.wait_for_url("**/")
        tab.goto("/dashboard")
        for table in ("messages-total", "messages-by-week", "open-by-district", "open-by-role"):
            assert tab.get_by_test_id(table).is_visible(), table
        tab.screenshot(path=str(shots / "dashboard-phone.png"), full_page=True)
        assert fits_the_screen(tab)
        overdue = tab.get_by_test_id("open-by-district").locator("tbody tr").first.locator("td").nth(2)
        assert overdue.inner_text() == "۳"
        overdue.locator("a").click()
        tab.wait_for_selector("[data-testid=list-filters]")
        shown = {tab.locator(f"a[href='/instances/{ids[name]}']").count() for name in ("C2", "M3", "C4")}
        assert shown == {1} and tab.locator(f"a[href='/instances/{ids['C1']}']").count() == 0
        tab.screenshot(path=str(shots / "dashboard-drill-down-phone.png"), full_page=True)
    finally:
        context.close()
