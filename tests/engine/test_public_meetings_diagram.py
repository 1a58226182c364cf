"""processes/public_meetings.bpmn (دیدارهای مردمی): the file itself (schema, layout, lanes, names,
conditions) and its forms. The runs of every path are in test_public_meetings_process.py."""
from __future__ import annotations

import ast
import json
import re

import pytest
from lxml import etree

from engine.spiff.code_checks import find_code_errors
from formjs.forms import load_form, validate_submission
from engine.spiff.parsing import parse_definition
from records.quality import REGISTER, record_type_for_form
from engine.spiff.xmlsafe import XSD_PATH
from people.roles import role_for_lane
from test_public_meetings_process import (BPMN_FILE, DEPARTMENT_HEAD, EXPECTED_USER_TASKS,
                                          FORMS_DIR, MOSQUE_LIST, OFFICE_HEAD, PR_EXPERT,
                                          PROCESS_ID, RECORD_FORMS, REQUEST, ROWS, SUBPROCESS_ID)
from tests.diagram_conventions import FLOW_NODE_TAGS, NS, PERSIAN, SNAKE


# ================================================================ the file

@pytest.fixture(scope="module")
def xml_tree():
    return etree.parse(str(BPMN_FILE))


def _process(xml_tree):
    return xml_tree.find("bpmn:process", NS)


def _flow_nodes(container, deep=True):
    prefix = ".//" if deep else ""
    return [el for tag in FLOW_NODE_TAGS for el in container.iterfind(f"{prefix}bpmn:{tag}", NS)]


def test_parse_definition_accepts_the_file():
    parsed = parse_definition(BPMN_FILE.read_bytes())
    assert parsed.process_key == PROCESS_ID
    assert parsed.name == "دیدارهای مردمی"
    assert parsed.lanes == {OFFICE_HEAD: "mayor_office_head", PR_EXPERT: "pr_expert",
                            DEPARTMENT_HEAD: "department_head"}
    assert parsed.forms == {task_id: form for task_id, (_lane, form) in EXPECTED_USER_TASKS.items()}
    assert list(parsed.subprocess_specs) == [SUBPROCESS_ID]


def test_xml_is_valid_against_bpmn_schema_and_its_code_passes_the_sandbox_checks(xml_tree):
    schema = etree.XMLSchema(etree.parse(XSD_PATH))
    assert schema.validate(xml_tree), str(schema.error_log)
    assert find_code_errors(xml_tree) == []


def test_process_is_executable_and_every_element_has_a_persian_name(xml_tree):
    processes = xml_tree.findall("bpmn:process", NS)
    assert [p.get("id") for p in processes] == [PROCESS_ID]
    process = processes[0]
    assert process.get("isExecutable") == "true"
    assert process.get("name") == "دیدارهای مردمی"
    participants = xml_tree.findall("bpmn:collaboration/bpmn:participant", NS)
    assert [p.get("processRef") for p in participants] == [PROCESS_ID]
    named = participants + list(process.iterfind(".//bpmn:lane", NS)) + _flow_nodes(process)
    assert len(named) > 20
    for element in named:
        assert PERSIAN.search(element.get("name") or ""), f"{element.get('id')} has no Persian name"
    for element in process.iter():
        if isinstance(element.tag, str) and element.get("id"):
            assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", element.get("id")), element.get("id")
            assert element.get("id") not in {"Start", "End", "Root"}
    for flow in process.iterfind(".//bpmn:sequenceFlow", NS):
        if flow.find("bpmn:conditionExpression", NS) is not None:
            assert PERSIAN.search(flow.get("name") or ""), flow.get("id")


def test_every_lane_is_a_role_title_and_the_order_sub_process_spans_two_lanes(xml_tree):
    process = _process(xml_tree)
    lanes = {lane.get("name"): lane for lane in process.iterfind(".//bpmn:lane", NS)}
    assert list(lanes) == [OFFICE_HEAD, PR_EXPERT, DEPARTMENT_HEAD]
    assert {name: role_for_lane(name) for name in lanes} == {
        OFFICE_HEAD: "mayor_office_head", PR_EXPERT: "pr_expert",
        DEPARTMENT_HEAD: "department_head"}
    # Every flow node (also those inside the sub-process) is in exactly one lane, except the
    # sub-process itself: SpiffWorkflow gives the tasks of an embedded sub-process the
    # sub-process's own lane if it has one, which would put the unit's task in the PR lane.
    refs = [ref.text for ref in process.iterfind(".//bpmn:flowNodeRef", NS)]
    nodes = [el.get("id") for el in _flow_nodes(process)]
    assert sorted(refs) == sorted(set(nodes) - {SUBPROCESS_ID})
    in_lane = {ref.text: name for name, lane in lanes.items()
               for ref in lane.iterfind("bpmn:flowNodeRef", NS)}
    assert in_lane["Task_order_followup"] == DEPARTMENT_HEAD
    assert in_lane["Task_check_order"] == PR_EXPERT


