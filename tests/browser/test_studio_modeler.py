"""The studio in Chromium (app/templates/studio/modeler.html, app/static/studio/*.js): a process
owner edits the complaints diagram through the properties panel and deploys it; instances
started before stay on their version; a diagram with problems is refused and the problems are
marked on it; the panel writes this system's SpiffWorkflow properties into the saved XML."""
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

import engine as runtime
from live_server import log_in, start_complaint, wait_for_js
from models import HumanTask, Instance

pytestmark = pytest.mark.browser

SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
NEW_LABEL = "ثبت شکایت (ویرایش استودیو)"


def open_studio(page, key="complaints"):
    page.goto(f"/studio/{key}/edit")
    page.wait_for_selector("body[data-studio=ready]")


def select_element(page, element_id):
    """Click an element of the canvas; the properties panel shows it."""
    page.locator(f".djs-element[data-element-id={element_id}] .djs-hit").first.click()
    wait_for_panel(page, element_id)


def select_flow(page, element_id):
    """Select a sequence flow (a click on a thin path is unreliable in headless Chromium)."""
    # As a click on the canvas would, leave the field being typed in first: the panel does not
    # follow a selection made while one of its own fields has the focus.
    page.evaluate("""id => { document.activeElement.blur(); const m = window.cityStudio.modeler;
        m.get('selection').select(m.get('elementRegistry').get(id)); }""", element_id)
    wait_for_panel(page, element_id)


def wait_for_panel(page, element_id):
    """The properties panel shows the element (its ID field, rendered even in a closed group)."""
    wait_for_js(page, "id => (document.querySelector('#studio-panel input[name=id]') || {}).value === id",
                arg=element_id)


def open_group(page, group):
    header = page.locator(f"[data-group-id=group-{group}] .bio-properties-panel-group-header")
    if "open" not in (header.get_attribute("class") or ""):
        header.click()


def run_action(page, name):
    """Click Save draft / Validate / Deploy and wait for its outcome ('ok' or 'failed')."""
    page.evaluate("document.body.dataset.studioAction = ''")
    page.locator(f"[data-testid=studio-{name}]").click()
    wait_for_js(page, "['ok', 'failed'].includes(document.body.dataset.studioAction)")
    return page.evaluate("document.body.dataset.studioAction")


def version_and_tasks(app, instance_id):
    session = app.extensions["db_sessions"]()
    try:
        instance = session.get(Instance, instance_id)
        names = session.scalars(select(HumanTask.name).where(HumanTask.instance_id == instance_id)).all()
        return instance.version.version, set(names)
    finally:
        session.close()


def test_owner_renames_a_task_deploys_and_only_new_instances_take_the_new_version(app, complaints, page):
    before = start_complaint(app)  # on version 1
    log_in(page, "process_owner")
    open_studio(page)
    assert page.evaluate("document.body.dataset.dirty") == "false"
    select_element(page, "Task_register_complaint")
    open_group(page, "general")
    page.fill("textarea[name=name]", NEW_LABEL)
    wait_for_js(page, "document.body.dataset.dirty === 'true'")  # after the panel's debounce
    assert page.locator("[data-testid=studio-unsaved]").is_visible()

    assert run_action(page, "deploy") == "ok", page.locator("[data-testid=studio-status]").inner_text()
    assert page.evaluate("document.body.dataset.deployedVersion") == "2"
    assert page.evaluate("document.body.dataset.dirty") == "false"

    after = start_complaint(app, title="پس از استقرار")
    assert version_and_tasks(app, after) == (2, {NEW_LABEL})
    assert version_and_tasks(app, before) == (1, {"ثبت شکایت"})
    # The older instance's own page still shows its version and the old label.
    page.goto(f"/instances/{before}")
    body = page.locator("main").inner_text()
    assert "complaints نسخه ۱" in body and "ثبت شکایت" in body and NEW_LABEL not in body
    assert not page.js_errors


