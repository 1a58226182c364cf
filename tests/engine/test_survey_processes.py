"""processes/citizen_survey.bpmn (نظرسنجی از شهروندان) and processes/opinion_poll.bpmn (افکارسنجی).

Runs: every path through every gateway, in memory through engine.harness, each task completed
with data that first passes its form's validation (as engine.runtime.complete_task does).
Files: deploy checks (engine.parsing), schema, diagram layout, lanes, user tasks and forms, and
the quality records (engine.records.REGISTER) the forms produce.
"""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from lxml import etree

from engine.forms import load_form, prefill_values, validate_submission
from engine.harness import (complete_ready_task, human_task_specs, ready_task_data, ready_task_ids,
                            workflow_from_bpmn)
from engine.parsing import parse_definition
from engine.records import REGISTER, record_type_for_form
from engine.workflows import completed_elements, current_data, ready_human_tasks, run_engine
from engine.xmlsafe import XSD_PATH
from people.roles import ROLES, role_for_lane
from tests.survey_form_data import (  # noqa: F401 - shared with the other survey tests
    CITIZEN_FORM, CORRECTIVE_ACTION, MAYOR_ACTION, MAYOR_NO_ACTION, PLAN_APPROVE, PLAN_RETURN,
    POLL_ANSWER, POLL_APPROVE, POLL_FILING, POLL_REPORT, POLL_SUMMARY, SURVEY_FOLLOWUP, SURVEY_PLAN)
from tests.diagram_conventions import FLOW_NODE_TAGS, NS, PERSIAN, SNAKE

ROOT = Path(__file__).resolve().parents[2]
FORMS_DIR = ROOT / "forms"
PR_EXPERT, PR_HEAD, MAYOR, DEPARTMENT_HEAD = (
    "کارشناس روابط عمومی", "مسئول روابط عمومی", "شهردار منطقه", "رئیس اداره")

# user task id -> (lane, formKey)
SURVEY_TASKS = {
    "Task_plan_survey": (PR_EXPERT, "survey_plan"),
    "Task_review_survey_plan": (PR_HEAD, "survey_plan_review"),
    "Task_collect_survey_forms": (PR_EXPERT, "survey_collection"),
    "Task_enter_citizen_survey": (PR_EXPERT, "citizen_survey"),
    "Task_enter_visitor_survey": (PR_EXPERT, "visitor_survey"),
    "Task_prepare_survey_summary": (PR_EXPERT, "survey_summary"),
    "Task_report_to_mayor": (MAYOR, "survey_mayor_decision"),
    "Task_corrective_action": (DEPARTMENT_HEAD, "corrective_action"),
    "Task_follow_up_corrective_action": (PR_EXPERT, "survey_followup"),
}
POLL_TASKS = {
    "Task_prepare_poll_plan": (PR_EXPERT, "poll_plan"),
    "Task_approve_poll_plan": (MAYOR, "poll_plan_review"),
    "Task_collect_poll_answers": (PR_EXPERT, "poll_collection"),
    "Task_enter_poll_answer": (PR_EXPERT, "poll_answer"),
    "Task_poll_fieldwork": (PR_EXPERT, "poll_fieldwork"),
    "Task_prepare_poll_summary": (PR_EXPERT, "poll_summary"),
    "Task_poll_report": (DEPARTMENT_HEAD, "poll_report"),
    "Task_file_poll_report": (PR_EXPERT, "poll_filing"),
}


class Process:
    def __init__(self, key, name, tasks, lanes, records):
        self.key, self.name, self.tasks, self.lanes, self.records = key, name, tasks, lanes, records
        self.file = ROOT / "processes" / f"{key}.bpmn"

    def __repr__(self):
        return self.key


SURVEY = Process("citizen_survey", "نظرسنجی از شهروندان", SURVEY_TASKS,
                 {PR_EXPERT, PR_HEAD, MAYOR, DEPARTMENT_HEAD},
                 {"F-__-0-2-01", "F-__-0-2-02", "F-__-0-2-03"})
