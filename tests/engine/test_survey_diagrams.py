"""The survey and poll diagrams as files: the deploy checks (engine.spiff.parsing), the BPMN schema,
Persian names, lanes that are roles, a form for every user task, a clean layout, and gateway
choices that each lead somewhere.
"""
from __future__ import annotations

import ast
import re

import pytest
from lxml import etree

from formjs.forms import load_form
from engine.harness import human_task_specs, workflow_from_bpmn
from engine.spiff.parsing import parse_definition
from engine.spiff.xmlsafe import XSD_PATH
from people.roles import ROLES, role_for_lane
from survey_processes_support import (FORMS_DIR, PROCESSES, flow_nodes, inputs, process_element,
                                      tree_of)
from tests.diagram_conventions import NS, PERSIAN, assert_lanes_stacked_in_the_pool


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
    # every node in exactly one lane, drawn inside that lane's band
    assert_lanes_stacked_in_the_pool(process_el, bounds.__getitem__, participant_id, lane_ids, node_ids)
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