def test_the_follow_up_is_a_parallel_multi_instance_sub_process_over_the_orders(xml_tree):
    sub = _process(xml_tree).find(f"bpmn:subProcess[@id='{SUBPROCESS_ID}']", NS)
    loop = sub.find("bpmn:multiInstanceLoopCharacteristics", NS)
    assert loop.get("isSequential") == "false"
    assert loop.findtext("bpmn:loopDataInputRef", namespaces=NS) == "orders"
    assert loop.findtext("bpmn:loopDataOutputRef", namespaces=NS) == "orders"
    assert loop.find("bpmn:inputDataItem", NS).get("id") == "order"
    assert loop.find("bpmn:outputDataItem", NS).get("id") == "followed_order"
    # SpiffWorkflow reads the refs as task data names; bpmn-js needs them to name an element
    # (an unresolved reference is a warning on import and is dropped when the diagram is saved)
    ids = {el.get("id") for el in xml_tree.iter() if isinstance(el.tag, str)}
    assert {"orders"} <= ids
    assert _process(xml_tree).find("bpmn:property", NS).get("id") == "orders"
    inner = {el.get("id") for el in _flow_nodes(sub, deep=False)}
    assert inner == {"StartEvent_order_announced", "Task_order_followup", "Task_check_order",
                     "Gateway_order_done", "Task_record_order_done", "EndEvent_order_done"}


def test_diagram_has_a_shape_for_every_node_and_an_edge_for_every_flow(xml_tree):
    process = _process(xml_tree)
    node_ids = {el.get("id") for el in _flow_nodes(process)}
    flow_ids = {el.get("id") for el in process.iterfind(".//bpmn:sequenceFlow", NS)}
    lane_ids = {el.get("id") for el in process.iterfind(".//bpmn:lane", NS)}
    participant_ids = {el.get("id") for el in xml_tree.iterfind(".//bpmn:participant", NS)}
    plane = xml_tree.find("bpmndi:BPMNDiagram/bpmndi:BPMNPlane", NS)
    assert len(xml_tree.findall("bpmndi:BPMNDiagram", NS)) == 1
    assert plane.get("bpmnElement") == xml_tree.find("bpmn:collaboration", NS).get("id")
    shapes = {s.get("bpmnElement"): s for s in plane.iterfind("bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement"): e for e in plane.iterfind("bpmndi:BPMNEdge", NS)}
    assert node_ids | lane_ids | participant_ids == set(shapes)
    assert flow_ids == set(edges)
    assert shapes[SUBPROCESS_ID].get("isExpanded") == "true"
    for lane_id in lane_ids | participant_ids:
        assert shapes[lane_id].get("isHorizontal") == "true"

    def bounds(element_id):
        b = shapes[element_id].find("dc:Bounds", NS)
        return tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))

    def inside(inner, outer):
        x, y, w, h = inner
        ox, oy, ow, oh = outer
        return ox <= x and oy <= y and x + w <= ox + ow and y + h <= oy + oh

    # lanes are horizontal bands stacked inside the pool
    pool = bounds(participant_ids.pop())
    px, py, pw, ph = pool
    bands = sorted((bounds(lane_id) for lane_id in lane_ids), key=lambda b: b[1])
    assert bands[0][1] == py and bands[-1][1] + bands[-1][3] == py + ph
    for upper, lower in zip(bands, bands[1:]):
        assert upper[1] + upper[3] == lower[1]
    for x, y, w, h in bands:
        assert x > px and x + w == px + pw
    # every node lies in the pool; a node in a lane has its centre in the lane's band
    for node_id in node_ids:
        assert inside(bounds(node_id), pool), node_id
    for lane in process.iterfind(".//bpmn:lane", NS):
        lx, ly, lw, lh = bounds(lane.get("id"))
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            x, y, w, h = bounds(ref.text)
            cx, cy = x + w / 2, y + h / 2
            assert lx < cx < lx + lw and ly < cy < ly + lh, f"{ref.text} outside {lane.get('name')}"
    # the sub-process box holds its nodes and crosses the PR and department lanes
    sub = process.find(f"bpmn:subProcess[@id='{SUBPROCESS_ID}']", NS)
    for el in _flow_nodes(sub):
        assert inside(bounds(el.get("id")), bounds(SUBPROCESS_ID)), el.get("id")
    sx, sy, sw, sh = bounds(SUBPROCESS_ID)
    lane_of = {lane.get("name"): bounds(lane.get("id")) for lane in process.iterfind(".//bpmn:lane", NS)}
    assert lane_of[PR_EXPERT][1] < sy < lane_of[DEPARTMENT_HEAD][1] < sy + sh
    # shapes of flow nodes do not overlap, except nodes inside the sub-process box
    sub_nodes = {el.get("id") for el in _flow_nodes(sub)}
    boxes = sorted(node_ids - {SUBPROCESS_ID})
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            ax, ay, aw, ah = bounds(a)
            bx, by, bw, bh = bounds(b)
            assert ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay, (a, b)
    for node_id in node_ids - sub_nodes - {SUBPROCESS_ID}:
        nx, ny, nw, nh = bounds(node_id)
        assert nx + nw <= sx or sx + sw <= nx or ny + nh <= sy or sy + sh <= ny, node_id
    # edges start and end on their source and target shapes, in straight segments
    for flow in process.iterfind(".//bpmn:sequenceFlow", NS):
        points = [(float(p.get("x")), float(p.get("y")))
                  for p in edges[flow.get("id")].iterfind("di:waypoint", NS)]
        assert len(points) >= 2, flow.get("id")
        for (ax, ay), (bx, by) in zip(points, points[1:]):
            assert ax == bx or ay == by, flow.get("id")
        for (x_, y_), ref in ((points[0], flow.get("sourceRef")), (points[-1], flow.get("targetRef"))):
            x, y, w, h = bounds(ref)
            assert x - 1 <= x_ <= x + w + 1 and y - 1 <= y_ <= y + h + 1, (flow.get("id"), ref)