POLL = Process("opinion_poll", "افکارسنجی", POLL_TASKS, {PR_EXPERT, MAYOR, DEPARTMENT_HEAD},
               {"F-__-0-2-04", "F-__-0-2-05", "F-__-0-2-06"})
PROCESSES = [SURVEY, POLL]
FORM_KEYS = sorted({form for p in PROCESSES for _, form in p.tasks.values()})


# ================================================================ running the processes

def start(process: Process):
    wf = workflow_from_bpmn(process.file.read_bytes())
    run_engine(wf)
    return wf


def submit(wf, process: Process, bpmn_id: str, data: dict) -> dict:
    """Complete the one ready task bpmn_id with data its form accepts; return the clean data."""
    ready = [t for t in ready_human_tasks(wf) if t.task_spec == bpmn_id]
    assert len(ready) == 1, f"expected {bpmn_id} ready, ready: {ready_task_ids(wf)}"
    lane, form_key = process.tasks[bpmn_id]
    assert (ready[0].lane, ready[0].form_key) == (lane, form_key)
    assert role_for_lane(ready[0].lane)
    clean, errors = validate_submission(load_form(form_key), data)
    assert not errors, (bpmn_id, errors)
    complete_ready_task(wf, bpmn_id, clean)
    return clean


def end_events(wf) -> dict[str, int]:
    return {bpmn_id: n for bpmn_id, n in completed_elements(wf).items()
            if bpmn_id.startswith("EndEvent_")}


VISITOR_FORM = {
    "questionnaire_number": "۵۵", "visit_date": "1404/07/06", "visit_purpose": "building_permit",
    "unit_visited": "اداره شهرسازی", "visit_count": "second", "age_group": "40_49", "gender": "",
    "neighbourhood": "", "staff_behaviour": "5", "staff_competence": "4", "guidance": "3",
    "waiting_time": "2", "response_time": "3", "fee_transparency": "3", "facilities": "4",
    "overall_satisfaction": "4", "comments": "نوبت‌دهی طولانی بود",
}
ENTRY = {"citizen": ("Task_enter_citizen_survey", CITIZEN_FORM),
         "visitor": ("Task_enter_visitor_survey", VISITOR_FORM)}
SURVEY_SUMMARY = {
    "analysis": "رضایت از روشنایی معابر و ترافیک پایین‌تر از سایر شاخص‌هاست.",
    "strengths": "فضای سبز و برخورد کارکنان", "improvement_areas": "روشنایی معابر",
    "suggestions": "بازدید و ترمیم روشنایی کوچه‌های محله سعدی", "fieldwork_notes": "",
}


def run_survey_plan(wf, returns: int) -> None:
    """Plan, returned `returns` times with a reason, then approved."""
    submit(wf, SURVEY, "Task_plan_survey", SURVEY_PLAN)
    for _ in range(returns):
        submit(wf, SURVEY, "Task_review_survey_plan", PLAN_RETURN)
        assert ready_task_ids(wf) == ["Task_plan_survey"]
        assert ready_task_data(wf, "Task_plan_survey")["return_reason"] == PLAN_RETURN["return_reason"]
        submit(wf, SURVEY, "Task_plan_survey", {**SURVEY_PLAN, "sample_size": "400"})
    submit(wf, SURVEY, "Task_review_survey_plan", PLAN_APPROVE)
    assert ready_task_ids(wf) == ["Task_collect_survey_forms"]


def collect(wf, entries: list[str]) -> list[dict]:
    """Enter the survey forms in order through the collection loop, then finish collecting."""
    stored = []
    for kind in entries:
        submit(wf, SURVEY, "Task_collect_survey_forms", {"next_form": kind})
        task_id, data = ENTRY[kind]
        assert ready_task_ids(wf) == [task_id]
        stored.append(submit(wf, SURVEY, task_id, data))
        assert ready_task_ids(wf) == ["Task_collect_survey_forms"]
    submit(wf, SURVEY, "Task_collect_survey_forms", {"next_form": "finished"})
    assert ready_task_ids(wf) == ["Task_prepare_survey_summary"]
    return stored


