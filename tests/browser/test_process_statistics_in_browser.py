"""A district mayor opens the statistics of a process version in Chromium: each task and timer
carries its figures on the diagram (tests/engine/element_statistics_support.py's history), and
the heat colours follow the switch between waiting now and time spent."""
import pytest

from live_server import log_in

from element_statistics_support import PROCESS, build_history
from models import clock

pytestmark = pytest.mark.browser


def overlay_counts(page) -> dict[str, tuple[str, str, str]]:
    """element id -> (passed, waiting, the overlay's first line) of every heat overlay."""
    return page.eval_on_selector_all(
        "[data-testid=heat-overlay]",
        "els => Object.fromEntries(els.map(e => [e.dataset.element,"
        " [e.firstChild.dataset.passed, e.firstChild.dataset.waiting, e.firstChild.textContent]]))")


def heat(page) -> dict[str, str]:
    return page.eval_on_selector_all(
        ".djs-element[data-heat]", "els => Object.fromEntries(els.map(e => [e.dataset.elementId, e.dataset.heat]))")


def test_the_diagram_carries_each_elements_figures_and_its_heat(app, page):
    db = app.extensions["db_sessions"]()
    try:
        build_history(app, db)
    finally:
        db.close()
        clock.reset()  # the live server's threads and the login run on real time
    log_in(page, "district_mayor_d1")
    page.goto(f"/processes/{PROCESS}/versions/1/statistics")
    page.wait_for_selector("#diagram[data-loaded=true]")
    assert overlay_counts(page) == {
        "Task_check": ["4", "1", "عبورکرده: ۴ · در انتظار: ۱"],
        "Timer_wait": ["3", "1", "عبورکرده: ۳ · در انتظار: ۱"],
        "Task_reply": ["2", "1", "عبورکرده: ۲ · در انتظار: ۱"],
    }
    check = page.locator(".djs-overlays[data-container-id=Task_check] [data-testid=heat-overlay]")
    assert "میانگین: ۲ ساعت و ۳۰ دقیقه" in check.inner_text()
    assert "صدک ۹۰: ۳ ساعت و ۴۲ دقیقه" in check.inner_text()
    # Waiting now: one wait at each, all as hot as the hottest.
    assert heat(page) == {"Task_check": "4", "Timer_wait": "4", "Task_reply": "4"}
    page.get_by_label("میانگین زمان صرف‌شده").check()
    # Time spent: averages 2 h 30, 2 h 20 and 45 min.
    assert heat(page) == {"Task_check": "4", "Timer_wait": "4", "Task_reply": "1"}
    assert page.locator("#diagram").get_attribute("data-heat") == "time"
    assert page.js_errors == []


def test_on_a_phone_the_figures_table_fits_the_screen(app, phone):
    db = app.extensions["db_sessions"]()
    try:
        build_history(app, db)
    finally:
        db.close()
        clock.reset()
    log_in(phone, "district_mayor_d1")
    phone.goto(f"/processes/{PROCESS}/versions/1/statistics")
    phone.wait_for_selector("#diagram[data-loaded=true]")
    rows = phone.locator("[data-testid=statistics-table] tbody tr")
    assert rows.count() == 3
    assert rows.first.locator("[data-testid=passed]").is_visible()
    # Nothing pushes the page sideways (a wide table scrolls inside its own box).
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert phone.js_errors == []
