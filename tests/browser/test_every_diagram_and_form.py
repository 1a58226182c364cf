"""Every diagram of processes/ drawn by bpmn-js, and every form of forms/ rendered, in
Chromium. Both lists are read from the folders, so a new process or form is covered as soon
as its file exists.

A diagram opens on its process page (GET /processes/<key>): bpmn-js must import it without
warnings, and every flow node, sequence flow and lane of the file must have a drawn shape.
A form opens on its preview page (GET /forms/<key>/preview): every component with a key
must be an input, select or textarea of that name with its schema label shown.

One server, one logged-in tab for the whole module (the demo data is loaded and every
process deployed once), so the ~50 pages take seconds, not minutes."""
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from app.demo import load_demo_data
from live_server import browser_app, log_in, serve, wait_for_js
from tests.conftest import empty_all_tables
from modeling.deploy import deploy_directory

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
PROCESS_FILES = sorted((ROOT / "processes").glob("*.bpmn"))
FORM_FILES = sorted((ROOT / "forms").glob("*.form.json"))

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
# Flow nodes: events, tasks, gateways, sub-processes and call activities.
FLOW_NODE = re.compile(r"(Event|Task|task|Gateway|subProcess|SubProcess|callActivity|transaction)$")
CONTAINERS = {"process", "subProcess", "adHocSubProcess", "transaction"}
FIELD_TYPES = {"textfield", "textarea", "number", "select", "radio", "checkbox", "checklist",
               "datetime", "filepicker"}


def drawable_ids(path: Path) -> dict[str, list[str]]:
    """Ids of the flow nodes, sequence flows and lanes of a BPMN file, by kind."""
    found = {"flow node": [], "sequence flow": [], "lane": []}
    root = ET.parse(path).getroot()
    for container in root.iter():
        if not container.tag.startswith(BPMN) or container.tag[len(BPMN):] not in CONTAINERS:
            continue
        for child in container:
            tag = child.tag[len(BPMN):] if child.tag.startswith(BPMN) else ""
            if tag == "sequenceFlow":
                found["sequence flow"].append(child.get("id"))
            elif FLOW_NODE.search(tag) and not tag.endswith("EventDefinition"):
                found["flow node"].append(child.get("id"))
    found["lane"] = [lane.get("id") for lane in root.iter(f"{BPMN}lane")]
    return found


def process_key(path: Path) -> str:
    """The key a BPMN file deploys under: its executable process's id."""
    processes = ET.parse(path).getroot().findall(f"{BPMN}process")
    executable = [p for p in processes if p.get("isExecutable") == "true"] or processes
    return executable[0].get("id")


def expected_fields(components, prefix="") -> list[dict]:
    """(HTML name, label, type) of every keyed component, as the task form names them:
    `P.key` inside a group with path P, `L[0].key` in the first row of a dynamic list L."""
    fields = []
    for c in components or []:
        kind = c.get("type")
        if kind == "group":
            fields += expected_fields(c.get("components"),
                                      f"{prefix}{c['path']}." if c.get("path") else prefix)
        elif kind == "dynamiclist":
            fields += expected_fields(c.get("components"), f"{prefix}{c.get('path')}[0].")
        elif c.get("key"):
            fields.append({"name": prefix + c["key"], "type": kind,
                           "label": c.get("label") or c.get("dateLabel") or c.get("timeLabel")
                           or c["key"]})
    return fields


@pytest.fixture(scope="module")
def site(database_url):
    """The app served on a free port: demo users, every process of processes/ deployed."""
    empty_all_tables(database_url)
    served = browser_app(database_url)
    session = served.extensions["db_sessions"]()
    load_demo_data(session)
    deploy_directory(session, ROOT / "processes")
    session.commit()
    session.close()
    with serve(served) as url:
        yield url


@pytest.fixture(scope="module")
def owner_tab(chromium, site):
    """One tab logged in as the process owner (who may see every diagram and form preview);
    it collects console errors and page errors, which each test empties first."""
    context = chromium.new_context(base_url=site, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.console_errors, tab.js_errors = [], []
    tab.on("console", lambda msg: msg.type == "error" and tab.console_errors.append(msg.text))
    tab.on("pageerror", lambda exc: tab.js_errors.append(str(exc)))
    log_in(tab, "process_owner")
    yield tab
    context.close()


@pytest.fixture
def tab(owner_tab):
    owner_tab.console_errors.clear()
    owner_tab.js_errors.clear()
    return owner_tab


def assert_quiet(tab):
    assert tab.console_errors == [], "console errors"
    assert tab.js_errors == [], "JavaScript errors"


MISSING_SHAPES = """ids => ids.filter(id =>
  !document.querySelector('#diagram [data-element-id="' + CSS.escape(id) + '"]'))"""


@pytest.mark.parametrize("path", PROCESS_FILES, ids=[p.stem for p in PROCESS_FILES])
def test_diagram_imports_without_warnings_and_draws_every_element(tab, path):
    response = tab.goto(f"/processes/{process_key(path)}")
    assert response.status == 200
    wait_for_js(tab, "window.bpmnImport && window.bpmnImport.done")
    outcome = tab.evaluate("window.bpmnImport")
    assert outcome["error"] is None
    assert outcome["warnings"] == []
    assert tab.locator("#diagram").get_attribute("data-loaded") == "true"
    for kind, ids in drawable_ids(path).items():
        assert ids or kind != "flow node", f"no flow node found in {path.name}"
        assert tab.evaluate(MISSING_SHAPES, ids) == [], f"{kind}s with no shape in {path.name}"
    assert_quiet(tab)


FIELD_REPORT = """fields => fields.map(f => {
  const inputs = [...document.querySelectorAll('[data-testid=form-preview] [name]')]
    .filter(e => e.name === f.name);
  const first = inputs[0];
  if (!first) { return {name: f.name, tags: [], label: null, shown: false}; }
  const grouped = f.type === 'radio' || f.type === 'checklist';
  const legend = grouped ? first.closest('fieldset').querySelector(':scope > legend') : null;
  const label = grouped ? legend : first.labels[0];
  return {name: f.name, tags: [...new Set(inputs.map(e => e.tagName.toLowerCase()))],
          label: label ? label.textContent.trim() : null,
          shown: Boolean(label && label.checkVisibility() && first.checkVisibility())};
})"""


@pytest.mark.parametrize("path", FORM_FILES, ids=[p.name[:-len(".form.json")] for p in FORM_FILES])
def test_form_renders_every_field_with_its_label(tab, path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    key = path.name[:-len(".form.json")]
    response = tab.goto(f"/forms/{key}/preview")
    assert response.status == 200
    fields = expected_fields(schema.get("components"))
    assert fields, f"{path.name} has no field with a key"
    for field, seen in zip(fields, tab.evaluate(FIELD_REPORT, fields), strict=True):
        where = f"{path.name}: {field['name']} ({field['type']})"
        assert field["type"] in FIELD_TYPES, f"{where}: a type the task page cannot render"
        assert seen["tags"] and set(seen["tags"]) <= {"input", "select", "textarea"}, where
        assert seen["label"] and field["label"] in seen["label"], where
        assert seen["shown"], f"{where}: label or field hidden"
    assert_quiet(tab)