@pytest.mark.parametrize("returns, entries, action", [
    (0, ["citizen", "visitor", "citizen"], "no"),
    (0, ["citizen"], "yes"),
    (1, ["visitor"], "yes"),
    (1, ["visitor", "visitor", "citizen"], "no"),
    (2, [], "yes"),
])
def test_survey_runs_every_path_to_its_end_event(returns, entries, action):
    wf = start(SURVEY)
    assert ready_task_ids(wf) == ["Task_plan_survey"]
    run_survey_plan(wf, returns)
    stored = collect(wf, entries)
    assert [record_type_for_form(SURVEY.tasks[ENTRY[k][0]][1]).code for k in entries] == [
        {"citizen": "F-__-0-2-01", "visitor": "F-__-0-2-02"}[k] for k in entries]
    assert all(s["overall_satisfaction"] == "4" for s in stored)
    submit(wf, SURVEY, "Task_prepare_survey_summary", SURVEY_SUMMARY)
    assert ready_task_ids(wf) == ["Task_report_to_mayor"]
    # the mayor's report shows the expert's analysis (read-only fields of the form)
    shown = prefill_values(load_form("survey_mayor_decision"), current_data(wf))
    assert shown["analysis"] == SURVEY_SUMMARY["analysis"]
    assert shown["survey_title"] == SURVEY_PLAN["survey_title"]

    if action == "yes":
        submit(wf, SURVEY, "Task_report_to_mayor", MAYOR_ACTION)
        assert ready_task_ids(wf) == ["Task_corrective_action"]
        assert role_for_lane(ready_human_tasks(wf)[0].lane) == "department_head"
        assert ready_task_data(wf, "Task_corrective_action")["mayor_orders"] == MAYOR_ACTION["mayor_orders"]
        submit(wf, SURVEY, "Task_corrective_action", CORRECTIVE_ACTION)
        assert ready_task_ids(wf) == ["Task_follow_up_corrective_action"]
        submit(wf, SURVEY, "Task_follow_up_corrective_action", SURVEY_FOLLOWUP)
        expected_end = "EndEvent_corrective_action_followed"
    else:
        submit(wf, SURVEY, "Task_report_to_mayor", MAYOR_NO_ACTION)
        expected_end = "EndEvent_survey_closed"

    assert ready_task_ids(wf) == []
    assert wf.is_completed()
    assert end_events(wf) == {expected_end: 1}
    done = completed_elements(wf)
    assert done["Task_plan_survey"] == returns + 1
    assert done["Task_review_survey_plan"] == returns + 1
    assert done["Task_collect_survey_forms"] == len(entries) + 1
    assert done.get("Task_enter_citizen_survey", 0) == entries.count("citizen")
    assert done.get("Task_enter_visitor_survey", 0) == entries.count("visitor")
    assert ("Task_corrective_action" in done) == (action == "yes")
    assert ("Task_follow_up_corrective_action" in done) == (action == "yes")
    assert wf.data["sample_size"] == (400 if returns else 384)
    assert wf.data["start_date"] == "2025-09-23"  # typed as Solar Hijri 1404/07/01


def test_returned_survey_plan_shows_the_reason_read_only_to_its_author():
    wf = start(SURVEY)
    submit(wf, SURVEY, "Task_plan_survey", SURVEY_PLAN)
    submit(wf, SURVEY, "Task_review_survey_plan", PLAN_RETURN)
    schema = load_form("survey_plan")
    shown = prefill_values(schema, current_data(wf))
    assert shown["return_reason"] == PLAN_RETURN["return_reason"]
    assert shown["survey_title"] == SURVEY_PLAN["survey_title"]  # typed fields come back as a draft
    # the author cannot rewrite the reason: a posted value of a read-only field is dropped
    clean, errors = validate_submission(schema, {**SURVEY_PLAN, "return_reason": "forged"})
    assert not errors and "return_reason" not in clean


