"""The studio's drafting in Chromium (issue 20): live checks mark a bad diagram in Persian while
drawing; save and deploy stay off after a failed import; a file with several diagrams has a
switch between them; a new blank process opens in the modeler; an earlier version opens
read-only and is restored; the form-js editor speaks Persian (English when chosen)."""
from pathlib import Path

import pytest
from sqlalchemy import func, select

from live_server import log_in, wait_for_js
from modeling import studio
from models import User
from models.studio import ProcessDraft

pytestmark = pytest.mark.browser

VALID_NO_DI = (Path(__file__).resolve().parents[1] / "fixtures" / "studio" / "valid.bpmn").read_text()

TWO_DIAGRAMS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="two_diagrams" name="فرایند اصلی" isExecutable="true">
    <bpmn:startEvent id="Start_main" />
  </bpmn:process>
  <bpmn:process id="second" name="فرایند دوم" isExecutable="false">
    <bpmn:task id="Task_second" name="کار دوم" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="Diagram_main">
    <bpmndi:BPMNPlane id="Plane_main" bpmnElement="two_diagrams">
      <bpmndi:BPMNShape id="Start_main_di" bpmnElement="Start_main"><dc:Bounds x="100" y="100" width="36" height="36" /></bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
  <bpmndi:BPMNDiagram id="Diagram_second">
    <bpmndi:BPMNPlane id="Plane_second" bpmnElement="second">
      <bpmndi:BPMNShape id="Task_second_di" bpmnElement="Task_second"><dc:Bounds x="100" y="100" width="100" height="80" /></bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def save_draft(app, key, xml):
    session = app.extensions["db_sessions"]()
    try:
        owner = session.scalars(select(User).where(User.username == "process_owner")).one()
        studio.save_draft(session, key, xml, owner)
        session.commit()
    finally:
        session.close()


def draft_rows(app, key):
    session = app.extensions["db_sessions"]()
    try:
        return session.scalar(select(func.count()).select_from(ProcessDraft).where(ProcessDraft.process_key == key))
    finally:
        session.close()


def open_studio(page, key, state="ready"):
    page.goto(f"/studio/{key}/edit")
    page.wait_for_selector(f"body[data-studio={state}]")


def run_action(page, name):
    page.evaluate("document.body.dataset.studioAction = ''")
    page.locator(f"[data-testid=studio-{name}]").click()
    wait_for_js(page, "['ok', 'failed'].includes(document.body.dataset.studioAction)")
    return page.evaluate("document.body.dataset.studioAction")


LINT_ISSUES = "id => (window.cityStudio.modeler.get('linting')._issues[id] || []).map(i => i.message)"


def test_live_checks_mark_a_lane_without_a_role_while_drawing_in_persian(app, complaints, page):
    log_in(page, "process_owner")
    open_studio(page, "complaints")
    button = page.locator(".bjsl-button")
    assert button.count() == 1
    assert page.evaluate(LINT_ISSUES, "Lane_pr_head") == []
    assert "۰ خطا" in button.inner_text()  # (the complaints diagram has warnings: fake joins)
    # The lane's role set to "(no role)" through the panel: the lane is left unnamed.
    page.locator(".djs-element[data-element-id=Lane_pr_head] .djs-hit-all").first.click()
    header = page.locator("[data-group-id=group-city-system] .bio-properties-panel-group-header")
    if "open" not in (header.get_attribute("class") or ""):
        header.click()
    page.select_option("select[name=city-role]", "")
    wait_for_js(page, f"() => ({LINT_ISSUES})('Lane_pr_head').length > 0")
    assert "Lane has no name; name it after a role" in page.evaluate(LINT_ISSUES, "Lane_pr_head")
    # Marked on the element, in Persian, and counted on the button.
    overlay = page.locator(".djs-overlays[data-container-id=Lane_pr_head] .bjsl-overlay")
    assert overlay.count() == 1
    assert "مسیر نام ندارد" in overlay.first.evaluate("el => el.textContent")
    assert "۱ خطا" in button.inner_text()
    # The server is still the authority: nothing was saved by the checks.
    assert draft_rows(app, "complaints") == 0
    assert not page.js_errors


def test_save_and_deploy_stay_off_after_a_failed_import_and_the_draft_is_kept(app, page):
    save_draft(app, "studio_demo", VALID_NO_DI)  # no diagram interchange: bpmn-js cannot draw it
    log_in(page, "process_owner")
    open_studio(page, "studio_demo", state="failed")
    assert page.locator("[data-testid=studio-save]").is_disabled()
    assert page.locator("[data-testid=studio-deploy]").is_disabled()
    assert "ذخیره و استقرار تا بارگذاری کامل نمودار غیرفعال است" in page.locator("[data-testid=studio-status]").inner_text()
    # Even called from the script, a save sends nothing.
    assert page.evaluate("window.cityStudio.save()") is False
    assert page.locator("[data-testid=studio-save]").is_disabled()
    assert draft_rows(app, "studio_demo") == 1
    assert page.evaluate("fetch('/studio/studio_demo/source.bpmn').then(r => r.text())") == VALID_NO_DI


