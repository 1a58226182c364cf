"""A 137 clerk on a 390 px phone with JavaScript off finds a citizen's message by the phone
number they read out, typed in Persian digits with spaces (issue 20)."""
import pytest
from conftest import PHONE
from live_server import fits_the_screen
from message_137_support import INTAKE, complete, deploy_messages, start_message

from app.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def test_a_clerk_finds_a_137_message_by_phone_on_a_phone(app, db, chromium, live_server, shots):
    deploy_messages(app)
    wanted = start_message(db)
    complete(db, wanted.id, "Task_register_message",
             {**INTAKE, "citizen_name": "مريم احمدي", "citizen_phone": "09123456789",
              "description": "چراغ کوچه خاموش است"})
    other = start_message(db)
    complete(db, other.id, "Task_register_message",
             {**INTAKE, "citizen_phone": "09350001111", "description": "چاله در خیابان"})
    code = wanted.tracking_code
    db.close()
    context = chromium.new_context(base_url=live_server, java_script_enabled=False, **PHONE)
    try:
        tab = context.new_page()
        tab.goto("/login")
        tab.fill("#username", "intake_operator_d1")
        tab.fill("#password", DEMO_PASSWORD)
        tab.locator("main form button").click()
        tab.wait_for_url("**/")
        tab.goto("/instances")
        tab.fill("#s-q", "۰۹۱۲ ۳۴۵ ۶۷۸۹")
        tab.get_by_test_id("search-submit").click()
        tab.wait_for_selector("[data-testid=search-count]")
        assert tab.get_by_test_id("search-count").inner_text().strip() == "۱ پرونده یافت شد."
        assert tab.locator(f"a[href='/instances/{wanted.id}']").count() == 1
        assert tab.locator(f"a[href='/instances/{other.id}']").count() == 0
        assert code in tab.get_by_test_id("instance-list").inner_text()
        assert tab.input_value("#s-q") == "۰۹۱۲ ۳۴۵ ۶۷۸۹"  # the form keeps what was typed
        tab.screenshot(path=str(shots / "instance-search-phone.png"), full_page=True)
        assert fits_the_screen(tab)
        tab.locator(f"a[href='/instances/{wanted.id}']").click()
        tab.wait_for_url(f"**/instances/{wanted.id}")
    finally:
        context.close()
