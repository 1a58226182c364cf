"""Engine-level tests of processes/complaints.bpmn (رسیدگی به شکایات), driven with plain SpiffWorkflow.

No application code is involved: the diagram is parsed with SpiffBpmnParser and every user task
is completed by filling its data the way the form would and running it.
"""
from __future__ import annotations

import ast
import json
import re
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree

import SpiffWorkflow
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from people.roles import ROLES, role_for_lane  # noqa: E402

BPMN_FILE = ROOT / "processes" / "complaints.bpmn"
FORMS_DIR = ROOT / "forms"
PROCESS_ID = "complaints"
SCHEMA = Path(SpiffWorkflow.__file__).resolve().parent / "bpmn" / "parser" / "schema" / "BPMN20.xsd"

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
FLOW_NODE_TAGS = ("startEvent", "endEvent", "userTask", "exclusiveGateway", "boundaryEvent",
                  "intermediateCatchEvent", "intermediateThrowEvent", "parallelGateway",
                  "inclusiveGateway", "eventBasedGateway", "task", "manualTask", "scriptTask",
                  "serviceTask", "sendTask", "receiveTask", "businessRuleTask", "callActivity",
                  "subProcess")

# user task id -> (lane, formKey, dueInHours or None)
EXPECTED_USER_TASKS = {
    "Task_register_complaint": ("کارشناس روابط عمومی", "complaint_register", None),
    "Task_examine_service_complaint": ("کارشناس روابط عمومی", "complaint_examination", "240"),
    "Task_examine_employee_complaint": ("کارشناس پاسخگویی به شکایات", "complaint_examination", "240"),
    "Task_followup_overdue_service": ("شهردار منطقه", "complaint_overdue", None),
    "Task_followup_overdue_employee": ("شهردار منطقه", "complaint_overdue", None),
    "Task_review_answer": ("مسئول روابط عمومی", "complaint_review", None),
    "Task_announce_result": ("کارشناس روابط عمومی", "complaint_announcement", None),
}
EXAMINATION_TASK = {"service": "Task_examine_service_complaint",
                    "employee": "Task_examine_employee_complaint"}
TIMER_EVENT = {"service": "BoundaryEvent_service_deadline",
               "employee": "BoundaryEvent_employee_deadline"}
OVERDUE_TASK = {"service": "Task_followup_overdue_service",
                "employee": "Task_followup_overdue_employee"}
PERSIAN = re.compile(r"[\u0600-\u06FF]")
SNAKE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")


# ---------------------------------------------------------------- helpers

@pytest.fixture(scope="module")
def xml_tree():
    return etree.parse(str(BPMN_FILE))


def load_workflow() -> BpmnWorkflow:
    parser = SpiffBpmnParser()  # a fresh parser per workflow (see notes: no reuse after errors)
    parser.add_bpmn_file(str(BPMN_FILE))
    spec = parser.get_spec(PROCESS_ID)
    wf = BpmnWorkflow(spec, parser.get_subprocess_specs(PROCESS_ID))
    wf.do_engine_steps()
    return wf


def ready_user_tasks(wf: BpmnWorkflow):
    return wf.get_tasks(state=TaskState.READY, manual=True)


def ready_names(wf: BpmnWorkflow) -> list[str]:
    return sorted(t.task_spec.name for t in ready_user_tasks(wf))


def complete(wf: BpmnWorkflow, spec_name: str, data: dict) -> None:
    """Fill the one ready user task named spec_name with data and run it."""
    ready = [t for t in ready_user_tasks(wf) if t.task_spec.name == spec_name]
    assert len(ready) == 1, f"expected {spec_name} ready, ready: {ready_names(wf)}"
    task = ready[0]
    task.data.update(data)
    task.run()
    wf.do_engine_steps()


def register_data(complaint_type: str) -> dict:
    return {
        "complainant_name": "زهرا احمدی",
        "phone": "09123456789",
        "channel": "137",
        "subject": "جمع‌آوری نشدن پسماند" if complaint_type == "service" else "برخورد نامناسب کارمند",
        "complaint_type": complaint_type,
        "description": "شرح شکایت",
        "address": "منطقه ۳، خیابان زند",
    }