def test_deploy_is_refused_with_the_problems_listed_and_marked_on_the_diagram(app, complaints, page):
    log_in(page, "process_owner")
    open_studio(page)
    # The lane's role through the panel: "(no role)" leaves the lane unnamed.
    page.locator(".djs-element[data-element-id=Lane_pr_head] .djs-hit-all").first.click()  # its header
    open_group(page, "city-system")
    page.select_option("select[name=city-role]", "")

    assert run_action(page, "deploy") == "failed"
    problems = page.locator("[data-testid=studio-problems] li")
    assert problems.count() >= 1
    ids = problems.evaluate_all("items => items.map(li => li.dataset.elementId)")
    assert "Lane_pr_head" in ids and "Task_review_answer" in ids
    for element_id in ("Lane_pr_head", "Task_review_answer"):
        group = page.locator(f".djs-element[data-element-id={element_id}]").first
        assert "studio-problem" in group.get_attribute("class")
        assert page.locator(f".studio-problem-badge[data-element-id={element_id}]").count() == 1
    # A listed problem selects its element (the properties panel follows).
    problems.filter(has=page.locator("text=Task_review_answer")).first.click()
    page.wait_for_selector(".bio-properties-panel-header-label:has-text('بازبینی و تأیید پاسخ')")
    # Nothing was deployed.
    session = app.extensions["db_sessions"]()
    try:
        assert runtime.latest_version(session, "complaints").version == 1
    finally:
        session.close()
    assert not page.js_errors
    # The change is still unsaved: leaving the page asks first.
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    page.close(run_before_unload=True)
    page.wait_for_event("close")
    assert dialogs == ["beforeunload"]


def test_properties_panel_writes_form_due_date_notice_and_condition_into_the_saved_draft(
        app, complaints, page):
    log_in(page, "process_owner")
    open_studio(page)
    select_element(page, "Task_announce_result")
    open_group(page, "city-system")
    assert page.locator("select[name=city-formKey]").input_value() == "complaint_announcement"
    page.select_option("select[name=city-formKey]", "complaint_review")
    page.fill("input[name=city-dueInWorkingHours]", "48")
    wait_for_js(page, "window.cityStudio.modeler.get('commandStack')._stack.length >= 2")  # debounced
    notice = page.locator("input[name=city-noticeOnComplete]")
    # what the diagram tells the citizen
    assert notice.input_value() == "answer_ready: answer_text when announcement_channel=sms"
    notice.fill("answer_ready: answer_text when announcement_channel=sms; satisfaction_check")
    wait_for_js(page, "window.cityStudio.modeler.get('commandStack')._stack.length >= 3")
    shows = page.locator("input[name=city-caseForms]")  # which earlier forms its page shows
    assert shows.input_value() == ("complaint_examination, complaint_register, complaint_order_report, "
                                   "complaint_overdue")
    shows.fill("complaint_review")
    wait_for_js(page, "window.cityStudio.modeler.get('commandStack')._stack.length >= 4")
    # A gateway's flow: its condition, a Python expression (the BPMN provider has no field for it).
    select_flow(page, "Flow_type_service")
    open_group(page, "city-system")
    condition = page.locator("textarea[name=city-condition]")
    # (the route comes from the complaint_routing decision table, issue 23)
    assert condition.input_value() == 'examination_route == "public_relations"'
    condition.fill('examination_route in ("public_relations", "other")')
    wait_for_js(page, "window.cityStudio.modeler.get('commandStack')._stack.length >= 5")

    assert run_action(page, "save") == "ok"
    xml = page.evaluate("fetch('/studio/complaints/source.bpmn').then(r => r.text())")
    task = ET.fromstring(xml.encode("utf-8")).find(f".//{BPMN}userTask[@id='Task_announce_result']")
    props = {p.get("name"): p.get("value") for p in task.iter(f"{SPIFF}property")}
    assert props == {"formKey": "complaint_review", "dueInWorkingHours": "48",
                     "dueAtVariable": "answer_due_at",
                     "noticeOnComplete": "answer_ready: answer_text when announcement_channel=sms; "
                                         "satisfaction_check",
                     "caseForms": "complaint_review",  # and what the panel does not edit, kept:
                     "candidateRole": '"complaints_expert" if complaint_type == "employee" else ""'}
    flow = ET.fromstring(xml.encode("utf-8")).find(f".//{BPMN}sequenceFlow[@id='Flow_type_service']")
    assert flow.find(f"{BPMN}conditionExpression").text == 'examination_route in ("public_relations", "other")'
    assert 'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"' in xml
    assert not page.js_errors


