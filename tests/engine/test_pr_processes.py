"""The PR unit's procedures of section 6-5 of P-__-0-2-01: processes/website_update.bpmn
(به‌روزرسانی وب‌سایت), processes/press_conference.bpmn (نشست خبری) and processes/news.bpmn
(تهیه و اعلام خبر), with their forms.

Each file is checked as at deploy (engine.parsing), as a diagram (a shape for every node, an
edge for every flow, lanes stacked in one pool) and for its lanes, tasks and forms; then every
path through every gateway, each return loop once, is driven to its end event through the
engine's harness, completing each task with data its form accepts.
"""
from __future__ import annotations

import ast
import json

import pytest
from jinja2 import Environment, FileSystemLoader
from lxml import etree

from engine.code_checks import check_expression
from engine.forms import load_form, validate_submission
from engine.harness import (complete_ready_task, human_task_specs, ready_task_data,
                            ready_task_ids, workflow_from_bpmn)
from engine.parsing import parse_definition
from engine.records import REGISTER, record_type_for_form
from engine.workflows import (active_elements, completed_elements, dump_workflow, load_workflow,
                              ready_human_tasks, run_engine)
from people.roles import ROLES, role_for_lane
from pr_processes_support import (ACCURATE_COVERAGE, FORMS_DIR, INFORM_REQUEST,
                                  MISREPORTED_COVERAGE, PATHS, PROCESSES, ROOT, PathCase)
from tests.diagram_conventions import FLOW_NODE_TAGS, NS, PERSIAN, SNAKE, STABLE_ID

INPUT_TYPES = {"textfield", "textarea", "number", "select", "radio", "checkbox", "checklist",
               "datetime"}

PROCESS_IDS = sorted(PROCESSES)
FORM_KEYS = sorted({form for spec in PROCESSES.values() for _, form in spec.user_tasks.values()})
PATH_CASES = [(pid, name) for pid in PROCESS_IDS for name in PATHS[pid]]


def tree_of(process_id: str):
    return etree.parse(str(PROCESSES[process_id].bpmn_file))


def flow_nodes(process) -> list:
    return [el for tag in FLOW_NODE_TAGS for el in process.iterfind(f"bpmn:{tag}", NS)]


def form_schema(form_key: str) -> dict:
    return json.loads((FORMS_DIR / f"{form_key}.form.json").read_text(encoding="utf-8"))


def input_components(components, inside_list=False):
    """(component, inside a dynamiclist?) for every input, descending into groups and lists."""
    for c in components:
        if c["type"] in ("group", "dynamiclist"):
            yield from input_components(c["components"], inside_list or c["type"] == "dynamiclist")
        elif c["type"] in INPUT_TYPES:
            yield c, inside_list


# ---------------------------------------------------------------- the files as at deploy

@pytest.mark.parametrize("process_id", PROCESS_IDS)
def test_parse_definition_accepts_the_file(process_id):
    spec = PROCESSES[process_id]
    parsed = parse_definition(spec.bpmn_file.read_bytes())
    assert parsed.process_key == process_id
    assert parsed.name == spec.name
    assert parsed.lanes == spec.lanes
    assert parsed.forms == {task: form for task, (_, form) in spec.user_tasks.items()}


@pytest.mark.parametrize("process_id", PROCESS_IDS)
def test_one_executable_process_in_one_pool_with_persian_names_and_stable_ids(process_id):
    tree = tree_of(process_id)
    processes = tree.findall("bpmn:process", NS)
    assert [p.get("id") for p in processes] == [process_id]
    process = processes[0]
    assert process.get("isExecutable") == "true"
    assert process.get("name") == PROCESSES[process_id].name
    assert PERSIAN.search(process.findtext("bpmn:documentation", namespaces=NS))
    participants = tree.findall("bpmn:collaboration/bpmn:participant", NS)
    assert len(participants) == 1 and participants[0].get("processRef") == process_id
    assert participants[0].get("name") == PROCESSES[process_id].name
    named = list(process.iterfind("bpmn:laneSet/bpmn:lane", NS)) + flow_nodes(process)
    for element in named:
        assert PERSIAN.search(element.get("name") or ""), f"{element.get('id')} has no Persian name"
    ids = [el.get("id") for el in tree.getroot().iter() if isinstance(el.tag, str) and el.get("id")]
    assert len(ids) == len(set(ids))
    for element_id in ids:
        assert STABLE_ID.fullmatch(element_id), element_id
        assert element_id not in {"Start", "End", "Root"}
    # flows leaving a gateway are named after the choice they stand for
    gateways = {g.get("id") for g in process.iterfind("bpmn:exclusiveGateway", NS)}
    for flow in process.iterfind("bpmn:sequenceFlow", NS):
        if flow.get("sourceRef") in gateways:
            assert PERSIAN.search(flow.get("name") or ""), flow.get("id")


