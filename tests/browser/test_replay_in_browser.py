"""An auditor steps through a 137 message that looped twice, in Chromium: forward and back, the
diagram of the instance's own version marks what ran, and the chosen pass is highlighted; and
through the mayor's orders of a public meeting (a parallel multi-instance sub-process), where
every step inside names its order and counts that order's own passes."""
import pytest

from live_server import log_in

from message_137_support import complete, deploy_messages, referred_message, reply


pytestmark = pytest.mark.browser


def looped_message(app) -> int:
    """Referred, answered, citizen not satisfied, answer not confirmed, answered again, satisfied."""
    deploy_messages(app)
    db = app.extensions["db_sessions"]()
    try:
        message = referred_message(db)
        reply(db, message.id, "بار اول پاسخ داده شد.")
        complete(db, message.id, "Task_feedback_call", {"satisfied": "no", "feedback_note": "درست نشد."})
        complete(db, message.id, "Task_field_investigation",
                 {"answer_confirmed": "no", "investigation_findings": "تعمیر نشده است."})
        reply(db, message.id, "بار دوم پاسخ داده شد.")
        complete(db, message.id, "Task_feedback_call", {"satisfied": "yes"})
        return message.id
    finally:
        db.close()


def marked(page, marker: str) -> list[str]:
    return page.eval_on_selector_all(f".djs-element.{marker}", "els => els.map(e => e.dataset.elementId)")


def test_an_auditor_steps_forward_and_back_through_a_looped_message(app, page):
    instance_id = looped_message(app)
    log_in(page, "auditor")

    page.goto(f"/audit/instances/{instance_id}/replay")
    assert page.get_by_test_id("replay-verdict").get_attribute("data-matches") == "true"
    page.wait_for_selector("#diagram[data-loaded=true]")
    steps = page.locator("[data-testid=step-list] li")
    labels = steps.all_inner_texts()
    second_reply = [i for i, text in enumerate(labels, start=1) if "پاسخ و اقدام واحد اجرایی" in text][1]

    page.goto(f"/audit/instances/{instance_id}/replay?step={second_reply}")
    page.wait_for_selector("#diagram[data-loaded=true]")
    assert page.get_by_test_id("step-detail").get_attribute("data-element") == "Task_executive_reply"
    assert page.get_by_test_id("pass").inner_text() == "بار ۲ از ۲"
    assert marked(page, "current") == ["Task_executive_reply"]
    assert "Task_field_investigation" in marked(page, "done")
    badge = page.locator(".djs-overlays[data-container-id=Task_executive_reply] .badge")
    assert badge.inner_text() == "×2"

    page.get_by_test_id("step-back").click()
    page.wait_for_selector("#diagram[data-loaded=true]")
    assert int(page.get_by_test_id("step-position").get_attribute("data-step")) == second_reply - 1
    for _ in range(second_reply):  # back to the first reply
        if page.get_by_test_id("step-detail").get_attribute("data-element") == "Task_executive_reply":
            break
        page.get_by_test_id("step-back").click()
        page.wait_for_selector("#diagram[data-loaded=true]")
    assert page.get_by_test_id("pass").inner_text() == "بار ۱ از ۲"
    assert "Task_field_investigation" not in marked(page, "done")
    page.get_by_test_id("step-last").click()
    page.wait_for_selector("#diagram[data-loaded=true]")
    assert marked(page, "active") == [] and page.js_errors == []


def test_stepping_through_the_mayors_orders_names_each_item_and_its_own_passes(app, page):
    """Three orders followed up side by side in a parallel multi-instance sub-process, order 2
    sent back once: stepping forward, every step inside says which order it belongs to, and
    order 2's second round is "pass 2 of 2" (its own rounds, not the four follow-ups)."""
    from test_replay_items import EXPECTED, ORDER_TEXTS, run_meeting_with_one_order_looped
    db = app.extensions["db_sessions"]()
    try:
        meeting = run_meeting_with_one_order_looped(app, db)
    finally:
        db.close()
    log_in(page, "auditor")
    page.goto(f"/audit/instances/{meeting}/replay")
    page.wait_for_selector("#diagram[data-loaded=true]")
    entries = page.locator("[data-testid=step-list] li")
    inside = [i for i in range(1, entries.count() + 1)
              if entries.nth(i - 1).get_by_test_id("list-item").count()]
    assert len(inside) == len(EXPECTED)

    with page.expect_navigation():
        entries.nth(inside[0] - 1).locator("a").click()  # the first step inside the sub-process
    seen = []
    while True:
        page.wait_for_selector("#diagram[data-loaded=true]")
        step = int(page.get_by_test_id("step-position").get_attribute("data-step"))
        if step in inside:
            item = page.get_by_test_id("item")
            number = int(item.get_attribute("data-number"))
            assert ORDER_TEXTS[number] in item.inner_text()
            assert f"مورد {'۰۱۲۳'[number]}" in item.inner_text()
            element = page.get_by_test_id("step-detail").get_attribute("data-element")
            seen.append((element, number, page.get_by_test_id("pass").inner_text()))
        else:
            assert page.get_by_test_id("item").count() == 0  # outside: no item
        if step >= inside[-1]:
            break
        with page.expect_navigation():
            page.get_by_test_id("step-forward").click()
    assert seen == [(element, number, f"بار {'۰۱۲'[n]} از {'۰۱۲'[total]}")
                    for element, number, n, total in EXPECTED]
    assert ("Task_order_followup", 2, "بار ۲ از ۲") in seen
    assert page.js_errors == []
