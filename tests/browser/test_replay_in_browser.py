"""An auditor steps through a 137 message that looped twice, in Chromium: forward and back, the
diagram of the instance's own version marks what ran, and the chosen pass is highlighted."""
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
