"""processes/complaints.bpmn (رسیدگی به شکایات) as a file: XML and schema, diagram layout, lanes,
conditions and timers, user tasks and their forms.

Runs of the process are in test_complaints_paths.py.
"""
from __future__ import annotations

import ast
import json
import re

import pytest
from lxml import etree

from complaints_support import BPMN_FILE, EXPECTED_USER_TASKS, FORMS_DIR, PROCESS_ID
from engine.harness import human_task_specs, workflow_from_bpmn
from engine.spiff.xmlsafe import XSD_PATH
from people.roles import ROLES, role_for_lane
from tests.diagram_conventions import FLOW_NODE_TAGS, NS, PERSIAN, SNAKE


@pytest.fixture(scope="module")
def xml_tree():
    return etree.parse(str(BPMN_FILE))


# ---------------------------------------------------------------- the XML itself

def test_xml_is_well_formed_and_valid_against_bpmn_schema(xml_tree):
    schema = etree.XMLSchema(etree.parse(XSD_PATH))
    assert schema.validate(xml_tree), str(schema.error_log)


def test_process_is_executable_and_every_element_has_a_persian_name(xml_tree):
    processes = xml_tree.findall("bpmn:process", NS)
    assert [p.get("id") for p in processes] == [PROCESS_ID]
    process = processes[0]
    assert process.get("isExecutable") == "true"
    assert process.get("name") == "رسیدگی به شکایات"
    participant = xml_tree.find("bpmn:collaboration/bpmn:participant", NS)
    assert participant.get("processRef") == PROCESS_ID
    named = list(process.iterfind("bpmn:laneSet/bpmn:lane", NS))
    named += [el for tag in FLOW_NODE_TAGS for el in process.iterfind(f"bpmn:{tag}", NS)]
    assert named
    for element in named:
        assert PERSIAN.search(element.get("name") or ""), f"{element.get('id')} has no Persian name"
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", element.get("id")), element.get("id")


def test_every_lane_names_a_known_role(xml_tree):
    lanes = {lane.get("name") for lane in xml_tree.iterfind(".//bpmn:lane", NS)}
    titles = {role.title_fa for role in ROLES}
    assert lanes == {"کارشناس روابط عمومی", "کارشناس پاسخگویی به شکایات",
                     "مسئول روابط عمومی", "شهردار منطقه", "رئیس اداره"}
    assert lanes <= titles
    assert all(role_for_lane(name) for name in lanes)


def _nodes(process):
    """Every flow node, also inside the sub-process (which itself sits in no lane: SpiffWorkflow
    3.2 would give its tasks the sub-process's lane instead of their own)."""
    return [el for tag in FLOW_NODE_TAGS for el in process.iterfind(f".//bpmn:{tag}", NS)]


def test_diagram_has_a_shape_for_every_node_and_an_edge_for_every_flow(xml_tree):
    process = xml_tree.find("bpmn:process", NS)
    node_ids = {el.get("id") for el in _nodes(process)}
    in_lanes = node_ids - {"SubProcess_answer"}
    flow_ids = {el.get("id") for el in process.iterfind(".//bpmn:sequenceFlow", NS)}
    lane_ids = {el.get("id") for el in process.iterfind(".//bpmn:lane", NS)}
    participant_ids = {el.get("id") for el in xml_tree.iterfind(".//bpmn:participant", NS)}
    plane = xml_tree.find("bpmndi:BPMNDiagram/bpmndi:BPMNPlane", NS)
    assert plane.get("bpmnElement") == xml_tree.find("bpmn:collaboration", NS).get("id")
    shapes = {s.get("bpmnElement"): s for s in plane.iterfind("bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement"): e for e in plane.iterfind("bpmndi:BPMNEdge", NS)}
    assert node_ids | lane_ids | participant_ids == set(shapes)
    assert flow_ids == set(edges)
    for flow_id, edge in edges.items():
        assert len(edge.findall("di:waypoint", NS)) >= 2, flow_id

    def bounds(element_id):
        b = shapes[element_id].find("dc:Bounds", NS)
        return tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))

    # lanes are horizontal bands stacked inside the pool
    px, py, pw, ph = bounds(participant_ids.pop())
    bands = sorted(bounds(lane_id) for lane_id in lane_ids)
    bands.sort(key=lambda b: b[1])
    assert bands[0][1] == py and bands[-1][1] + bands[-1][3] == py + ph
    for upper, lower in zip(bands, bands[1:]):
        assert upper[1] + upper[3] == lower[1]
    for x, y, w, h in bands:
        assert x > px and x + w == px + pw
    # every node sits inside its lane's band
    for lane in process.iterfind(".//bpmn:lane", NS):
        lx, ly, lw, lh = bounds(lane.get("id"))
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            x, y, w, h = bounds(ref.text)
            cx, cy = x + w / 2, y + h / 2
            assert lx < cx < lx + lw and ly < cy < ly + lh, f"{ref.text} outside {lane.get('name')}"
    # every node is in exactly one lane
    refs = [ref.text for ref in process.iterfind(".//bpmn:flowNodeRef", NS)]
    assert sorted(refs) == sorted(in_lanes)
    # the sub-process's nodes are drawn inside it
    sx, sy, sw, sh = bounds("SubProcess_answer")
    for el in _nodes(process.find("bpmn:subProcess", NS)):
        x, y, w, h = bounds(el.get("id"))
        assert sx < x and x + w < sx + sw and sy < y and y + h < sy + sh, el.get("id")
    # edges start and end on their source and target shapes
    for flow in process.iterfind(".//bpmn:sequenceFlow", NS):
        points = [(float(p.get("x")), float(p.get("y")))
                  for p in edges[flow.get("id")].iterfind("di:waypoint", NS)]
        for (px_, py_), ref in ((points[0], flow.get("sourceRef")), (points[-1], flow.get("targetRef"))):
            x, y, w, h = bounds(ref)
            assert x - 1 <= px_ <= x + w + 1 and y - 1 <= py_ <= y + h + 1, (flow.get("id"), ref)


