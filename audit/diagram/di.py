"""Reading a BPMN file's diagram interchange (DI) for drawing: bounds, waypoints, kinds, names."""
import math

from lxml import etree

from models.errors import BpmnError, BpmnValidationError
from engine import dtd_line, safe_parser, xml_bytes

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DI_NS = {"bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
         "dc": "http://www.omg.org/spec/DD/20100524/DC",
         "di": "http://www.omg.org/spec/DD/20100524/DI"}

ACTIVITIES = {"task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask",
              "receiveTask", "businessRuleTask", "callActivity", "subProcess", "transaction",
              "adHocSubProcess"}
EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
          "boundaryEvent"}
GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
            "complexGateway"}
CONTAINERS = {"participant", "lane"}


def parse_diagram(bpmn_xml: str | bytes):
    """The root element, parsed without DTDs, entities or network (engine.spiff.xmlsafe)."""
    data = xml_bytes(bpmn_xml)
    if dtd_line(data):
        raise BpmnValidationError([BpmnError("The file contains a DOCTYPE; it is not drawn.")])
    try:
        return etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise BpmnValidationError([BpmnError(f"The file is not well-formed XML: {exc.msg}",
                                             line=exc.lineno)]) from None


def bounds(node) -> tuple[float, float, float, float] | None:
    """(x, y, width, height) of a DI shape or label; None if missing or not finite."""
    found = node.find("dc:Bounds", DI_NS)
    if found is None:
        return None
    try:
        x, y, w, h = (float(found.get(k, "")) for k in ("x", "y", "width", "height"))
    except ValueError:
        return None
    return (x, y, w, h) if all(map(math.isfinite, (x, y, w, h))) else None


def waypoints(edge) -> list[tuple[float, float]]:
    """The finite waypoints of a DI edge."""
    points = []
    for wp in edge.iterfind("di:waypoint", DI_NS):
        try:
            x, y = float(wp.get("x", "")), float(wp.get("y", ""))
        except ValueError:
            continue
        if math.isfinite(x) and math.isfinite(y):
            points.append((x, y))
    return points


def plane_box(plane) -> tuple[float, float, float, float] | None:
    """(min x, min y, max x, max y) over the plane's shapes, labels and waypoints."""
    xs, ys = [], []
    for node in plane.iter():
        if not isinstance(node.tag, str):
            continue
        b = bounds(node) if etree.QName(node).localname in ("BPMNShape", "BPMNLabel") else None
        if b:
            xs += [b[0], b[0] + b[2]]
            ys += [b[1], b[1] + b[3]]
        if etree.QName(node).localname == "BPMNEdge":
            for x, y in waypoints(node):
                xs.append(x)
                ys.append(y)
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


def bpmn_kind(el) -> str:
    """The BPMN tag without its namespace ("" for other namespaces' extensions)."""
    qname = etree.QName(el)
    return qname.localname if qname.namespace in (BPMN_NS, None) else ""


def element_name(el) -> str:
    """The name to write for an element on one line (a text annotation's text)."""
    if bpmn_kind(el) == "textAnnotation":
        node = el.find(f"{{{BPMN_NS}}}text")
        return " ".join((node.text or "").split()) if node is not None else ""
    return " ".join((el.get("name") or "").split())
