"""A process owner moves running instances to a newer version in Chromium (CSRF on): the
mapping form, a dry run, then a bulk move whose progress page carries on batch by batch by
itself (one instance a batch here); one moves, one is refused and the page names the task."""
from pathlib import Path

import pytest
from sqlalchemy import select

import engine as runtime
from live_server import log_in
from models import Event, HumanTask, Instance
from people.accounts import find_district, find_user
from tests.conftest import deploy_file

pytestmark = pytest.mark.browser
MIGRATION = Path(__file__).resolve().parents[1] / "fixtures" / "migration"


def arrange(app) -> tuple[int, int]:
    """v1; an instance at A and one past A (at B); then v2 and v3 (v3 lacks A)."""
    deploy_file(app, MIGRATION / "v1.bpmn")
    session = app.extensions["db_sessions"]()
    try:
        expert, d1 = find_user(session, "pr_expert_d1"), find_district(session, "d1").id
        at_a = runtime.start_instance(session, "migration_demo", expert, d1, title="پرونده در A")
        at_b = runtime.start_instance(session, "migration_demo", expert, d1, title="پرونده در B")
        session.flush()
        row = session.scalars(select(HumanTask).where(HumanTask.instance_id == at_b.id)).one()
        runtime.complete_task(session, row.id, expert, {})
        session.commit()
        ids = at_a.id, at_b.id
    finally:
        session.close()
    deploy_file(app, MIGRATION / "v2.bpmn")
    deploy_file(app, MIGRATION / "v3.bpmn")
    return ids


def test_a_process_owner_maps_dry_runs_and_moves_in_batches(app, page):
    at_a, at_b = arrange(app)
    app.config["MIGRATION_BATCH"] = 1  # the progress page must carry on by itself
    log_in(page, "process_owner")

    page.goto("/studio/migration_demo/migrate")
    assert page.locator("[data-testid=target-select]").input_value() == "3"
    assert page.locator("[data-testid=map-Task_A]").input_value() == ""  # v3 lacks A: nothing
    assert page.locator("[data-testid=map-Task_B]").input_value() == "Task_B"
    refused_row = page.locator(f"tr[data-instance='{at_a}']")
    assert refused_row.get_attribute("data-check") == "refused"
    assert "A: ثبت" in refused_row.inner_text()
    assert page.locator(f"tr[data-instance='{at_b}']").get_attribute("data-check") == "ok"
    page.check(f"#m-{at_a}")  # ask for both: the refused one is refused again, the other moves
    page.check(f"#m-{at_b}")

    page.get_by_test_id("dry-run-submit").click()
    page.wait_for_selector("[data-testid=dry-run]")
    moves = page.locator(f"tr[data-instance='{at_b}'] [data-testid=moves]").inner_text()
    assert "B: بررسی (Task_B) ← B: بررسی و تأیید (Task_B)" in moves
    assert page.locator(f"tr[data-instance='{at_a}']").get_attribute("data-check") == "refused"
    assert page.locator(f"#m-{at_a}").is_checked() and page.locator(f"#m-{at_b}").is_checked()

    page.fill("[data-testid=migrate-reason]", "نسخه ۳")
    page.get_by_test_id("migrate-submit").click()
    page.wait_for_selector("[data-testid=progress][data-status=finished]")
    assert page.locator(f"[data-testid=migrated-list] li[data-instance='{at_b}']").count() == 1
    refused = page.locator(f"[data-testid=refused-list] li[data-instance='{at_a}']").inner_text()
    assert "A: ثبت" in refused and "Task_A" in refused

    page.goto(f"/instances/{at_b}")
    assert "migration_demo نسخه ۳" in page.locator("main").inner_text()
    page.goto("/studio/migration_demo/migrate?target=2")
    assert page.locator(f"tr[data-instance='{at_a}']").get_attribute("data-check") == "ok"
    page.select_option("[data-testid=map-Task_A]", "Task_A")
    page.get_by_test_id("migrate-submit").click()
    page.wait_for_selector("[data-testid=progress][data-status=finished]")
    session = app.extensions["db_sessions"]()
    try:
        assert session.get(Instance, at_a).version.version == 2
        event = session.scalars(select(Event).where(Event.instance_id == at_a,
                                                    Event.type == "instance_migrated")).one()
        assert event.data["mapping"] == {"Task_A": "Task_A"}
    finally:
        session.close()
    assert page.js_errors == []
