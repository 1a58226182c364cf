"""A citizen files a request on a phone-sized window, follows it, and closes the loop on its
answer, in Chromium; the municipality's staff act through the engine in between."""
import pytest
from sqlalchemy import select

import engine as runtime
from live_server import fits_the_screen
from models import HumanTask, Instance
from people.accounts import find_user

from portal_support import PNG_1PX, deploy_citizen_processes


pytestmark = pytest.mark.browser


def staff_complete(app, code, task_spec, username, data):
    """A member of staff completes the request's ready task (as on their task page)."""
    session = app.extensions["db_sessions"]()
    try:
        instance = session.scalars(select(Instance).where(Instance.tracking_code == code)).one()
        task = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                       HumanTask.task_spec == task_spec,
                                                       HumanTask.status == "ready")).one()
        runtime.complete_task(session, task.id, find_user(session, username), data)
        session.commit()
        return instance.id
    finally:
        session.close()


def test_a_citizen_files_on_a_phone_follows_and_closes_the_loop(app, phone, tmp_path):
    deploy_citizen_processes(app)
    photo = tmp_path / "lamp.png"
    photo.write_bytes(PNG_1PX)

    phone.goto("/p/")
    assert fits_the_screen(phone)
    phone.get_by_test_id("file-request").click()
    phone.select_option("#service_code", "service")
    phone.select_option("#district", "d1")
    phone.fill("#description", "چراغ کوچه از دو شب پیش خاموش است.")
    phone.fill("#address", "خیابان بهار، کوچه ۱۲")
    phone.set_input_files("#photo", str(photo))
    phone.fill("#contact_phone", "09123456789")
    assert fits_the_screen(phone)
    phone.get_by_test_id("send-request").click()
    code = phone.get_by_test_id("tracking-code").inner_text().strip()
    assert code.startswith("137-") and fits_the_screen(phone)

    staff_complete(app, code, "Task_register_message", "intake_operator_d1",
                   {"channel": "web", "category": "service", "description": "چراغ کوچه خاموش است.",
                    "location": "خیابان بهار، کوچه ۱۲", "outcome": "referred"})
    staff_complete(app, code, "Task_executive_reply", "department_head_d1",
                   {"reply_text": "لامپ تیر برق تعویض شد."})

    # Later, on the same phone without the session: the code and the phone's last digits.
    phone.context.clear_cookies()
    phone.goto("/p/track")
    phone.fill("#code", code.lower())
    phone.fill("#check", "۶۷۸۹")
    phone.get_by_test_id("track-submit").click()
    timeline = phone.get_by_test_id("timeline")
    assert "لامپ تیر برق تعویض شد." in timeline.inner_text()
    assert phone.get_by_test_id("request-status").inner_text() == "در حال رسیدگی"
    phone.get_by_test_id("ask-satisfaction").get_by_role("link").click()
    phone.check("#satisfied-yes")
    phone.get_by_test_id("send-satisfaction").click()
    assert "بسته شد" in phone.get_by_test_id("satisfaction-thanks").inner_text()

    phone.goto(f"/p/track/{code}")
    assert phone.get_by_test_id("request-status").inner_text() == "بسته‌شده"
    steps = phone.locator("[data-step]").evaluate_all("items => items.map(i => i.dataset.step)")
    assert steps == ["received", "referred", "replied", "satisfied", "closed"]
    assert fits_the_screen(phone) and phone.js_errors == []
