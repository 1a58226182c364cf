"""The studio's "Try it" panel in Chromium (app/static/studio/trial.js): a process owner starts
a small draft with start data, fills the review form (drawn by the task pages' renderer),
completes it twice round its loop, fires the timer, and sees the path on the diagram with
pass counts; a script error is pinned on its element."""
import os

import pytest
from sqlalchemy import select

from live_server import log_in, wait_for_js
from modeling import studio
from models import User
from trial_support import TRIAL_XML

pytestmark = pytest.mark.browser


@pytest.fixture
def trial_draft(app):
    session = app.extensions["db_sessions"]()
    owner = session.scalar(select(User).where(User.username == "process_owner"))
    studio.save_draft(session, "studio_trial", TRIAL_XML, owner)
    session.commit()
    session.close()


def wait_trial(page, states=("waiting", "completed", "error", "refused", "failed")):
    return wait_for_js(page, "s => s.includes(document.body.dataset.trial) && document.body.dataset.trial",
                       arg=list(states))


def count_badge(page, element_id):
    return page.locator(f".studio-trial-badge[data-element-id={element_id}]").inner_text()


def test_owner_tries_a_draft_fills_its_form_and_sees_the_path(app, trial_draft, page):
    log_in(page, "process_owner")
    page.goto("/studio/studio_trial/edit")
    page.wait_for_selector("body[data-studio=ready]")
    page.locator("[data-testid=trial-toggle]").click()
    assert "آزمایش کنید" in page.locator("[data-testid=trial-toggle]").inner_text()

    # No start data: the script fails, in Persian, pinned on its element.
    page.fill("[data-testid=trial-start-data]", "{}")
    page.locator("[data-testid=trial-start]").click()
    assert wait_trial(page) == "error"
    assert "در داده‌های فرآیند نیست" in page.locator("[data-testid=trial-problem]").inner_text()
    assert page.locator(".djs-element.studio-trial-failed[data-element-id=Script_prepare]").count() == 1

    page.evaluate("document.body.dataset.trial = ''")
    page.fill("[data-testid=trial-start-data]", '{"count": 3}')
    page.locator("[data-testid=trial-start]").click()
    assert wait_trial(page) == "waiting"
    task = page.locator("[data-testid=trial-task][data-element-id=Task_review]")
    assert page.locator(".djs-element.studio-trial-active[data-element-id=Task_review]").count() == 1
    assert count_badge(page, "Script_prepare") == "1"

    # Completing without a choice: the form's field is marked, nothing moves.
    page.evaluate("document.body.dataset.trial = ''")
    task.locator("[data-testid=trial-complete]").click()
    assert wait_trial(page) == "refused"
    assert task.locator("[data-testid=trial-field-error]").count() >= 1

    # Return once (with the reason the form then requires), then approve.
    page.evaluate("document.body.dataset.trial = ''")
    task.locator("input[name=news_decision][value=return]").check()
    task.locator("textarea[name=news_review_reason]").fill("یک بار دیگر")
    task.locator("[data-testid=trial-complete]").click()
    assert wait_trial(page) == "waiting"
    page.evaluate("document.body.dataset.trial = ''")
    task = page.locator("[data-testid=trial-task][data-element-id=Task_review]")
    task.locator("input[name=news_decision][value=approve]").check()
    task.locator("[data-testid=trial-complete]").click()
    assert wait_trial(page) == "waiting"
    assert count_badge(page, "Task_review") == "2"
    if os.environ.get("TRIAL_SHOT"):
        page.screenshot(path=os.environ["TRIAL_SHOT"], full_page=True)

    page.evaluate("document.body.dataset.trial = ''")
    page.locator("[data-testid=trial-fire][data-element-id=Timer_wait]").click()
    assert wait_trial(page) == "completed"
    for element_id in ("StartEvent_1", "Script_prepare", "Task_review", "Gateway_decision",
                       "Timer_wait", "EndEvent_1", "Flow_back", "Flow_approve"):
        assert page.locator(f".djs-element.studio-trial-done[data-element-id={element_id}]").count() == 1, element_id
    assert count_badge(page, "Gateway_decision") == "2"
    assert "فرآیند پایان یافت" in page.locator("[data-testid=trial-status]").inner_text()
    # Trying changed nothing: the diagram is not dirty and no instance exists.
    assert page.evaluate("document.body.dataset.dirty") == "false"
