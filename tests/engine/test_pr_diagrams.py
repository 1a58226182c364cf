"""The PR unit's diagrams (website_update, press_conference, news) as at deploy: the checks of
engine.spiff.parsing, one executable process in one pool with Persian names and stable ids, lanes
named after roles, a shape for every node and an edge for every flow, gateway conditions the
sandbox accepts.
"""
from __future__ import annotations

import ast

import pytest

from engine.spiff.code_checks import check_expression
from engine.spiff.parsing import parse_definition
from people.roles import ROLES, role_for_lane
from pr_processes_support import PROCESS_IDS, PROCESSES, flow_nodes, tree_of
from tests.diagram_conventions import NS, PERSIAN, STABLE_ID, assert_lanes_stacked_in_the_pool


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

    # one pool of horizontal lanes stacked without gaps, every node inside its lane's band
    assert shapes[participant_id].get("isHorizontal") == "true"
    assert all(shapes[lane_id].get("isHorizontal") == "true" for lane_id in lane_ids)
    assert_lanes_stacked_in_the_pool(process, bounds, participant_id, lane_ids, node_ids)
    px, _, pw, _ = bounds(participant_id)
    # nodes do not overlap
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