@pytest.mark.parametrize("process_id", PROCESS_IDS)
def test_every_lane_is_named_after_a_role_by_its_persian_title(process_id):
    lanes = {lane.get("name") for lane in tree_of(process_id).iterfind(".//bpmn:lane", NS)}
    assert lanes == set(PROCESSES[process_id].lanes)
    titles = {role.code: role.title_fa for role in ROLES}
    for name in lanes:
        role = role_for_lane(name)
        assert role == PROCESSES[process_id].lanes[name]
        assert titles[role] == name


@pytest.mark.parametrize("process_id", PROCESS_IDS)
def test_diagram_has_a_shape_for_every_node_and_an_edge_for_every_flow(process_id):
    tree = tree_of(process_id)
    process = tree.find("bpmn:process", NS)
    node_ids = {el.get("id") for el in flow_nodes(process)}
    flow_ids = {el.get("id") for el in process.iterfind("bpmn:sequenceFlow", NS)}
    lane_ids = {el.get("id") for el in process.iterfind(".//bpmn:lane", NS)}
    participant_id = tree.find(".//bpmn:participant", NS).get("id")
    plane = tree.find("bpmndi:BPMNDiagram/bpmndi:BPMNPlane", NS)
    assert plane.get("bpmnElement") == tree.find("bpmn:collaboration", NS).get("id")
    shapes = {s.get("bpmnElement"): s for s in plane.iterfind("bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement"): e for e in plane.iterfind("bpmndi:BPMNEdge", NS)}
    assert node_ids | lane_ids | {participant_id} == set(shapes)
    assert flow_ids == set(edges)

    def bounds(element_id):
        b = shapes[element_id].find("dc:Bounds", NS)
        return tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))

    # one pool of horizontal lanes stacked without gaps
    assert shapes[participant_id].get("isHorizontal") == "true"
    px, py, pw, ph = bounds(participant_id)
    bands = sorted((bounds(lane_id) for lane_id in lane_ids), key=lambda b: b[1])
    assert all(shapes[lane_id].get("isHorizontal") == "true" for lane_id in lane_ids)
    assert bands[0][1] == py and bands[-1][1] + bands[-1][3] == py + ph
    for upper, lower in zip(bands, bands[1:]):
        assert upper[1] + upper[3] == lower[1]
    for x, y, w, h in bands:
        assert x > px and x + w == px + pw
    # every node is in exactly one lane and drawn inside its band, and nodes do not overlap
    refs = [ref.text for ref in process.iterfind(".//bpmn:flowNodeRef", NS)]
    assert sorted(refs) == sorted(node_ids)
    for lane in process.iterfind(".//bpmn:lane", NS):
        lx, ly, lw, lh = bounds(lane.get("id"))
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            x, y, w, h = bounds(ref.text)
            assert lx < x and x + w < lx + lw and ly < y and y + h < ly + lh, \
                f"{ref.text} outside {lane.get('name')}"
    boxes = sorted((bounds(n), n) for n in node_ids)
    for i, ((ax, ay, aw, ah), a) in enumerate(boxes):
        for (bx, by, bw, bh), b in boxes[i + 1:]:
            assert ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay, (a, b)
    # edges are orthogonal polylines from their source's shape to their target's shape
    for flow in process.iterfind("bpmn:sequenceFlow", NS):
        points = [(float(p.get("x")), float(p.get("y")))
                  for p in edges[flow.get("id")].iterfind("di:waypoint", NS)]
        assert len(points) >= 2, flow.get("id")
        for (x1, y1), (x2, y2) in zip(points, points[1:]):
            assert x1 == x2 or y1 == y2, flow.get("id")
        for (ex, ey), ref in ((points[0], flow.get("sourceRef")), (points[-1], flow.get("targetRef"))):
            x, y, w, h = bounds(ref)
            assert x - 1 <= ex <= x + w + 1 and y - 1 <= ey <= y + h + 1, (flow.get("id"), ref)
    # every node sits inside the pool's drawing area, right of the lane titles
    for node in node_ids:
        x, y, w, h = bounds(node)
        assert px + 30 < x and x + w < px + pw