def test_conditions_and_timers_are_plain_expressions(xml_tree):
    allowed = (ast.Expression, ast.Compare, ast.BoolOp, ast.And, ast.Or, ast.Name, ast.Load,
               ast.Constant, ast.Eq, ast.NotEq)
    process = xml_tree.find("bpmn:process", NS)
    conditions = process.findall(".//bpmn:sequenceFlow/bpmn:conditionExpression", NS)
    assert len(conditions) == 6
    for condition in conditions:
        tree = ast.parse(condition.text.strip(), mode="eval")
        for node in ast.walk(tree):
            assert isinstance(node, allowed), (condition.text, type(node).__name__)
            if isinstance(node, ast.Name):
                assert not node.id.startswith("_"), condition.text
    # every gateway split has a condition (or a default) on each outgoing flow
    for gateway in process.iterfind(".//bpmn:exclusiveGateway", NS):
        outgoing = [f for f in process.iterfind(".//bpmn:sequenceFlow", NS)
                    if f.get("sourceRef") == gateway.get("id")]
        if len(outgoing) > 1:
            for flow in outgoing:
                assert (flow.find("bpmn:conditionExpression", NS) is not None
                        or gateway.get("default") == flow.get("id")), flow.get("id")
    # no implicit splits: tasks and events have at most one outgoing flow
    for tag in FLOW_NODE_TAGS:
        if "Gateway" in tag:
            continue
        for el in process.iterfind(f".//bpmn:{tag}", NS):
            outgoing = [f for f in process.iterfind(".//bpmn:sequenceFlow", NS)
                        if f.get("sourceRef") == el.get("id")]
            assert len(outgoing) <= 1, el.get("id")
    # One deadline: the moment the scripts computed from receipt (10 working days on the
    # working calendar), on the sub-process that holds examination, rework, review and
    # announcement, so a return for rework does not restart it.
    timers = process.findall(".//bpmn:timerEventDefinition/*", NS)
    assert [(t.tag.rsplit("}", 1)[-1], t.text) for t in timers] == [("timeDate", "answer_due_at")]
    boundaries = list(process.iterfind(".//bpmn:boundaryEvent", NS))
    assert [(b.get("attachedToRef"), b.get("cancelActivity")) for b in boundaries] == [
        ("SubProcess_answer", "false")]
    scripts = {s.get("id"): s.findtext("bpmn:script", namespaces=NS)
               for s in process.iterfind(".//bpmn:scriptTask", NS)}
    assert "add_working_days(received_at, 10)" in scripts["Script_start_clock"]
    assert "add_working_days(received_at, 10)" in scripts["Script_count_from_receipt"]


def test_conditions_compile_under_restricted_python(xml_tree):
    restricted = pytest.importorskip("RestrictedPython")
    process = xml_tree.find("bpmn:process", NS)
    expressions = [c.text.strip() for c in process.iterfind(".//bpmn:conditionExpression", NS)]
    expressions += [t.text.strip() for t in process.iterfind(".//bpmn:timeDate", NS)]
    for script in process.iterfind(".//bpmn:scriptTask/bpmn:script", NS):
        result = restricted.compile_restricted_exec(script.text)
        assert not result.errors, (script.text, result.errors)
    for expression in expressions:
        result = restricted.compile_restricted_eval(expression)
        assert not result.errors, (expression, result.errors)
        assert result.code is not None