def test_each_survey_form_starts_empty_not_with_the_previous_respondents_answers():
    wf = start(SURVEY)
    run_survey_plan(wf, 0)
    for kind in ("citizen", "visitor"):
        task_id, data = ENTRY[kind]
        submit(wf, SURVEY, "Task_collect_survey_forms", {"next_form": kind})
        first = submit(wf, SURVEY, task_id, data)
        assert first["comments"] == data["comments"]  # what the quality record keeps
        submit(wf, SURVEY, "Task_collect_survey_forms", {"next_form": kind})
        shown = prefill_values(load_form(SURVEY.tasks[task_id][1]), current_data(wf))
        assert shown["comments"] == "" and shown["neighbourhood"] == ""
        assert shown["questionnaire_number"] == ""
        assert ready_task_data(wf, task_id)["comments"] == ""
        submit(wf, SURVEY, task_id, {**data, "comments": "", "neighbourhood": "محله زند"})
        assert ready_task_ids(wf) == ["Task_collect_survey_forms"]


POLL_PLAN = {
    "poll_subject": "طرح پیاده‌راه‌سازی خیابان زند", "concerned_unit": "اداره حمل‌ونقل و ترافیک",
    "poll_objectives": "سنجش دیدگاه ساکنان و کسبه درباره پیاده‌راه", "poll_questions":
    "آیا با پیاده‌راه‌سازی موافقید؟\nمهم‌ترین نگرانی شما چیست؟", "poll_method": "questionnaire_in_person",
    "target_population": "ساکنان و کسبه محدوده خیابان زند", "sampling_method": "stratified",
    "sample_size": "250", "start_date": "1404/08/01", "end_date": "1404/08/15",
    "estimated_cost": "۱۵۰,۰۰۰,۰۰۰",
}
POLL_RETURN = {"poll_plan_decision": "return", "return_reason": "کسبه محدوده را هم در نمونه بگنجانید"}
POLL_FIELDWORK = {"fieldwork_start": "1404/08/02", "fieldwork_end": "1404/08/14",
                  "method_used": "questionnaire_in_person",
                  "fieldwork_report": "پرسشنامه‌ها در سه نوبت در محدوده تکمیل شد",
                  "fieldwork_issues": ""}