@pytest.mark.parametrize("process_id", PROCESS_IDS)
def test_gateway_conditions_are_sandbox_expressions_and_tasks_never_split(process_id):
    process = tree_of(process_id).find("bpmn:process", NS)
    flows = list(process.iterfind("bpmn:sequenceFlow", NS))
    gateways = {g.get("id"): g for g in process.iterfind("bpmn:exclusiveGateway", NS)}
    for gateway_id, gateway in gateways.items():
        outgoing = [f for f in flows if f.get("sourceRef") == gateway_id]
        incoming = [f for f in flows if f.get("targetRef") == gateway_id]
        assert len(outgoing) == 2 and len(incoming) == 1, gateway_id
        for flow in outgoing:
            condition = flow.find("bpmn:conditionExpression", NS)
            assert condition is not None, flow.get("id")
            assert check_expression(condition.text) is None, condition.text
            tree = ast.parse(condition.text.strip(), mode="eval")
            names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
            assert not any(name.startswith("_") for name in names), condition.text
    for node in flow_nodes(process):
        if node.get("id") not in gateways:
            assert len([f for f in flows if f.get("sourceRef") == node.get("id")]) <= 1, node.get("id")
    assert not process.findall(".//bpmn:scriptTask", NS)


# ---------------------------------------------------------------- tasks, lanes and forms

@pytest.mark.parametrize("process_id", PROCESS_IDS)
def test_every_user_task_has_a_form_file_and_a_role_lane(process_id):
    spec = PROCESSES[process_id]
    specs = human_task_specs(workflow_from_bpmn(spec.bpmn_file.read_bytes()))
    assert set(specs) == set(spec.user_tasks)
    for task_id, task_spec in specs.items():
        lane, form_key = spec.user_tasks[task_id]
        assert task_spec.properties["formKey"] == form_key, task_id
        assert (FORMS_DIR / f"{form_key}.form.json").is_file(), form_key
        assert task_spec.lane == lane, task_id
        assert role_for_lane(task_spec.lane) == spec.lanes[lane], task_id


@pytest.mark.parametrize("process_id", PROCESS_IDS)
def test_the_process_produces_its_quality_records(process_id):
    spec = PROCESSES[process_id]
    produced = {record_type_for_form(form).code for _, form in spec.user_tasks.values()
                if record_type_for_form(form)}
    assert produced == spec.records


def test_the_pr_processes_produce_records_f10_to_f17():
    codes = {f"F-__-0-2-{n:02d}" for n in range(10, 18)}
    assert set().union(*(spec.records for spec in PROCESSES.values())) == codes
    assert {r.form_key for r in REGISTER if r.code in codes} <= set(FORM_KEYS)


@pytest.mark.parametrize("form_key", FORM_KEYS)
def test_form_is_a_form_js_schema_with_persian_labels_and_validation(form_key):
    schema = form_schema(form_key)
    assert load_form(form_key) == schema
    assert schema["type"] == "default"
    assert schema["id"] == form_key
    assert schema["schemaVersion"] == 16
    assert schema["exporter"] == {"name": "form-js", "version": "1.7.0"}
    components = schema["components"]
    header = components[0]
    assert header["type"] == "text" and PERSIAN.search(header["text"])
    record = record_type_for_form(form_key)
    if record:  # a register form names its record: "F-__-0-2-17 — درخواست اطلاع‌رسانی ..."
        assert header["text"].startswith(f"#### {record.code} — {record.title_fa}\n"), header["text"]

    def all_ids(comps):
        for c in comps:
            yield c["id"]
            yield from all_ids(c.get("components", []))

    ids = list(all_ids(components))
    assert len(ids) == len(set(ids))
    inputs = list(input_components(components))
    assert inputs
    top_keys = [c["key"] for c, in_list in inputs if not in_list]
    assert len(top_keys) == len(set(top_keys))
    assert any(c.get("validate", {}).get("required") for c, _ in inputs), "nothing is required"
    for c, _ in inputs:
        assert SNAKE.fullmatch(c["key"]), c["key"]
        assert PERSIAN.search(c["label"]), c["key"]
        if c["type"] in ("select", "radio", "checklist"):
            assert c["values"] and all(PERSIAN.search(v["label"]) for v in c["values"]), c["key"]
        if c["type"] in ("textfield", "textarea"):
            assert c["validate"]["maxLength"] > 0, c["key"]
        if c["type"] == "datetime":
            assert c["subtype"] in ("date", "time")
    for c in components:
        if c["type"] == "dynamiclist":
            assert SNAKE.fullmatch(c["path"]) and PERSIAN.search(c["label"])
            assert c["isRepeating"] is True and c["allowAddRemove"] is True