def test_conditions_are_plain_comparisons_on_form_fields(xml_tree):
    allowed = (ast.Expression, ast.Compare, ast.Name, ast.Load, ast.Constant, ast.Eq)
    process = _process(xml_tree)
    conditions = {}
    for flow in process.iterfind(".//bpmn:sequenceFlow", NS):
        condition = flow.find("bpmn:conditionExpression", NS)
        if condition is not None:
            conditions[flow.get("id")] = condition.text.strip()
            for node in ast.walk(ast.parse(condition.text.strip(), mode="eval")):
                assert isinstance(node, allowed), (condition.text, type(node).__name__)
    assert conditions == {
        "Flow_venue_office": 'venue == "office"', "Flow_venue_mosque": 'venue == "mosque"',
        "Flow_order_done": 'check_result == "done"',
        "Flow_order_not_done": 'check_result == "not_done"'}
    # every split has a condition on each outgoing flow; tasks and events never split
    for el in _flow_nodes(process):
        outgoing = [f for f in process.iterfind(".//bpmn:sequenceFlow", NS)
                    if f.get("sourceRef") == el.get("id")]
        if el.tag.endswith("Gateway") and len(outgoing) > 1:
            assert all(f.find("bpmn:conditionExpression", NS) is not None for f in outgoing)
        elif not el.tag.endswith("Gateway"):
            assert len(outgoing) <= 1, el.get("id")


# ================================================================ tasks, lanes and forms

def _task_specs(parsed):
    for spec in [parsed.spec, *parsed.subprocess_specs.values()]:
        for task_spec in spec.task_specs.values():
            if getattr(task_spec, "manual", False):
                yield task_spec


def test_every_user_task_has_a_form_file_and_a_role_lane():
    parsed = parse_definition(BPMN_FILE.read_bytes())
    specs = {spec.bpmn_id: spec for spec in _task_specs(parsed)}
    assert set(specs) == set(EXPECTED_USER_TASKS)
    for task_id, spec in specs.items():
        lane, form_key = EXPECTED_USER_TASKS[task_id]
        properties = spec.extensions["properties"]
        assert properties["formKey"] == form_key, task_id
        assert (FORMS_DIR / f"{form_key}.form.json").is_file(), form_key
        assert spec.lane == lane, task_id
        assert role_for_lane(spec.lane) is not None, spec.lane
        assert PERSIAN.search(spec.bpmn_name), task_id


def _form(key):
    return json.loads((FORMS_DIR / f"{key}.form.json").read_text(encoding="utf-8"))


def _inputs(components):
    for c in components:
        if c["type"] in ("dynamiclist", "group"):
            yield from _inputs(c["components"])
        elif c["type"] != "text":
            yield c


FORM_KEYS = sorted({form_key for _, form_key in EXPECTED_USER_TASKS.values()})
INPUT_TYPES = {"textfield", "textarea", "number", "select", "radio", "checkbox", "checklist",
               "datetime"}