@pytest.mark.parametrize("returns, answers", [(0, 0), (1, 2), (2, 1)])
def test_opinion_poll_runs_every_path_to_its_end_event(returns, answers):
    wf = start(POLL)
    assert ready_task_ids(wf) == ["Task_prepare_poll_plan"]
    submit(wf, POLL, "Task_prepare_poll_plan", POLL_PLAN)
    for _ in range(returns):
        submit(wf, POLL, "Task_approve_poll_plan", POLL_RETURN)
        assert ready_task_ids(wf) == ["Task_prepare_poll_plan"]
        shown = prefill_values(load_form("poll_plan"), current_data(wf))
        assert shown["return_reason"] == POLL_RETURN["return_reason"]
        assert shown["poll_subject"] == POLL_PLAN["poll_subject"]
        submit(wf, POLL, "Task_prepare_poll_plan", {**POLL_PLAN, "sample_size": "300"})
    submit(wf, POLL, "Task_approve_poll_plan", POLL_APPROVE)
    assert ready_task_ids(wf) == ["Task_collect_poll_answers"]
    for _ in range(answers):
        submit(wf, POLL, "Task_collect_poll_answers", {"next_poll_step": "answer"})
        assert ready_task_ids(wf) == ["Task_enter_poll_answer"]
        # the subject is shown read-only; the previous respondent's typed answers are not
        shown = prefill_values(load_form("poll_answer"), current_data(wf))
        assert shown["poll_subject"] == POLL_PLAN["poll_subject"]
        assert not shown.get("poll_comment") and not shown.get("neighbourhood")
        stored = submit(wf, POLL, "Task_enter_poll_answer", POLL_ANSWER)
        assert stored["poll_comment"] == POLL_ANSWER["poll_comment"] and "poll_subject" not in stored
        assert ready_task_ids(wf) == ["Task_collect_poll_answers"]
    submit(wf, POLL, "Task_collect_poll_answers", {"next_poll_step": "finished"})
    assert ready_task_ids(wf) == ["Task_poll_fieldwork"]
    submit(wf, POLL, "Task_poll_fieldwork", POLL_FIELDWORK)
    submit(wf, POLL, "Task_prepare_poll_summary", POLL_SUMMARY)
    assert ready_task_ids(wf) == ["Task_poll_report"]
    assert role_for_lane(ready_human_tasks(wf)[0].lane) == "department_head"
    shown = prefill_values(load_form("poll_report"), current_data(wf))
    assert shown["recommendations"] == POLL_SUMMARY["recommendations"]
    assert shown["concerned_unit"] == POLL_PLAN["concerned_unit"]
    report = submit(wf, POLL, "Task_poll_report", POLL_REPORT)
    assert report["unit_action"] == POLL_REPORT["unit_action"]
    assert "findings" not in report  # read-only: shown to the unit, kept in F-05
    assert ready_task_ids(wf) == ["Task_file_poll_report"]
    submit(wf, POLL, "Task_file_poll_report", POLL_FILING)
    assert ready_task_ids(wf) == []
    assert wf.is_completed()
    assert end_events(wf) == {"EndEvent_poll_filed": 1}
    done = completed_elements(wf)
    assert done["Task_prepare_poll_plan"] == done["Task_approve_poll_plan"] == returns + 1
    assert all(done[t] == 1 for t in ("Task_poll_fieldwork", "Task_prepare_poll_summary",
                                      "Task_poll_report", "Task_file_poll_report"))
    assert done["Task_collect_poll_answers"] == answers + 1
    assert done.get("Task_enter_poll_answer", 0) == answers
    assert wf.data["sample_size"] == (300 if returns else 250)
    assert wf.data["estimated_cost"] == 150_000_000


# ================================================================ the files


def tree_of(process: Process):
    return etree.parse(str(process.file))


def process_element(tree):
    return tree.find("bpmn:process", NS)


def flow_nodes(process_el):
    return [el for tag in FLOW_NODE_TAGS for el in process_el.iterfind(f"bpmn:{tag}", NS)]


def form(key: str) -> dict:
    return json.loads((FORMS_DIR / f"{key}.form.json").read_text(encoding="utf-8"))


def inputs(key: str) -> dict[str, dict]:
    return {c["key"]: c for c in form(key)["components"] if c.get("key")}


@pytest.mark.parametrize("process", PROCESSES, ids=repr)
def test_deploy_checks_accept_the_file(process):
    parsed = parse_definition(process.file.read_bytes())  # XSD, sandbox, lanes and forms
    assert parsed.process_key == process.key
    assert parsed.name == process.name
    assert parsed.forms == {task: form_key for task, (_, form_key) in process.tasks.items()}
    assert set(parsed.lanes) == process.lanes
    assert all(role_for_lane(lane) == role for lane, role in parsed.lanes.items())


