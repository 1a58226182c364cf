"""An auditor steps through an instance moved from v1 to v2 mid-life, in Chromium: the page of
a step before the move fetches v1's diagram (no task C), the move and the steps after it v2's.
(The migration fixtures have no diagram layout, so bpmn-js draws nothing: what is checked is
which version's BPMN each step's page loads, and what the page says about it.)"""
import pytest

from live_server import log_in, wait_for_js
from tests.http.test_audit_replay_page import migrated_instance

pytestmark = pytest.mark.browser


def open_step(page, instance_id, step) -> str:
    """Go to a step; the BPMN text its page fetched for the diagram (after its URL is checked)."""
    with page.expect_response(lambda r: r.url.endswith("/diagram.bpmn")) as fetched:
        page.goto(f"/audit/instances/{instance_id}/replay?step={step}")
    response = fetched.value
    version = page.get_by_test_id("step-detail").get_attribute("data-version")
    assert response.ok and response.url.endswith(f"/versions/{version}/diagram.bpmn")
    wait_for_js(page, "window.bpmnImport && window.bpmnImport.done")
    assert "HTTP" not in (page.get_by_test_id("diagram").get_attribute("data-error") or "")
    return response.text()


def test_steps_before_and_after_a_move_load_their_own_versions(app, page):
    instance_id = migrated_instance(app)
    log_in(page, "auditor")
    first = open_step(page, instance_id, 1)
    assert page.get_by_test_id("step-version").inner_text() == "نسخه ۱"
    assert "Task_A" in first and "Task_C" not in first
    step = 2
    while True:
        xml = open_step(page, instance_id, step)
        if page.get_by_test_id("step-detail").get_attribute("data-type") == "instance_migrated":
            break
        assert "Task_C" not in xml
        step += 1
    assert page.get_by_test_id("step-migration").inner_text() == "انتقال از نسخه ۱ به نسخه ۲"
    assert "Task_C" in xml
    last = open_step(page, instance_id, 9999)
    assert page.get_by_test_id("step-version").inner_text() == "نسخه ۲" and "Task_C" in last