@pytest.mark.parametrize("form_key", FORM_KEYS)
def test_form_is_a_form_js_schema(form_key):
    schema = _form(form_key)
    assert load_form(form_key) == schema
    components = schema["components"]
    header = components[0]
    assert header["type"] == "text" and PERSIAN.search(header["text"])
    record = record_type_for_form(form_key)
    if form_key in RECORD_FORMS:
        assert record.code == RECORD_FORMS[form_key]
        assert header["text"].startswith(f"#### {record.code} — {record.title_fa}\n")
    else:
        assert record is None
        assert not re.search(r"F-__-", header["text"])
    ids = []
    for c in components:
        ids.append(c["id"])
        ids.extend(sub["id"] for sub in c.get("components", []))
    assert len(ids) == len(set(ids))
    top_keys = [c["key"] for c in components if "key" in c]
    assert len(top_keys) == len(set(top_keys))
    inputs = list(_inputs(components))
    assert inputs
    for c in inputs:
        assert c["type"] in INPUT_TYPES, c
        assert SNAKE.fullmatch(c["key"]), c["key"]
        assert PERSIAN.search(c["label"]), c["key"]
        if c["type"] in ("select", "radio", "checklist"):
            assert c["values"] and all(PERSIAN.search(v["label"]) for v in c["values"]), c["key"]
            assert all(SNAKE.fullmatch(v["value"]) for v in c["values"]), c["key"]
        if c["type"] == "datetime":
            assert c["subtype"] == ("time" if c["key"].endswith("_time") else "date"), c["key"]
        if c["type"] in ("textfield", "textarea"):
            assert c["validate"]["maxLength"] > 0, c["key"]
    assert any(c.get("validate", {}).get("required") for c in inputs)


def test_form_fields_match_what_the_process_reads():
    def fields(key):
        return {c["key"]: c for c in _form(key)["components"] if "key" in c}

    def values(component):
        return {v["value"] for v in component["values"]}

    request = fields("meeting_request")
    for key in ("applicant_name", "phone", "subject", "description"):
        assert request[key]["validate"]["required"] is True, key
    assert not request["national_id"].get("validate", {}).get("required")
    assert request["preferred_date"]["type"] == "datetime"
    assert request["preferred_date"]["subtype"] == "date"
    schedule = fields("meeting_schedule")
    assert schedule["venue"]["type"] == "radio" and values(schedule["venue"]) == {"office", "mosque"}
    assert schedule["venue"]["validate"]["required"] is True
    # both meeting lists give the rows the order script reads
    for key in ("meeting_list", "mosque_meeting_list"):
        lists = [c for c in _form(key)["components"] if c["type"] == "dynamiclist"]
        assert [c["path"] for c in lists] == ["requests"]
        row = {c["key"]: c for c in lists[0]["components"]}
        assert list(row) == ["applicant_name", "phone", "subject", "mayor_order", "unit"]
        assert row["subject"]["validate"]["required"] is True
        assert not row["mayor_order"].get("validate", {}).get("required")
        assert fields(key)["meeting_date"]["validate"]["required"] is True
    mosque = fields("mosque_meeting_list")
    for key in ("mosque_name", "board_rep_name", "board_rep_phone"):
        assert mosque[key]["validate"]["required"] is True, key
    unit = fields("order_followup")
    assert values(unit["followup_status"]) == {"done", "in_progress"}
    assert unit["action_taken"]["validate"]["required"] is True
    assert unit["expected_date"]["subtype"] == "date"
    pr_check = fields("order_followup_check")
    assert values(pr_check["check_result"]) == {"done", "not_done"}
    assert pr_check["check_result"]["validate"]["required"] is True
    outcome = fields("meeting_outcome_notice")
    assert values(outcome["notified_parties"]) == {"citizen", "board_rep"}
    assert outcome["notified_on"]["validate"]["required"] is True


def test_register_forms_are_the_registers_meeting_records():
    meeting_records = {r.form_key: r.code for r in REGISTER
                       if r.code in ("F-__-0-2-07", "F-__-0-2-08", "F-__-0-2-09", "F-__-0-2-18")}
    assert meeting_records == RECORD_FORMS


def test_meeting_request_validation_takes_persian_digits_and_solar_hijri_dates():
    schema = load_form("meeting_request")
    clean, errors = validate_submission(schema, REQUEST)
    assert errors == {}
    assert clean["phone"] == "09123456789"
    assert clean["preferred_date"] == "2025-10-07"  # ۱۴۰۴/۰۷/۱۵
    _clean, errors = validate_submission(schema, {**REQUEST, "phone": "12345", "national_id": "12",
                                                  "subject": "", "preferred_date": "1404/13/01"})
    assert set(errors) == {"phone", "national_id", "subject", "preferred_date"}


def test_a_meeting_list_row_needs_a_subject():
    schema = load_form("mosque_meeting_list")
    bad_row = {"applicant_name": "علی", "subject": "", "mayor_order": "اقدام"}
    _clean, errors = validate_submission(schema, {**MOSQUE_LIST, "requests": [ROWS[0], bad_row]})
    assert set(errors) == {"requests[1].subject"}
    _clean, errors = validate_submission(schema, {**MOSQUE_LIST, "board_rep_phone": "",
                                                  "mosque_name": ""})
    assert set(errors) == {"board_rep_phone", "mosque_name"}
