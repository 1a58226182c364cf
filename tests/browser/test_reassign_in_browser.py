"""Reassigning in Chromium with the picker: the head of a unit opens "hand to a colleague",
chooses a member of the unit from the list, gives a reason, and the colleague finds the task."""
import pytest

from app.demo import DEMO_PASSWORD
from live_server import log_in, start_complaint
from people.accounts import create_user, find_district, grant_role

pytestmark = pytest.mark.browser


def test_a_task_is_handed_to_a_colleague_chosen_in_the_picker_with_a_reason(app, complaints, page):
    instance_id = start_complaint(app)
    session = app.extensions["db_sessions"]()
    colleague = create_user(session, "pr_expert_d1_c", DEMO_PASSWORD, full_name="همکار روابط عمومی")
    grant_role(session, colleague, "pr_expert", find_district(session, "d1"))
    session.commit()
    session.close()

    log_in(page, "pr_expert_d1")
    page.goto("/")
    row = page.locator("[data-testid=inbox] tbody tr").filter(
        has=page.locator(f"a[href='/instances/{instance_id}']"))
    row.get_by_role("link", name="ثبت شکایت", exact=True).click()
    page.locator("[data-testid=reassign] summary").click()
    options = page.locator("[data-testid=reassign-to] option").all_inner_texts()
    assert "همکار روابط عمومی" in options
    assert not any("رئیس" in o for o in options)  # only holders of the task's role
    page.select_option("[data-testid=reassign-to]", "pr_expert_d1_c")
    page.fill("[data-testid=reassign-reason]", "مرخصی ساعتی")
    page.locator("[data-testid=reassign-submit]").click()
    page.wait_for_load_state()
    assert "همکار روابط عمومی" in page.locator("main").inner_text()  # claimed by the colleague

    log_in(page, "pr_expert_d1_c")
    page.goto("/")
    assert page.locator(f"[data-testid=inbox] a[href='/instances/{instance_id}']").count() == 1
    page.goto(f"/instances/{instance_id}")
    assert "مرخصی ساعتی" in page.locator("[data-testid=history]").inner_text()
    assert page.js_errors == []