def test_decision_forms_offer_exactly_the_choices_the_gateways_test():
    choices = {
        ("inform_review", "review_decision"): {"approve", "return"},
        ("publication_check", "check_result"): {"ok", "fix"},
        ("press_schedule_approval", "schedule_decision"): {"approve", "reschedule"},
        ("press_report_review", "report_decision"): {"approve", "return"},
        ("news_review", "news_decision"): {"approve", "return"},
        ("rebuttal_signoff", "signoff_decision"): {"sign", "return"},
    }
    conditions = " ".join(c.text for pid in PROCESS_IDS
                          for c in tree_of(pid).iterfind(".//bpmn:conditionExpression", NS))
    for (form_key, key), values in choices.items():
        component = next(c for c, _ in input_components(form_schema(form_key)["components"])
                         if c["key"] == key)
        assert component["type"] == "radio" and component["validate"]["required"] is True
        assert {v["value"] for v in component["values"]} == values
        for value in values:
            assert f'{key} == "{value}"' in conditions


@pytest.mark.parametrize("form_key", FORM_KEYS)
def test_form_renders_on_the_server_with_a_field_for_every_input(form_key):
    env = Environment(loader=FileSystemLoader(str(ROOT / "app" / "templates")), autoescape=True)
    template = env.from_string('{% from "forms/_formjs.html" import render_form %}'
                               "{{ render_form(schema, values={}, errors={}) }}")
    page = template.render(schema=load_form(form_key))
    for component in form_schema(form_key)["components"]:
        if component["type"] == "dynamiclist":
            for c, _ in input_components(component["components"]):
                assert f'name="{component["path"]}[0].{c["key"]}"' in page, c["key"]
        elif component["type"] in INPUT_TYPES:
            assert f'name="{component["key"]}"' in page, component["key"]


def test_forms_check_what_people_type():
    def errors(form_key, data):
        return validate_submission(load_form(form_key), data)[1]

    assert set(errors("inform_request", {})) == {
        "requesting_unit", "subject", "message_text", "desired_publication_date", "channels"}
    assert errors("inform_request", {**INFORM_REQUEST, "channels": ["fax"]}) == {
        "channels": "مقدار انتخاب‌شده مجاز نیست."}
    clean, problems = validate_submission(load_form("inform_request"), INFORM_REQUEST)
    assert not problems and clean["desired_publication_date"] == "2025-08-11"  # 1404/05/20
    assert "publication_url" in errors("publication_record", {
        "publication_url": "district3.example.ir", "published_on": "2025-08-12",
        "published_channels": ["website"]})
    assert set(errors("press_schedule", {"conference_date": "2025-09-01"})) == {
        "conference_time", "conference_place", "topics"}
    assert set(errors("press_attendance", {"attendees": [{"name": "", "outlet": "ایرنا"}]})) == {
        "attendees[0].name"}
    assert set(errors("press_monitoring", {"coverage": [
        {"outlet": "ایرنا", "published_on": "2025-08-13", "headline": "تیتر", "accurate": "maybe"}]})) == {
        "coverage[0].accurate"}
    assert set(errors("press_rebuttal", {"outlet": "ایرنا"})) == {
        "misreported_text", "correct_text", "letter_number"}
    assert set(errors("news_preparation", {})) == {
        "headline", "lead", "body", "source_unit", "priority"}


# ---------------------------------------------------------------- runs: every path to its end

def start(process_id: str):
    wf = workflow_from_bpmn(PROCESSES[process_id].bpmn_file.read_bytes())
    run_engine(wf)
    return wf


def submit(wf, process_id: str, task_id: str, data: dict):
    """Complete the one ready task as the application would: its form validates and types the
    data, the lane names the role that is offered the task; then survive a save and load."""
    lane, form_key = PROCESSES[process_id].user_tasks[task_id]
    assert ready_task_ids(wf) == [task_id]
    ready = next(t for t in ready_human_tasks(wf) if t.task_spec == task_id)
    assert (ready.lane, ready.form_key) == (lane, form_key)
    clean, errors = validate_submission(load_form(form_key), data)
    assert not errors, (task_id, errors)
    complete_ready_task(wf, task_id, clean)
    return load_workflow(dump_workflow(wf))


