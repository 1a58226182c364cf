"""An operator on a phone repairs an incident: the badge in the menu leads to the incidents
page, the instance's operations panel holds the case data in a JSON editor; the amount the
script could not read is fixed there with a reason, the failed step retried, and the instance
runs on with the change in its history."""
import pytest

from app.demo import DEMO_PASSWORD
from live_server import fits_the_screen
from tests.http.test_incidents_http import make_instance

pytestmark = pytest.mark.browser


def test_an_operator_fixes_the_data_and_retries_on_a_phone(app, phone, shots):
    instance_id = make_instance(app, "abc")
    phone.goto("/login")
    phone.fill("#username", "process_owner")
    phone.fill("#password", DEMO_PASSWORD)
    phone.locator("main form button").click()
    phone.wait_for_url("**/")
    phone.get_by_test_id("nav-toggler").click()
    phone.wait_for_selector("#main-nav.show")
    assert phone.get_by_test_id("incident-count").inner_text() == "۱"
    phone.get_by_test_id("nav-incidents").click()
    phone.wait_for_selector("[data-testid=incidents]")
    assert fits_the_screen(phone)
    phone.screenshot(path=str(shots / "incidents-phone.png"), full_page=True)
    phone.locator(f"[data-instance='{instance_id}'] a").click()
    phone.wait_for_selector("[data-testid=operations]")

    editor = phone.get_by_test_id("data-json")
    text = editor.input_value()
    assert '"amount": "abc"' in text
    editor.fill(text.replace('"abc"', '"4"'))
    phone.get_by_test_id("data-reason").fill("مبلغ اشتباه تایپ شده بود")
    phone.get_by_test_id("set-data").click()
    phone.wait_for_selector("[data-testid=data-diff]")
    assert "~ amount" in phone.get_by_test_id("data-diff").inner_text()
    assert fits_the_screen(phone)

    phone.get_by_test_id("retry").click()
    phone.wait_for_selector("[data-testid=instance-status][data-status=running]")
    assert "Review the total" in phone.get_by_test_id("open-tasks").inner_text()
    assert phone.get_by_test_id("incident-count").count() == 0
    phone.screenshot(path=str(shots / "incident-repaired-phone.png"), full_page=True)
    assert fits_the_screen(phone)
    assert phone.js_errors == []
