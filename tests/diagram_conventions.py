"""What the diagram tests read in a BPMN file: namespaces, flow-node tags, naming patterns, and
the layout every diagram of processes/ keeps (one pool of horizontal lanes)."""
import re

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
PERSIAN = re.compile(r"[\u0600-\u06FF]")
SNAKE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
STABLE_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def assert_lanes_stacked_in_the_pool(process_el, bounds, participant_id, lane_ids, node_ids):
    """Lanes stacked without gaps across the one pool; every node in one lane, inside its band.

    bounds(element_id) is (x, y, width, height) of the element's shape."""
    px, py, pw, ph = bounds(participant_id)
    bands = sorted((bounds(lane_id) for lane_id in lane_ids), key=lambda b: b[1])
    assert bands[0][1] == py and bands[-1][1] + bands[-1][3] == py + ph
    for upper, lower in zip(bands, bands[1:]):
        assert upper[1] + upper[3] == lower[1]
    for x, y, w, h in bands:
        assert x > px and x + w == px + pw
    refs = [ref.text for ref in process_el.iterfind(".//bpmn:flowNodeRef", NS)]
    assert sorted(refs) == sorted(node_ids)
    for lane in process_el.iterfind(".//bpmn:lane", NS):
        lx, ly, lw, lh = bounds(lane.get("id"))
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            x, y, w, h = bounds(ref.text)
            assert lx < x and x + w < lx + lw and ly < y and y + h < ly + lh, \
                f"{ref.text} outside {lane.get('name')}"
