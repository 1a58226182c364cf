"""A press list grown with "add row" in Chromium: the invitation's media (F-11) without
JavaScript, where each button posts the form and the page comes back with every typed value and
one row more or less; then the attendance list (F-12), which starts with the invited media, with
JavaScript, where the same buttons work in place and the rows below a removed one are renumbered."""
import pytest
from sqlalchemy import select

from conftest import _new_tab
import engine as runtime
from live_server import log_in
from models import HumanTask, QualityRecord
from people.accounts import find_district, find_user
from tests.conftest import PROCESSES, deploy_file

pytestmark = pytest.mark.browser

SCHEDULE = {"conference_date": "2025-09-01", "conference_time": "10:00",
            "conference_place": "سالن جلسات", "topics": "طرح‌های عمرانی", "schedule_note": ""}


def _ready(session, instance_id, spec):
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.task_spec == spec,
        HumanTask.status == "ready")).one()


def _to_invitation(app) -> tuple[int, int]:
    """A press conference approved by the mayor, waiting for its invitation: (instance, task)."""
    deploy_file(app, PROCESSES / "press_conference.bpmn")
    session = app.extensions["db_sessions"]()
    try:
        head = find_user(session, "pr_head_d1")
        instance = runtime.start_instance(session, "press_conference", head,
                                          find_district(session, "d1").id, title="نشست خبری")
        runtime.complete_task(session, _ready(session, instance.id, "Task_schedule_conference").id,
                              head, SCHEDULE)
        runtime.complete_task(session, _ready(session, instance.id, "Task_approve_schedule").id,
                              find_user(session, "district_mayor_d1"),
                              {"schedule_decision": "approve", "schedule_decision_note": ""})
        task_id = _ready(session, instance.id, "Task_send_invitation").id
        session.commit()
        return instance.id, task_id
    finally:
        session.close()


def _complete_in_engine(app, instance_id, spec, username, data) -> int:
    session = app.extensions["db_sessions"]()
    try:
        task_id = _ready(session, instance_id, spec).id
        runtime.complete_task(session, task_id, find_user(session, username), data)
        session.commit()
        return task_id
    finally:
        session.close()


def _record(app, instance_id, code) -> dict:
    session = app.extensions["db_sessions"]()
    try:
        return session.scalars(select(QualityRecord).where(
            QualityRecord.instance_id == instance_id, QualityRecord.code == code)).one().data
    finally:
        session.close()


def _names(tab, list_name):
    return tab.eval_on_selector_all(
        f"fieldset[data-path='{list_name}'] > .formjs-row input[type=text]",
        "els => els.map(e => e.name)")


def test_a_press_list_grown_with_add_row_without_javascript_and_with_it(app, chromium, live_server):
    instance_id, invitation = _to_invitation(app)

    # --- without JavaScript: every button is a round trip that saves nothing
    context, tab = _new_tab(chromium, live_server, java_script_enabled=False,
                            viewport={"width": 1280, "height": 900})
    try:
        log_in(tab, "pr_expert_d1")
        tab.goto(f"/tasks/{invitation}")
        tab.fill("#f-invited_on", "۱۴۰۴/۰۶/۰۳")
        tab.fill("#f-invitation_text", "از خبرنگاران محترم دعوت می‌شود.")
        assert tab.locator("[data-testid=remove-row]:visible").count() == 0  # one row, min 1
        tab.fill("[name='invited_media[0].outlet']", "خبرگزاری ایرنا")
        tab.fill("[name='invited_media[0].reporter']", "علی رضایی")
        tab.locator("[data-testid=add-row]").click()
        tab.wait_for_selector("[name='invited_media[1].outlet']")
        assert tab.input_value("[name='invited_media[0].reporter']") == "علی رضایی"
        assert tab.input_value("#f-invitation_text") == "از خبرنگاران محترم دعوت می‌شود."
        assert tab.locator(".alert-danger").count() == 0
        tab.fill("[name='invited_media[1].outlet']", "روزنامه همشهری")
        tab.locator("[data-testid=add-row]").click()
        tab.fill("[name='invited_media[2].outlet']", "روزنامه عصر")
        tab.fill("[name='invited_media[2].reporter']", "مریم کاظمی")
        # the second row was a mistake: removed, the third moves up
        tab.locator("button[value='remove:invited_media[1]']").click()
        tab.wait_for_selector("[name='invited_media[2].outlet']", state="detached")
        assert tab.input_value("[name='invited_media[1].outlet']") == "روزنامه عصر"
        assert tab.input_value("[name='invited_media[1].reporter']") == "مریم کاظمی"
        assert tab.evaluate("document.querySelector('[data-testid=task-form]') !== null")
        tab.locator("[data-testid=complete]").click()
        tab.wait_for_url(f"**/instances/{instance_id}")
    finally:
        context.close()
    media = _record(app, instance_id, "F-__-0-2-11")["invited_media"]
    assert [(m["outlet"], m["reporter"]) for m in media] == [
        ("خبرگزاری ایرنا", "علی رضایی"), ("روزنامه عصر", "مریم کاظمی")]

    _complete_in_engine(app, instance_id, "Task_hold_conference", "pr_head_d1",
                        {"held_on": "2025-09-01", "held_place": "سالن جلسات", "held_note": ""})

    # --- with JavaScript: the attendance list starts with the invited media; rows in place
    context, tab = _new_tab(chromium, live_server, viewport={"width": 1280, "height": 900})
    try:
        log_in(tab, "pr_expert_d1")
        session = app.extensions["db_sessions"]()
        try:
            attendance = _ready(session, instance_id, "Task_record_attendance").id
        finally:
            session.close()
        tab.goto(f"/tasks/{attendance}")
        assert tab.input_value("[name='attendees[0].name']") == "علی رضایی"
        assert tab.input_value("[name='attendees[1].outlet']") == "روزنامه عصر"
        tab.evaluate("window.__no_reload = true")
        tab.locator("[data-testid=add-row]").click()
        tab.fill("[name='attendees[2].name']", "رضا کریمی")
        tab.fill("[name='attendees[2].outlet']", "صداوسیما")
        tab.locator("[data-testid=add-row]").click()
        tab.fill("[name='attendees[3].name']", "سارا نوری")
        tab.fill("[name='attendees[3].outlet']", "ایسنا")
        # ایرنا did not come: its row is removed and the rows below are renumbered
        tab.locator("fieldset[data-path='attendees'] > .formjs-row").first \
            .locator("[data-testid=remove-row]").click()
        assert tab.evaluate("window.__no_reload === true")  # no round trip
        assert _names(tab, "attendees") == [
            "attendees[0].name", "attendees[0].outlet", "attendees[1].name", "attendees[1].outlet",
            "attendees[2].name", "attendees[2].outlet"]
        assert tab.input_value("#f-attendees-2-name") == "سارا نوری"
        assert tab.locator("label[for='f-attendees-2-name']").count() == 1
        assert tab.locator("fieldset[data-path='attendees'] > .formjs-row .formjs-row-number") \
            .all_inner_texts() == ["۱", "۲", "۳"]
        tab.fill("[name='attendees[0].name']", "مریم کاظمی")
        tab.locator("[data-testid=complete]").click()
        tab.wait_for_url(f"**/instances/{instance_id}")
        assert tab.js_errors == []
    finally:
        context.close()
    attendees = _record(app, instance_id, "F-__-0-2-12")["attendees"]
    assert [(a["name"], a["outlet"]) for a in attendees] == [
        ("مریم کاظمی", "روزنامه عصر"), ("رضا کریمی", "صداوسیما"), ("سارا نوری", "ایسنا")]