EXAMINATION_DATA = {"findings": "بررسی شد", "justified": "yes",
                    "actions_taken": "به پیمانکار تذکر داده شد", "answer_text": "پاسخ به شاکی"}
ANNOUNCEMENT_DATA = {"announcement_channel": "letter", "announced_on": "2025-01-15",
                     "letter_number": "۱۲۳/ش", "note": ""}


def waiting_timer(wf: BpmnWorkflow, complaint_type: str):
    timers = [t for t in wf.get_tasks(state=TaskState.WAITING)
              if t.task_spec.name == TIMER_EVENT[complaint_type]]
    assert len(timers) == 1, [t.task_spec.name for t in wf.get_tasks(state=TaskState.WAITING)]
    return timers[0]


def fire_due_timers(wf: BpmnWorkflow) -> None:
    """Let due timers fire (refresh_timers is what the deprecated refresh_waiting_tasks calls)."""
    wf.refresh_timers()
    wf.do_engine_steps()


def user_task_specs(wf: BpmnWorkflow):
    return {name: spec for name, spec in wf.spec.task_specs.items()
            if type(spec).__name__ == "UserTask"}


# ---------------------------------------------------------------- the XML itself

def test_xml_is_well_formed_and_valid_against_bpmn_schema(xml_tree):
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
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
                     "مسئول روابط عمومی", "شهردار منطقه"}
    assert lanes <= titles
    assert all(role_for_lane(name) for name in lanes)


def test_diagram_has_a_shape_for_every_node_and_an_edge_for_every_flow(xml_tree):
    process = xml_tree.find("bpmn:process", NS)
    node_ids = {el.get("id") for tag in FLOW_NODE_TAGS for el in process.iterfind(f"bpmn:{tag}", NS)}
    flow_ids = {el.get("id") for el in process.iterfind("bpmn:sequenceFlow", NS)}
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
    assert sorted(refs) == sorted(node_ids)
    # edges start and end on their source and target shapes
    for flow in process.iterfind("bpmn:sequenceFlow", NS):
        points = [(float(p.get("x")), float(p.get("y")))
                  for p in edges[flow.get("id")].iterfind("di:waypoint", NS)]
        for (px_, py_), ref in ((points[0], flow.get("sourceRef")), (points[-1], flow.get("targetRef"))):
            x, y, w, h = bounds(ref)
            assert x - 1 <= px_ <= x + w + 1 and y - 1 <= py_ <= y + h + 1, (flow.get("id"), ref)


def test_conditions_and_timers_are_plain_expressions(xml_tree):
    allowed = (ast.Expression, ast.Compare, ast.BoolOp, ast.And, ast.Or, ast.Name, ast.Load,
               ast.Constant, ast.Eq, ast.NotEq)
    process = xml_tree.find("bpmn:process", NS)
    conditions = process.findall("bpmn:sequenceFlow/bpmn:conditionExpression", NS)
    assert len(conditions) == 6
    for condition in conditions:
        tree = ast.parse(condition.text.strip(), mode="eval")
        for node in ast.walk(tree):
            assert isinstance(node, allowed), (condition.text, type(node).__name__)
            if isinstance(node, ast.Name):
                assert not node.id.startswith("_"), condition.text
    # every gateway split has a condition (or a default) on each outgoing flow
    for gateway in process.iterfind("bpmn:exclusiveGateway", NS):
        outgoing = [f for f in process.iterfind("bpmn:sequenceFlow", NS)
                    if f.get("sourceRef") == gateway.get("id")]
        if len(outgoing) > 1:
            for flow in outgoing:
                assert (flow.find("bpmn:conditionExpression", NS) is not None
                        or gateway.get("default") == flow.get("id")), flow.get("id")
    # no implicit splits: tasks and events have at most one outgoing flow
    for tag in FLOW_NODE_TAGS:
        if "Gateway" in tag:
            continue
        for el in process.iterfind(f"bpmn:{tag}", NS):
            outgoing = [f for f in process.iterfind("bpmn:sequenceFlow", NS)
                        if f.get("sourceRef") == el.get("id")]
            assert len(outgoing) <= 1, el.get("id")
    timers = process.findall(".//bpmn:timerEventDefinition/bpmn:timeDuration", NS)
    assert [t.text for t in timers] == ['"P10D"', '"P10D"']
    for boundary in process.iterfind("bpmn:boundaryEvent", NS):
        assert boundary.get("cancelActivity") == "false"