# ---------------------------------------------------------------- tasks, lanes and forms

def test_every_user_task_has_a_form_and_a_role_lane():
    specs = human_task_specs(workflow_from_bpmn(BPMN_FILE.read_bytes()), nested=True)
    assert set(specs) == set(EXPECTED_USER_TASKS)
    for name, spec in specs.items():
        lane, form_key, due = EXPECTED_USER_TASKS[name]
        properties = spec.properties
        assert properties["formKey"] == form_key, name
        assert (FORMS_DIR / f"{properties['formKey']}.form.json").is_file(), form_key
        assert spec.lane == lane, name
        assert role_for_lane(spec.lane) is not None, spec.lane
        assert properties.get("dueAtVariable") == due, name
        assert not {"dueInWorkingDays", "dueInWorkingHours", "dueInHours"} & set(properties), name
    # the district mayor's order goes to the unit it names
    assert specs["Task_carry_out_order"].properties["candidateUnit"] == "order_unit"


FORM_KEYS = sorted({form_key for _, form_key, _ in EXPECTED_USER_TASKS.values()})
INPUT_TYPES = {"textfield", "textarea", "number", "select", "radio", "checkbox", "checklist", "filepicker",
               "datetime"}


@pytest.mark.parametrize("form_key", FORM_KEYS)
def test_form_is_a_form_js_schema(form_key):
    schema = json.loads((FORMS_DIR / f"{form_key}.form.json").read_text(encoding="utf-8"))
    components = schema["components"]
    assert components[0]["type"] == "text"
    assert "F-__-0-5-01" in components[0]["text"]
    ids = [c["id"] for c in components]
    assert len(ids) == len(set(ids))
    inputs = [c for c in components if c["type"] != "text"]
    assert inputs
    keys = [c["key"] for c in inputs]
    assert len(keys) == len(set(keys))
    for c in inputs:
        assert c["type"] in INPUT_TYPES, c
        assert SNAKE.fullmatch(c["key"]), c["key"]
        assert PERSIAN.search(c["label"]), c["key"]
        if c["type"] in ("select", "radio", "checklist") and "valuesKey" not in c:
            assert c["values"] and all(PERSIAN.search(v["label"]) for v in c["values"]), c["key"]
        if c["type"] == "datetime":
            assert c["subtype"] == "date"


def test_form_fields_match_what_the_process_reads():
    def form(key):
        data = json.loads((FORMS_DIR / f"{key}.form.json").read_text(encoding="utf-8"))
        return {c["key"]: c for c in data["components"] if "key" in c}

    register = form("complaint_register")
    assert register["complaint_type"]["type"] == "radio"
    assert {v["value"] for v in register["complaint_type"]["values"]} == {"service", "employee"}
    assert register["complaint_type"]["validate"]["required"] is True
    assert register["description"]["validate"]["required"] is True
    assert not register["phone"].get("validate", {}).get("required")
    assert re.fullmatch(register["phone"]["validate"]["pattern"], "09123456789")
    assert not re.fullmatch(register["phone"]["validate"]["pattern"], "9123456789")
    assert {v["value"] for v in register["channel"]["values"]} == {
        "in_person", "phone", "letter", "website", "137"}
    examination = form("complaint_examination")
    assert {v["value"] for v in examination["justified"]["values"]} == {"yes", "no"}
    assert examination["findings"]["validate"]["required"] is True
    assert examination["answer_text"]["validate"]["required"] is True
    review = form("complaint_review")
    assert {v["value"] for v in review["decision"]["values"]} == {"approve", "return"}
    assert review["decision"]["validate"]["required"] is True
    announcement = form("complaint_announcement")
    assert {v["value"] for v in announcement["announcement_channel"]["values"]} == {
        "letter", "sms", "phone", "in_person"}
    # the receipt day: not in the future, not more than 30 days back (empty: the start day)
    assert register["received_on"]["type"] == "datetime"
    assert not register["received_on"].get("validate", {}).get("required")
    assert register["received_on"]["properties"] == {"notInFuture": "true", "maxDaysAgo": "30"}
    overdue = form("complaint_overdue")
    assert overdue["overdue_action"]["validate"]["required"] is True
    assert overdue["order_unit"]["valuesKey"] == "unit_options"
    assert overdue["order_unit"]["validate"]["required"] is True
    assert overdue["order_days"]["validate"] == {"required": True, "min": 1, "max": 10}
    assert overdue["received_on"]["readonly"] and overdue["answer_due_on"]["readonly"]
    report = form("complaint_order_report")
    assert report["overdue_action"]["readonly"] and report["order_due_on"]["readonly"]
    assert report["order_action_taken"]["validate"]["required"] is True
