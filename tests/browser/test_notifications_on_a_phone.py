"""A member of staff on a 390 px phone sees the bell without opening the menu, reads the
notification of a task offered to them, marks it read, and sets their channels."""
import pytest

from app.demo import DEMO_PASSWORD
import engine as runtime
from people.accounts import find_district, find_user

pytestmark = pytest.mark.browser


def offer_a_complaint(app) -> int:
    """A complaint started by the PR head: its register task is offered to the PR expert."""
    session = app.extensions["db_sessions"]()
    try:
        instance = runtime.start_instance(session, "complaints", find_user(session, "pr_head_d1"),
                                          find_district(session, "d1").id, title="چاله خیابان بهار")
        session.commit()
        return instance.id
    finally:
        session.close()


def no_sideways_scroll(tab) -> bool:
    return tab.evaluate("document.documentElement.scrollWidth <= 390")


def test_the_bell_leads_to_the_notification_which_is_marked_read_on_a_phone(app, complaints, phone, shots):
    offer_a_complaint(app)
    phone.goto("/login")
    phone.fill("#username", "pr_expert_d1")
    phone.fill("#password", DEMO_PASSWORD)
    phone.locator("main form button").click()
    phone.wait_for_url("**/")
    bell = phone.get_by_test_id("bell")
    assert bell.is_visible() and phone.get_by_test_id("bell-count").inner_text() == "۱"
    assert phone.get_by_test_id("new-task").count() == 1
    bell.click()
    phone.wait_for_url("**/notifications")
    [item] = phone.get_by_test_id("notification").all()
    assert item.get_attribute("data-read") == "no" and "چاله خیابان بهار" in item.inner_text()
    phone.screenshot(path=str(shots / "staff-notifications-phone.png"), full_page=True)
    assert no_sideways_scroll(phone)
    item.get_by_role("button", name="خوانده شد").click()
    phone.wait_for_selector("[data-testid=notification][data-read=yes]")
    assert phone.get_by_test_id("bell-count").count() == 0

    phone.goto("/notifications/settings")
    phone.locator("#due_soon-email").check()
    phone.get_by_role("button", name="ذخیره").click()
    phone.wait_for_selector(".alert-success")
    assert phone.locator("#due_soon-email").is_checked()
    phone.screenshot(path=str(shots / "staff-notification-settings-phone.png"), full_page=True)
    assert no_sideways_scroll(phone)
    assert phone.js_errors == []