@pytest.mark.parametrize("process", PROCESSES, ids=repr)
def test_xml_is_valid_and_every_element_has_a_persian_name(process):
    tree = tree_of(process)
    schema = etree.XMLSchema(etree.parse(XSD_PATH))
    assert schema.validate(tree), str(schema.error_log)
    processes = tree.findall("bpmn:process", NS)
    assert [p.get("id") for p in processes] == [process.key]
    assert processes[0].get("isExecutable") == "true"
    participants = tree.findall("bpmn:collaboration/bpmn:participant", NS)
    assert len(participants) == 1 and participants[0].get("processRef") == process.key
    assert participants[0].get("name") == process.name
    named = list(processes[0].iterfind("bpmn:laneSet/bpmn:lane", NS)) + flow_nodes(processes[0])
    for element in named:
        assert PERSIAN.search(element.get("name") or ""), f"{element.get('id')} has no Persian name"
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", element.get("id")), element.get("id")
    for flow in processes[0].iterfind("bpmn:sequenceFlow", NS):
        if flow.find("bpmn:conditionExpression", NS) is not None:
            assert PERSIAN.search(flow.get("name") or ""), flow.get("id")


@pytest.mark.parametrize("process", PROCESSES, ids=repr)
def test_every_lane_is_a_role_and_every_user_task_has_a_form(process):
    tree = tree_of(process)
    lanes = {lane.get("name") for lane in tree.iterfind(".//bpmn:lane", NS)}
    assert lanes == process.lanes
    assert lanes <= {role.title_fa for role in ROLES}
    specs = human_task_specs(workflow_from_bpmn(process.file.read_bytes()))
    assert set(specs) == set(process.tasks)
    for task_id, spec in specs.items():
        lane, form_key = process.tasks[task_id]
        assert spec.lane == lane and role_for_lane(spec.lane), task_id
        assert spec.properties["formKey"] == form_key, task_id
        assert (FORMS_DIR / f"{form_key}.form.json").is_file(), form_key
        load_form(form_key)


def _bounds(shape):
    b = shape.find("dc:Bounds", NS)
    return tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))


def _overlap(a, b):
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


@pytest.mark.parametrize("process", PROCESSES, ids=repr)
def test_diagram_has_a_clean_layout_of_every_node_and_flow(process):
    tree = tree_of(process)
    process_el = process_element(tree)
    node_ids = {el.get("id") for el in flow_nodes(process_el)}
    flows = list(process_el.iterfind("bpmn:sequenceFlow", NS))
    lane_ids = {el.get("id") for el in process_el.iterfind(".//bpmn:lane", NS)}
    participant_id = tree.find(".//bpmn:participant", NS).get("id")
    plane = tree.find("bpmndi:BPMNDiagram/bpmndi:BPMNPlane", NS)
    assert plane.get("bpmnElement") == tree.find("bpmn:collaboration", NS).get("id")
    shapes = {s.get("bpmnElement"): s for s in plane.iterfind("bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement"): e for e in plane.iterfind("bpmndi:BPMNEdge", NS)}
    assert set(shapes) == node_ids | lane_ids | {participant_id}
    assert set(edges) == {f.get("id") for f in flows}
    bounds = {element_id: _bounds(shape) for element_id, shape in shapes.items()}

    # horizontal lanes stacked inside the one pool
    assert shapes[participant_id].get("isHorizontal") == "true"
    px, py, pw, ph = bounds[participant_id]
    bands = sorted((bounds[lane_id] for lane_id in lane_ids), key=lambda b: b[1])
    assert bands[0][1] == py and bands[-1][1] + bands[-1][3] == py + ph
    for upper, lower in zip(bands, bands[1:]):
        assert upper[1] + upper[3] == lower[1]
    for x, y, w, h in bands:
        assert x > px and x + w == px + pw
    # every node in exactly one lane, drawn inside that lane's band
    refs = [ref.text for ref in process_el.iterfind(".//bpmn:flowNodeRef", NS)]
    assert sorted(refs) == sorted(node_ids)
    for lane in process_el.iterfind(".//bpmn:lane", NS):
        lx, ly, lw, lh = bounds[lane.get("id")]
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            x, y, w, h = bounds[ref.text]
            assert lx < x and x + w < lx + lw and ly < y and y + h < ly + lh, ref.text
    # no two nodes, and no two labels, overlap; no label covers a node
    boxes = [(node_id, bounds[node_id]) for node_id in sorted(node_ids)]
    for element_id, shape in list(shapes.items()) + list(edges.items()):
        label = shape.find("bpmndi:BPMNLabel/dc:Bounds", NS)
        if label is not None:
            boxes.append((f"{element_id} label", tuple(float(label.get(k))
                                                       for k in ("x", "y", "width", "height"))))
    for i, (name_a, a) in enumerate(boxes):
        for name_b, b in boxes[i + 1:]:
            assert not _overlap(a, b), (name_a, name_b)
    # edges: orthogonal segments from the source shape to the target shape
    for flow in flows:
        points = [(float(p.get("x")), float(p.get("y")))
                  for p in edges[flow.get("id")].iterfind("di:waypoint", NS)]
        assert len(points) >= 2, flow.get("id")
        for (x1, y1), (x2, y2) in zip(points, points[1:]):
            assert x1 == x2 or y1 == y2, flow.get("id")
        for (x_, y_), ref in ((points[0], flow.get("sourceRef")), (points[-1], flow.get("targetRef"))):
            x, y, w, h = bounds[ref]
            on_border = (x <= x_ <= x + w and y <= y_ <= y + h
                         and (x_ in (x, x + w) or y_ in (y, y + h)
                              or "Gateway" in ref))
            assert on_border, (flow.get("id"), ref, (x_, y_))
        # a segment never runs through a node it does not start or end at
        for (x1, y1), (x2, y2) in zip(points, points[1:]):
            seg = (min(x1, x2), min(y1, y2), abs(x2 - x1) or 0.1, abs(y2 - y1) or 0.1)
            for node_id in node_ids - {flow.get("sourceRef"), flow.get("targetRef")}:
                assert not _overlap(seg, bounds[node_id]), (flow.get("id"), node_id)