def test_conditions_compile_under_restricted_python(xml_tree):
    restricted = pytest.importorskip("RestrictedPython")
    process = xml_tree.find("bpmn:process", NS)
    expressions = [c.text.strip() for c in process.iterfind(".//bpmn:conditionExpression", NS)]
    expressions += [t.text.strip() for t in process.iterfind(".//bpmn:timeDuration", NS)]
    for expression in expressions:
        result = restricted.compile_restricted_eval(expression)
        assert not result.errors, (expression, result.errors)
        assert result.code is not None


# ---------------------------------------------------------------- tasks, lanes and forms

def test_every_user_task_has_a_form_and_a_role_lane():
    wf = load_workflow()
    specs = user_task_specs(wf)
    assert set(specs) == set(EXPECTED_USER_TASKS)
    for name, spec in specs.items():
        lane, form_key, due = EXPECTED_USER_TASKS[name]
        properties = spec.extensions["properties"]
        assert properties["formKey"] == form_key, name
        assert (FORMS_DIR / f"{properties['formKey']}.form.json").is_file(), form_key
        assert spec.lane == lane, name
        assert role_for_lane(spec.lane) is not None, spec.lane
        assert properties.get("dueInHours") == due, name


FORM_KEYS = sorted({form_key for _, form_key, _ in EXPECTED_USER_TASKS.values()})
INPUT_TYPES = {"textfield", "textarea", "number", "select", "radio", "checkbox", "checklist",
               "datetime"}


@pytest.mark.parametrize("form_key", FORM_KEYS)
def test_form_is_a_form_js_schema(form_key):
    schema = json.loads((FORMS_DIR / f"{form_key}.form.json").read_text(encoding="utf-8"))
    assert schema["type"] == "default"
    assert schema["id"] == form_key
    assert schema["schemaVersion"] == 16
    assert schema["exporter"] == {"name": "form-js", "version": "1.7.0"}
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
        if c["type"] in ("select", "radio", "checklist"):
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
    overdue = form("complaint_overdue")
    assert next(c for c in overdue.values() if c["type"] == "textarea")["validate"]["required"]


# ---------------------------------------------------------------- running the paths

@pytest.mark.parametrize("complaint_type", ["service", "employee"])
def test_path_runs_to_the_end_event(complaint_type):
    wf = load_workflow()
    assert ready_names(wf) == ["Task_register_complaint"]
    complete(wf, "Task_register_complaint", register_data(complaint_type))
    exam = EXAMINATION_TASK[complaint_type]
    assert ready_names(wf) == [exam]
    exam_task = ready_user_tasks(wf)[0]
    assert exam_task.task_spec.lane == EXPECTED_USER_TASKS[exam][0]
    assert exam_task.data["complaint_type"] == complaint_type
    complete(wf, exam, EXAMINATION_DATA)
    assert ready_names(wf) == ["Task_review_answer"]
    complete(wf, "Task_review_answer", {"decision": "approve", "reason": ""})
    assert ready_names(wf) == ["Task_announce_result"]
    complete(wf, "Task_announce_result", ANNOUNCEMENT_DATA)
    assert ready_names(wf) == []
    assert wf.is_completed()
    assert not wf.get_tasks(state=TaskState.WAITING)  # the deadline timer was cancelled
    ended = [t.task_spec.name for t in wf.get_tasks(state=TaskState.COMPLETED)
             if t.task_spec.name.startswith("EndEvent_")]
    assert ended == ["EndEvent_complaint_closed"]
    other = EXAMINATION_TASK["employee" if complaint_type == "service" else "service"]
    assert not [t for t in wf.get_tasks(state=TaskState.COMPLETED) if t.task_spec.name == other]
    assert wf.data["answer_text"] == "پاسخ به شاکی"
    assert wf.data["announcement_channel"] == "letter"


