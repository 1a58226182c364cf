"""The studio's properties panel offers the connectors administrators configured for a service
task (app/static/studio/connectors.js): choosing one adds a field per parameter, and the saved
draft carries SpiffWorkflow's serviceTaskOperator with the parameters' expressions."""
import xml.etree.ElementTree as ET

import pytest

from connectors import save_connector
from live_server import log_in, wait_for_js
from modeling.drafting import new_process
from people.accounts import find_user

pytestmark = pytest.mark.browser

SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


def arrange(app):
    session = app.extensions["db_sessions"]()
    try:
        save_connector(session, {"name": "oa_referral", "kind": "http", "title": "Office automation",
                                 "parameters": "subject, case_id",
                                 "base_url": "https://oa.example.city"})
        new_process(session, "referral_demo", "ارجاع به اتوماسیون", find_user(session, "process_owner"))
        session.commit()
    finally:
        session.close()


def test_a_service_task_calls_a_configured_connector_with_its_parameters(app, page):
    arrange(app)
    log_in(page, "process_owner")
    page.goto("/studio/referral_demo/edit")
    page.wait_for_selector("body[data-studio=ready]")
    # A service task drawn in the pool next to the start event (as the palette would), selected.
    page.evaluate("""() => { const m = window.cityStudio.modeler;
        const registry = m.get('elementRegistry');
        const root = registry.filter((e) => e.type === 'bpmn:Participant')[0] || m.get('canvas').getRootElement();
        const start = registry.filter((e) => e.type === 'bpmn:StartEvent')[0];
        const shape = m.get('elementFactory').createShape({ type: 'bpmn:ServiceTask',
            businessObject: m.get('bpmnFactory').create('bpmn:ServiceTask', { id: 'Service_refer' }) });
        m.get('modeling').createShape(shape, { x: start.x + 200, y: start.y + 18 }, root);
        m.get('selection').select(m.get('elementRegistry').get('Service_refer')); }""")
    wait_for_js(page, "() => (document.querySelector('#studio-panel input[name=id]') || {}).value === 'Service_refer'")
    header = page.locator("[data-group-id=group-city-system] .bio-properties-panel-group-header")
    if "open" not in (header.get_attribute("class") or ""):
        header.click()
    connector = page.locator("select[name=city-connector]")
    assert "oa_referral" in connector.inner_text()
    connector.select_option("oa_referral")
    page.wait_for_selector("input[name=city-parameter-subject]")
    page.fill("input[name=city-parameter-subject]", '"Referral: " + title')
    wait_for_js(page, "() => window.cityStudio.modeler.get('commandStack')._stack.length >= 3")
    page.fill("input[name=city-parameter-case_id]", "tracking_code")
    wait_for_js(page, "() => window.cityStudio.modeler.get('commandStack')._stack.length >= 4")

    page.evaluate("document.body.dataset.studioAction = ''")
    page.locator("[data-testid=studio-save]").click()
    wait_for_js(page, "() => ['ok', 'failed'].includes(document.body.dataset.studioAction)")
    xml = page.evaluate("fetch('/studio/referral_demo/source.bpmn').then(r => r.text())")
    task = ET.fromstring(xml.encode("utf-8")).find(f".//{BPMN}serviceTask[@id='Service_refer']")
    operator = task.find(f"{BPMN}extensionElements/{SPIFF}serviceTaskOperator")
    assert operator.get("id") == "oa_referral"
    assert {p.get("id"): p.get("value") for p in operator.iter(f"{SPIFF}parameter")} == {
        "subject": '"Referral: " + title', "case_id": "tracking_code"}
    assert not page.js_errors
