"""Every incident action in the browser, through the instance page's operations panel (suspend
then resume, cancel with a reason, and without one refused, move the token, set the data with
the diff in the history, retry), on a desktop and some on a phone; the incidents list with the
count in the navigation. And an operator on a phone repairs an incident: the badge in the menu leads to the incidents
page, the instance's operations panel holds the case data in a JSON editor; the amount the
script could not read is fixed there with a reason, the failed step retried, and the instance
runs on with the change in its history."""
import pytest

from app.demo import DEMO_PASSWORD
from live_server import fits_the_screen, log_in
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


# ---------------------------------------------------------------- every action, through the panel

def _panel_form(tab, action):
    return tab.locator(f"[data-testid=operations] form[action$='/operations/{action}']")


def _open_instance(tab, instance_id, username="process_owner"):
    log_in(tab, username)
    tab.goto(f"/instances/{instance_id}")
    tab.wait_for_selector("[data-testid=operations]")


def _history(tab, event_type):
    """The text of the instance's history rows of one event type."""
    return [row.inner_text() for row in tab.locator(f"[data-testid=history] tr[data-event={event_type}]").all()]


def _open_tasks(tab) -> str:
    tasks = tab.get_by_test_id("open-tasks")
    return tasks.inner_text() if tasks.count() else ""


def _status(tab, status):
    tab.wait_for_selector(f"[data-testid=instance-status][data-status={status}]")


def suspend_then_resume(tab):
    _open_instance(tab, make_instance(tab.app, "3"))  # its script ran: the review is open
    form = _panel_form(tab, "suspend")
    form.locator("input[name=reason]").fill("منتظر نامه شهردار")
    form.get_by_test_id("suspend").click()
    _status(tab, "suspended")
    assert tab.get_by_test_id("suspended-note").is_visible()
    assert "منتظر نامه شهردار" in _history(tab, "instance_suspended")[0]
    assert "Review the total" not in _open_tasks(tab)  # its task waits
    _panel_form(tab, "resume").get_by_test_id("resume").click()
    _status(tab, "running")
    assert _history(tab, "instance_resumed")
    assert "Review the total" in tab.get_by_test_id("open-tasks").inner_text()


def cancel_with_a_reason(tab):
    _open_instance(tab, make_instance(tab.app, "abc"))
    form = _panel_form(tab, "cancel")
    form.locator("input[name=reason]").fill("درخواست تکراری")
    form.get_by_test_id("cancel").click()
    _status(tab, "cancelled")
    assert "درخواست تکراری" in _history(tab, "instance_cancelled")[0]
    assert tab.get_by_test_id("operations").count() == 0  # nothing left to do on it


def cancel_without_a_reason_is_refused(tab):
    instance_id = make_instance(tab.app, "abc")
    _open_instance(tab, instance_id)
    form = _panel_form(tab, "cancel")
    form.locator("input[name=reason]").evaluate("input => input.removeAttribute('required')")
    form.get_by_test_id("cancel").click()
    tab.wait_for_selector("[data-testid=operations-error]")
    assert "دلیل" in tab.get_by_test_id("operations-error").inner_text()  # "Say why", in Persian
    _status(tab, "error")


def move_the_token(tab):
    _open_instance(tab, make_instance(tab.app, "abc"))
    tab.locator("[data-testid=operations] summary", has_text="نشانه").click()
    tab.get_by_test_id("move-from").select_option("Script_compute")
    tab.get_by_test_id("move-to").select_option("Task_review")
    _panel_form(tab, "move").locator("input[name=reason]").fill("محاسبه دستی")
    tab.get_by_test_id("move").click()
    _status(tab, "running")
    [moved] = _history(tab, "token_moved")
    assert "Compute the total" in moved and "Review the total" in moved and "محاسبه دستی" in moved
    assert "Review the total" in tab.get_by_test_id("open-tasks").inner_text()