def test_a_file_with_two_diagrams_switches_between_them_and_saves_both(app, page):
    save_draft(app, "two_diagrams", TWO_DIAGRAMS)
    log_in(page, "process_owner")
    open_studio(page, "two_diagrams")
    switch = page.locator("[data-testid=studio-diagrams]")
    assert switch.is_visible()
    assert switch.locator("option").all_inner_texts() == ["فرایند اصلی", "فرایند دوم"]
    root = "window.cityStudio.modeler.get('canvas').getRootElement().businessObject.id"
    assert page.evaluate(root) == "two_diagrams"
    switch.select_option("Diagram_second")
    wait_for_js(page, "document.body.dataset.studioDiagram === 'Diagram_second'")
    assert page.evaluate(root) == "second"
    assert page.locator(".djs-element[data-element-id=Task_second]").count() == 1
    assert page.evaluate("document.body.dataset.dirty") == "false"
    switch.select_option("Diagram_main")
    wait_for_js(page, "document.body.dataset.studioDiagram === 'Diagram_main'")
    assert run_action(page, "save") == "ok"
    saved = page.evaluate("fetch('/studio/two_diagrams/source.bpmn').then(r => r.text())")
    assert 'id="second"' in saved and 'id="Task_second"' in saved and 'id="Diagram_second"' in saved
    assert not page.js_errors


def test_a_new_process_opens_in_the_modeler_and_a_used_key_is_refused(app, page):
    log_in(page, "process_owner")
    page.goto("/studio/")
    form = page.locator("[data-testid=studio-new]")
    form.locator("input[name=key]").fill("street_lights")
    form.locator("input[name=name]").fill("روشنایی معابر")
    form.locator("button").click()
    page.wait_for_url("**/studio/street_lights/edit")
    page.wait_for_selector("body[data-studio=ready]")
    assert page.locator(".djs-element[data-element-id=StartEvent_1]").count() == 1
    assert page.locator(".djs-element[data-element-id=Participant_1]").count() == 1
    assert not page.locator("[data-testid=studio-save]").is_disabled()
    assert run_action(page, "save") == "ok"

    page.goto("/studio/")
    form.locator("input[name=key]").fill("street_lights")
    form.locator("input[name=name]").fill("دوباره")
    form.locator("button").click()
    assert "فرایندی با کلید" in page.locator("[data-testid=error]").inner_text()
    assert not page.js_errors


def test_an_earlier_version_opens_read_only_and_is_restored_as_the_draft(app, complaints, page):
    save_draft(app, "complaints", (Path(__file__).resolve().parents[2] / "processes" / "complaints.bpmn")
               .read_text().replace("ثبت شکایت", "نام تازه", 1))
    log_in(page, "process_owner")
    page.goto("/studio/complaints/versions")
    page.locator("[data-testid=open-version-1]").click()
    page.wait_for_selector("body[data-studio=ready]")
    assert page.locator("[data-testid=read-only]").is_visible()
    assert "نسخه ۱" in page.locator("[data-testid=studio-opened]").inner_text()
    assert page.locator("[data-testid=studio-save]").count() == 0
    page.locator("[data-testid=studio-restore]").click()
    page.wait_for_url("**/studio/complaints/edit")
    page.wait_for_selector("body[data-studio=ready]")
    assert draft_rows(app, "complaints") == 2
    assert not page.js_errors


def test_the_form_editor_speaks_persian_and_english_when_chosen(app, complaints, page):
    log_in(page, "process_owner")
    page.goto("/forms/complaint_register/edit")
    page.wait_for_selector("#form-editor[data-ready='1']")
    editor = page.locator("#form-editor")
    wait_for_js(page, "document.querySelector('#form-editor').textContent.includes('اجزا')")
    assert editor.locator("input[placeholder='جست‌وجوی اجزا']").count() == 1
    page.locator(".fjs-editor-container [data-id=Field_subject]").click()
    general = page.locator(".fjs-properties-container [data-group-id=group-general] .bio-properties-panel-group-header-title")
    assert general.inner_text() == "عمومی"
    # The form's own words are left as they are.
    assert "موضوع شکایت" in page.locator(".fjs-editor-container [data-id=Field_subject]").inner_text()
    assert not page.js_errors

    page.locator("form[action='/lang/en'] button").click()
    page.goto("/forms/complaint_register/edit")
    page.wait_for_selector("#form-editor[data-ready='1']")
    assert editor.locator("input[placeholder='Search components']").count() == 1
    assert "اجزا" not in editor.inner_text()


def test_a_save_that_deletes_most_of_the_diagram_asks_first(app, complaints, page):
    log_in(page, "process_owner")
    open_studio(page, "complaints")
    page.evaluate("""() => { const m = window.cityStudio.modeler;
        const gone = m.get('elementRegistry').filter(e => /Task|Gateway|Event/.test(e.type) && !e.labelTarget);
        m.get('modeling').removeElements(gone); }""")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    assert run_action(page, "save") == "failed"
    assert asked and "عنصر" in asked[0]
    assert draft_rows(app, "complaints") == 0
    page.once("dialog", lambda dialog: dialog.accept())
    assert run_action(page, "save") == "ok"
    assert draft_rows(app, "complaints") == 1
    assert not page.js_errors