def run_path(process_id: str, case: PathCase):
    wf = start(process_id)
    for task_id, data in case.steps:
        wf = submit(wf, process_id, task_id, data)
    return wf


def end_events(wf) -> dict[str, int]:
    return {bpmn_id: n for bpmn_id, n in completed_elements(wf).items()
            if bpmn_id.startswith("EndEvent_")}


@pytest.mark.parametrize("process_id,path_name", PATH_CASES)
def test_path_runs_to_its_end_event(process_id, path_name):
    case = PATHS[process_id][path_name]
    wf = run_path(process_id, case)
    assert ready_task_ids(wf) == []
    assert wf.is_completed()
    assert active_elements(wf) == []
    assert end_events(wf) == {case.end_event: 1}
    done = completed_elements(wf)
    for task_id in {task for task, _ in case.steps}:
        assert done[task_id] == case.counts.get(task_id, 1), task_id
    not_run = set(PROCESSES[process_id].user_tasks) - {task for task, _ in case.steps}
    assert not not_run & set(done)


@pytest.mark.parametrize("process_id", PROCESS_IDS)
def test_the_paths_together_pass_every_node_and_reach_every_end_event(process_id):
    process = tree_of(process_id).find("bpmn:process", NS)
    seen = set()
    for case in PATHS[process_id].values():
        seen |= set(completed_elements(run_path(process_id, case)))
    assert {el.get("id") for el in flow_nodes(process)} <= seen
    assert PROCESSES[process_id].end_events == {c.end_event for c in PATHS[process_id].values()}
    # every return flow (a gateway's branch back to a task reached before) is taken in some path
    flows = list(process.iterfind("bpmn:sequenceFlow", NS))
    gateways = {g.get("id") for g in process.iterfind("bpmn:exclusiveGateway", NS)}
    returns = {f.get("targetRef") for f in flows if f.get("sourceRef") in gateways
               and len([g for g in flows if g.get("targetRef") == f.get("targetRef")]) > 1}
    looped = {task for case in PATHS[process_id].values() for task, n in case.counts.items() if n == 2}
    assert returns and returns <= looped


def test_website_update_return_reason_reaches_the_pr_expert():
    wf = start("website_update")
    wf = submit(wf, "website_update", "Task_register_inform_request", INFORM_REQUEST)
    wf = submit(wf, "website_update", "Task_review_inform_request",
                {"review_decision": "return", "review_reason": "متن ناقص است"})
    data = ready_task_data(wf, "Task_register_inform_request")
    assert data["review_reason"] == "متن ناقص است"
    assert data["subject"] == INFORM_REQUEST["subject"]  # what was registered is kept for the edit


def test_press_conference_data_is_kept_as_lists():
    case = PATHS["press_conference"]["approved_held_and_reported"]
    wf = run_path("press_conference", case)
    assert [m["outlet"] for m in wf.data["invited_media"]] == ["خبرگزاری ایرنا", "روزنامه عصر"]
    assert [a["signature_received"] for a in wf.data["attendees"]] == [True, False]
    assert wf.data["conference_time"] == "10:00"


@pytest.mark.parametrize("coverage,end_event", [
    (ACCURATE_COVERAGE, "EndEvent_news_accurate"),
    (MISREPORTED_COVERAGE, "Task_draft_rebuttal"),
    ({"coverage": [{"outlet": "الف", "published_on": "2025-08-13", "headline": "ت", "accurate": "no"}]},
     "Task_draft_rebuttal"),
])
def test_one_inaccurate_coverage_row_is_enough_for_a_rebuttal(coverage, end_event):
    wf = start("news")
    for task_id, data in PATHS["news"]["released_and_accurately_covered"].steps[:-1]:
        wf = submit(wf, "news", task_id, data)
    wf = submit(wf, "news", "Task_monitor_press", coverage)
    if end_event.startswith("EndEvent_"):
        assert wf.is_completed() and end_events(wf) == {end_event: 1}
    else:
        assert ready_task_ids(wf) == [end_event]
        assert ready_human_tasks(wf)[0].lane == "کارشناس روابط عمومی"