def set_data_with_the_diff_in_the_history(tab):
    _open_instance(tab, make_instance(tab.app, "abc"))
    editor = tab.get_by_test_id("data-json")
    editor.fill('{"amount": "4", "note": "fixed by hand"}')
    tab.get_by_test_id("data-reason").fill("مبلغ اشتباه بود")
    tab.get_by_test_id("set-data").click()
    tab.wait_for_selector("[data-testid=history] [data-testid=data-diff]")
    diff = tab.locator("[data-testid=history] [data-testid=data-diff]")
    assert diff.locator("[data-change=changed]").inner_text() == '~ amount: "abc" → "4"'
    assert diff.locator("[data-change=added]").inner_text() == '+ note: "fixed by hand"'
    assert "مبلغ اشتباه بود" in _history(tab, "instance_data_set")[0]
    _status(tab, "error")  # the data changed, the step not yet retried


def retry_that_fails_again_then_succeeds(tab):
    instance_id = make_instance(tab.app, "abc")
    _open_instance(tab, instance_id)
    _panel_form(tab, "retry").locator("input[name=reason]").fill("یک بار دیگر")
    tab.get_by_test_id("retry").click()
    tab.wait_for_selector("[data-testid=incident-summary]")
    assert "۲" in tab.get_by_test_id("incident-summary").inner_text()  # two failures now
    assert "یک بار دیگر" in _history(tab, "instance_retried")[0]
    editor = tab.get_by_test_id("data-json")
    editor.fill(editor.input_value().replace('"abc"', '"5"'))
    tab.get_by_test_id("data-reason").fill("درست شد")
    tab.get_by_test_id("set-data").click()
    tab.wait_for_selector("[data-testid=history] [data-testid=data-diff]")
    tab.get_by_test_id("retry").click()
    _status(tab, "running")
    assert len(_history(tab, "instance_retried")) == 2
    assert "Review the total" in tab.get_by_test_id("open-tasks").inner_text()


# Every action on a desktop; two of them on a phone too (the panel's layout is the same for all).
CASES = [(action, "desktop") for action in (
    suspend_then_resume, cancel_with_a_reason, cancel_without_a_reason_is_refused, move_the_token,
    set_data_with_the_diff_in_the_history, retry_that_fails_again_then_succeeds)] + [
    (suspend_then_resume, "phone"), (cancel_with_a_reason, "phone")]


@pytest.mark.parametrize(("action", "viewport"), CASES,
                         ids=[f"{action.__name__}-{viewport}" for action, viewport in CASES])
def test_each_incident_action_from_the_operations_panel(app, request, action, viewport, shots):
    tab = request.getfixturevalue("phone" if viewport == "phone" else "page")
    tab.app = app
    action(tab)
    assert fits_the_screen(tab)
    tab.screenshot(path=str(shots / f"incident-{action.__name__}-{viewport}.png"), full_page=True)
    assert tab.js_errors == []


def test_the_incidents_list_and_its_count_in_the_navigation(app, page):
    first, second = make_instance(app, "abc"), make_instance(app, "xyz")
    log_in(page, "process_owner")
    assert page.get_by_test_id("incident-count").inner_text() == "۲"
    page.get_by_test_id("nav-incidents").click()
    page.wait_for_selector("[data-testid=incidents]")
    rows = page.get_by_test_id("incident")
    assert sorted(int(rows.nth(i).get_attribute("data-instance")) for i in range(rows.count())) \
        == sorted([first, second])
    row = page.locator(f"[data-testid=incident][data-instance='{first}']")
    assert "Compute the total" in row.inner_text()
    assert row.get_by_test_id("incident-message").inner_text().startswith("مقداری برای اسکریپت معتبر نیست")
    assert row.get_by_test_id("failure-count").inner_text() == "۱"
    row.locator("a").first.click()
    page.wait_for_selector("[data-testid=operations]")
    form = _panel_form(page, "cancel")
    form.locator("input[name=reason]").fill("تکراری")
    form.get_by_test_id("cancel").click()
    _status(page, "cancelled")
    assert page.get_by_test_id("incident-count").inner_text() == "۱"
    page.get_by_test_id("nav-incidents").click()
    page.wait_for_selector("[data-testid=incidents]")
    assert [page.get_by_test_id("incident").get_attribute("data-instance")] == [str(second)]

    log_in(page, "pr_expert_d1")  # no right to repair: no count, no list
    assert page.get_by_test_id("incident-count").count() == 0
    assert page.get_by_test_id("nav-incidents").count() == 0
    assert page.js_errors == []
