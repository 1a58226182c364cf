"""An administrator on a 390 px phone reads the 137 intake channels and adds one, without
scrolling sideways."""
import pytest

from app.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def test_an_administrator_adds_an_intake_channel_on_a_phone(app, phone, shots):
    phone.goto("/login")
    phone.fill("#username", "admin")
    phone.fill("#password", DEMO_PASSWORD)
    phone.locator("main form button").click()
    phone.wait_for_url("**/")
    phone.goto("/admin/channels")
    assert phone.get_by_test_id("channels").locator("tbody tr").count() == 13
    phone.fill("#ch-code", "kiosk")
    phone.fill("#ch-fa", "کیوسک خدمات شهری")
    phone.fill("#ch-en", "Service kiosk")
    phone.get_by_role("button", name="افزودن درگاه").click()
    phone.wait_for_selector(".alert-success")
    assert phone.get_by_test_id("channels").locator("tbody tr").count() == 14
    phone.screenshot(path=str(shots / "admin-channels-phone.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth <= 390")
    assert phone.js_errors == []