def _condition(text: str) -> tuple[str, str]:
    """`key == "value"` -> (key, value); nothing else is allowed in these diagrams."""
    tree = ast.parse(text.strip(), mode="eval").body
    assert isinstance(tree, ast.Compare) and isinstance(tree.ops[0], ast.Eq), text
    assert isinstance(tree.left, ast.Name) and isinstance(tree.comparators[0], ast.Constant), text
    return tree.left.id, tree.comparators[0].value


@pytest.mark.parametrize("process", PROCESSES, ids=repr)
def test_every_gateway_choice_of_a_form_leads_somewhere(process):
    """Each split reads one radio of the task before it and has a flow for each of its values."""
    process_el = process_element(tree_of(process))
    flows = list(process_el.iterfind("bpmn:sequenceFlow", NS))
    gateways = process_el.findall("bpmn:exclusiveGateway", NS)
    assert gateways
    for gateway in gateways:
        incoming = [f for f in flows if f.get("targetRef") == gateway.get("id")]
        outgoing = [f for f in flows if f.get("sourceRef") == gateway.get("id")]
        assert len(incoming) == 1 and len(outgoing) >= 2, gateway.get("id")
        conditions = [_condition(f.find("bpmn:conditionExpression", NS).text) for f in outgoing]
        keys = {key for key, _ in conditions}
        assert len(keys) == 1, conditions
        key = keys.pop()
        _, form_key = process.tasks[incoming[0].get("sourceRef")]
        radio = inputs(form_key)[key]
        assert radio["type"] == "radio" and radio["validate"]["required"] is True
        assert sorted(v for _, v in conditions) == sorted(v["value"] for v in radio["values"])
    # tasks and events never split implicitly
    for node in flow_nodes(process_el):
        if not node.tag.endswith("Gateway"):
            assert len([f for f in flows if f.get("sourceRef") == node.get("id")]) <= 1