@pytest.mark.parametrize("complaint_type", ["service", "employee"])
def test_review_return_goes_back_to_the_right_examination(complaint_type):
    wf = load_workflow()
    exam = EXAMINATION_TASK[complaint_type]
    complete(wf, "Task_register_complaint", register_data(complaint_type))
    complete(wf, exam, EXAMINATION_DATA)
    complete(wf, "Task_review_answer", {"decision": "return", "reason": "پاسخ کامل نیست"})
    assert ready_names(wf) == [exam]
    returned = ready_user_tasks(wf)[0]
    assert returned.data["reason"] == "پاسخ کامل نیست"
    # the re-opened examination has its own deadline timer again
    waiting_timer(wf, complaint_type)
    complete(wf, exam, {**EXAMINATION_DATA, "answer_text": "پاسخ اصلاح‌شده"})
    assert ready_names(wf) == ["Task_review_answer"]
    complete(wf, "Task_review_answer", {"decision": "approve", "reason": ""})
    complete(wf, "Task_announce_result", ANNOUNCEMENT_DATA)
    assert wf.is_completed()
    runs = [t for t in wf.get_tasks(state=TaskState.COMPLETED) if t.task_spec.name == exam]
    assert len(runs) == 2
    assert wf.data["answer_text"] == "پاسخ اصلاح‌شده"


@pytest.mark.parametrize("complaint_type", ["service", "employee"])
def test_deadline_timer_offers_the_overdue_task_to_the_district_mayor(complaint_type):
    wf = load_workflow()
    exam = EXAMINATION_TASK[complaint_type]
    complete(wf, "Task_register_complaint", register_data(complaint_type))

    timer = waiting_timer(wf, complaint_type)
    fire_due_timers(wf)
    assert ready_names(wf) == [exam]  # not due yet
    due = datetime.fromisoformat(waiting_timer(wf, complaint_type).internal_data["event_value"])
    expected = datetime.now(timezone.utc) + timedelta(days=10)
    assert abs((due - expected).total_seconds()) < 60

    # survive a save/load between the steps, as the application does
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    wf = serializer.deserialize_json(serializer.serialize_json(wf))
    timer = waiting_timer(wf, complaint_type)
    timer.internal_data["event_value"] = (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()
    fire_due_timers(wf)

    overdue = OVERDUE_TASK[complaint_type]
    assert ready_names(wf) == sorted([exam, overdue])  # non-interrupting: examination stays open
    mayor_task = next(t for t in ready_user_tasks(wf) if t.task_spec.name == overdue)
    assert mayor_task.task_spec.lane == "شهردار منطقه"
    assert role_for_lane(mayor_task.task_spec.lane) == "district_mayor"
    assert mayor_task.task_spec.extensions["properties"]["formKey"] == "complaint_overdue"
    assert mayor_task.data["complaint_type"] == complaint_type

    complete(wf, overdue, {"overdue_action": "رسیدگی فوری", "overdue_note": ""})
    assert ready_names(wf) == [exam]
    complete(wf, exam, EXAMINATION_DATA)
    complete(wf, "Task_review_answer", {"decision": "approve"})
    complete(wf, "Task_announce_result", ANNOUNCEMENT_DATA)
    assert wf.is_completed()
    ended = sorted(t.task_spec.name for t in wf.get_tasks(state=TaskState.COMPLETED)
                   if t.task_spec.name.startswith("EndEvent_"))
    assert ended == sorted(["EndEvent_complaint_closed", f"EndEvent_overdue_{complaint_type}_followed"])


def test_overdue_follow_up_does_not_block_the_main_path():
    """The mayor may still be working on the overdue task when the answer is announced."""
    wf = load_workflow()
    complete(wf, "Task_register_complaint", register_data("service"))
    timer = waiting_timer(wf, "service")
    timer.internal_data["event_value"] = (datetime.now(timezone.utc) - timedelta(seconds=1)).isoformat()
    fire_due_timers(wf)
    complete(wf, "Task_examine_service_complaint", EXAMINATION_DATA)
    complete(wf, "Task_review_answer", {"decision": "approve"})
    complete(wf, "Task_announce_result", ANNOUNCEMENT_DATA)
    assert ready_names(wf) == ["Task_followup_overdue_service"]
    assert not wf.is_completed()
    complete(wf, "Task_followup_overdue_service", {"overdue_action": "پیگیری شد"})
    assert wf.is_completed()
