"""A photo attached on the portal and seen by the examiner, in Chromium: a citizen files a
complaint about an employee with a small PNG; the complaints expert who examines it logs in,
opens the examination task, and sees the photo on the task page (and opens it)."""
import pytest
from sqlalchemy import select

import engine as runtime
from live_server import log_in, wait_for_js
from models import HumanTask, Instance
from people.accounts import find_user

from http_support import REGISTER_EMPLOYEE
from portal_support import deploy_citizen_processes

pytestmark = pytest.mark.browser

# A 2×2 red PNG (a 1-pixel one would be hard to tell from a broken image).
RED_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000002000000020802000000fdd49a730000001049444154789c"
    "63f8cfc000440c100a001fee03fd8b5f14d40000000049454e44ae426082")


def register_as_staff(app, code) -> int:
    """The PR expert registers the complaint as filed (as on the task page); its instance id."""
    session = app.extensions["db_sessions"]()
    try:
        instance = session.scalars(select(Instance).where(Instance.tracking_code == code)).one()
        task = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                       HumanTask.status == "ready")).one()
        runtime.complete_task(session, task.id, find_user(session, "pr_expert_d1"),
                              {**REGISTER_EMPLOYEE, "channel": "website"})
        session.commit()
        return instance.id
    finally:
        session.close()


def test_a_photo_attached_on_the_portal_is_seen_by_the_examiner(app, page, tmp_path, shots):
    deploy_citizen_processes(app)
    photo = tmp_path / "broken-bench.png"
    photo.write_bytes(RED_PNG)

    page.goto("/p/requests/new")
    page.select_option("#service_code", "complaint_employee")
    page.select_option("#district", "d1")
    page.fill("#description", "کارمند باجه با مراجعان بدرفتاری کرد.")
    page.fill("#address", "ساختمان مرکزی منطقه ۱")
    page.set_input_files("#photo", str(photo))
    page.get_by_test_id("send-request").click()
    code = page.get_by_test_id("tracking-code").inner_text().strip()
    assert code.startswith("101-")

    instance_id = register_as_staff(app, code)
    log_in(page, "complaints_expert_d1")
    page.goto("/")
    row = page.locator("[data-testid=inbox] tbody tr").filter(
        has=page.locator(f"a[href='/instances/{instance_id}']"))
    row.get_by_role("link", name="بررسی شکایت از کارکنان و ادارات", exact=True).click()
    page.wait_for_selector("[data-testid=task-form]")

    image = page.locator("[data-testid=attachments] img[data-testid=attachment-image]")
    assert image.count() == 1
    image.scroll_into_view_if_needed()
    # Loaded and decoded by the browser: the very picture, not a broken-image icon.
    assert wait_for_js(page, "img => img.complete && img.naturalWidth === 2 && img.naturalHeight === 2",
                       arg=image.element_handle())
    assert "broken-bench.png" in page.locator("[data-testid=attachments]").inner_text()
    page.screenshot(path=str(shots / "attachment-on-task.png"), full_page=True)
    # The examiner's own form takes evidence files too.
    assert page.locator("input[type=file][name=evidence_files]").count() == 1

    shown = page.request.get(image.get_attribute("src"))
    assert shown.status == 200 and shown.body() == RED_PNG