@pytest.mark.parametrize("process", PROCESSES, ids=repr)
def test_register_forms_exist_and_name_their_record(process):
    produced = {}
    for task_id, (_, form_key) in process.tasks.items():
        record = record_type_for_form(form_key)
        if record:
            produced[record.code] = form_key
    assert set(produced) == process.records
    for record in REGISTER:
        if record.code in process.records:
            assert produced[record.code] == record.form_key
            assert (FORMS_DIR / f"{record.form_key}.form.json").is_file()
            header = form(record.form_key)["components"][0]
            assert header["type"] == "text"
            assert header["text"].startswith(f"#### {record.code} — {record.title_fa}")


INPUT_TYPES = {"textfield", "textarea", "number", "select", "radio", "checkbox", "checklist",
               "datetime"}


@pytest.mark.parametrize("form_key", FORM_KEYS)
def test_form_is_a_form_js_schema_with_validation(form_key):
    schema = form(form_key)
    assert schema["type"] == "default" and schema["id"] == form_key
    assert schema["schemaVersion"] == 16
    assert schema["exporter"] == {"name": "form-js", "version": "1.7.0"}
    components = schema["components"]
    assert components[0]["type"] == "text" and PERSIAN.search(components[0]["text"])
    ids = [c["id"] for c in components]
    assert len(ids) == len(set(ids))
    fields = [c for c in components if c["type"] != "text"]
    keys = [c["key"] for c in fields]
    assert len(keys) == len(set(keys))
    assert any(not c.get("readonly") for c in fields)
    for c in fields:
        assert c["type"] in INPUT_TYPES, c
        assert SNAKE.fullmatch(c["key"]), c["key"]
        assert PERSIAN.search(c["label"]), c["key"]
        assert isinstance(c["validate"], dict), c["key"]
        if c["type"] in ("textfield", "textarea"):
            assert c["validate"]["maxLength"] > 0, c["key"]
        if c["type"] in ("select", "radio", "checklist"):
            assert c["values"] and all(PERSIAN.search(v["label"]) for v in c["values"]), c["key"]
        if c["type"] == "datetime":
            assert c["subtype"] == "date"


@pytest.mark.parametrize("process", PROCESSES, ids=repr)
def test_read_only_fields_show_what_an_earlier_task_of_the_process_recorded(process):
    form_keys = [form_key for _, form_key in process.tasks.values()]
    written = {key for form_key in form_keys for key, c in inputs(form_key).items()
               if not c.get("readonly")}
    for form_key in form_keys:
        for key, c in inputs(form_key).items():
            if c.get("readonly"):
                assert c["type"] in ("textfield", "textarea", "datetime"), (form_key, key)
                assert key in written, (form_key, key)


@pytest.mark.parametrize("form_key", ["citizen_survey", "visitor_survey"])
def test_survey_forms_ask_rated_questions_demographics_and_comments(form_key):
    fields = inputs(form_key)
    scales = [c for c in fields.values() if c["type"] == "radio"
              and [v["value"] for v in c["values"]] == ["1", "2", "3", "4", "5"]]
    assert len(scales) >= 8
    assert all(c["validate"]["required"] is True for c in scales)
    assert all(v["label"].startswith(digit) for c in scales
               for v, digit in zip(c["values"], "۱۲۳۴۵"))
    assert {"staff_behaviour", "response_time", "overall_satisfaction"} <= {c["key"] for c in scales}
    assert fields["age_group"]["validate"]["required"] is True
    assert not fields["gender"]["validate"].get("required")
    assert fields["neighbourhood"]["type"] == "textfield"
    assert fields["comments"]["type"] == "textarea"
    assert not fields["comments"]["validate"].get("required")
    if form_key == "citizen_survey":
        assert {"street_cleanliness", "street_lighting", "green_space"} <= set(fields)


@pytest.mark.parametrize("form_key", ["survey_summary", "poll_summary"])
def test_summary_forms_hold_remarks_only_the_numbers_are_computed(form_key):
    fields = inputs(form_key)
    assert {c["type"] for c in fields.values()} == {"textarea"}
    assert any(c["validate"].get("required") for c in fields.values())
