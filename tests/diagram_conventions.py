"""What the diagram tests read in a BPMN file: namespaces, flow-node tags, naming patterns."""
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