def test_auditor_looks_at_the_diagram_without_changing_it(app, complaints, page):
    log_in(page, "auditor")
    open_studio(page)
    assert page.locator("[data-testid=studio-save], [data-testid=studio-deploy]").count() == 0
    assert not page.locator(".djs-palette").is_visible()
    select_element(page, "Task_register_complaint")
    open_group(page, "general")
    page.fill("textarea[name=name]", "تغییر نباید بماند")
    page.wait_for_timeout(500)  # past the panel's debounce
    assert page.evaluate("window.cityStudio.modeler.get('commandStack')._stack.length") == 0
    assert page.evaluate("document.body.dataset.dirty") == "false"
    # Validation is open to those who look.
    assert run_action(page, "validate") == "ok"
    assert page.locator("[data-testid=studio-problems] li").count() == 0
    assert not page.js_errors


def import_into_modeler(page, xml: str):
    """Put another diagram into the open modeler (as the owner would by drawing it)."""
    page.evaluate("xml => window.cityStudio.modeler.importXML(xml)", xml)


def test_validate_lists_every_problem_pins_each_and_says_what_the_timer_means(app, complaints, page):
    from pathlib import Path
    source = (Path(__file__).resolve().parents[2] / "processes" / "complaints.bpmn").read_text(encoding="utf-8")
    broken = (source.replace(">answer_due_at</bpmn:timeDate>", ">P1D</bpmn:timeDate>")
              .replace('name="شهردار منطقه"', 'name="Weather office"')
              .replace('value="complaint_register"', 'value="no_such_form"'))
    log_in(page, "process_owner")
    open_studio(page)
    import_into_modeler(page, broken)

    assert run_action(page, "validate") == "failed"
    problems = page.locator("[data-testid=studio-problems] li")
    ids = problems.evaluate_all("items => items.map(li => li.dataset.elementId)")
    pinned = {"BoundaryEvent_answer_deadline", "Lane_district_mayor", "Task_register_complaint"}
    assert pinned <= set(ids) and len(ids) == len(set(ids)) == 3
    for element_id in pinned:
        group = page.locator(f".djs-element[data-element-id={element_id}]").first
        assert "studio-problem" in group.get_attribute("class")
        assert page.locator(f".studio-problem-badge[data-element-id={element_id}]").count() == 1
    assert "P1D" in problems.filter(has=page.locator("text=BoundaryEvent_answer_deadline")).inner_text()

    # Fixed with a working-days expression: no problem left on the timer, and its meaning shown.
    import_into_modeler(page, broken.replace(">P1D</bpmn:timeDate>", ">add_working_days(now(), 2)</bpmn:timeDate>"))
    assert run_action(page, "validate") == "failed"
    ids = problems.evaluate_all("items => items.map(li => li.dataset.elementId)")
    assert "BoundaryEvent_answer_deadline" not in ids and len(ids) == 2
    timers = page.locator("[data-testid=studio-timers] li")
    assert timers.count() == 1 and "۲ روز کاری" in timers.first.inner_text()
    assert page.locator(".studio-timer-meaning[data-element-id=BoundaryEvent_answer_deadline]").inner_text() == "۲ روز کاری"
    assert not page.js_errors
