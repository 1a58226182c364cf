"""A member of staff on a 390 px phone: the inbox and a task page need no sideways scrolling,
and the navigation folds into a toggler that opens the menu."""
import pytest

from app.demo import DEMO_PASSWORD
from live_server import start_complaint

pytestmark = pytest.mark.browser


def no_sideways_scroll(tab) -> bool:
    return tab.evaluate("document.documentElement.scrollWidth <= 390")


def test_inbox_and_task_fit_a_phone_and_the_menu_opens(app, complaints, phone, shots):
    instance_id = start_complaint(app, title="زباله‌های کوچه بهار جمع‌آوری نشده است")
    phone.goto("/login")
    phone.fill("#username", "pr_expert_d1")
    phone.fill("#password", DEMO_PASSWORD)
    phone.locator("main form button").click()
    phone.wait_for_url("**/")
    # The user's name is in the folded menu on a phone.
    assert phone.get_by_test_id("current-user").count() == 1
    row = phone.locator("[data-testid=inbox] tbody tr").filter(
        has=phone.locator(f"a[href='/instances/{instance_id}']"))
    assert row.count() == 1 and row.is_visible()
    phone.screenshot(path=str(shots / "staff-inbox-phone.png"), full_page=True)
    assert no_sideways_scroll(phone)

    menu = phone.locator("#main-nav")
    inbox_link = menu.get_by_role("link", name="کارتابل", exact=True)
    assert not inbox_link.is_visible()
    phone.get_by_test_id("nav-toggler").click()
    inbox_link.wait_for(state="visible")
    phone.wait_for_selector("#main-nav.show")  # the opening animation has ended
    assert menu.locator("form[action='/logout'] button").is_visible()
    phone.screenshot(path=str(shots / "staff-menu-phone.png"), full_page=True)
    assert no_sideways_scroll(phone)

    row.locator("a[href^='/tasks/']").first.click()
    phone.wait_for_selector("[data-testid=task-form]")
    phone.screenshot(path=str(shots / "staff-task-phone.png"), full_page=True)
    assert no_sideways_scroll(phone)
    assert phone.js_errors == []
