"""Differences between two versions of a diagram, element by element, and as a unified XML diff."""
import difflib
from dataclasses import dataclass, field

from lxml import etree

from modeling.rules import NS, label
from engine.spiff.xmlsafe import parse_bpmn_xml

# Compared for every element with an id in the process part of the file (the layout is not).
FIELDS = ("name", "type", "incoming", "outgoing", "source", "target", "form", "lane",
          "timer", "condition", "script", "attached_to")


@dataclass
class ElementChange:
    """One element added, removed or changed, with the fields that differ (old, new)."""
    element_id: str
    change: str                 # added | removed | changed
    type: str
    name: str
    fields: list = field(default_factory=list)   # [(field, old, new)]


def _text(element, xpath: str) -> str:
    return "\n".join((node.text or "").strip() for node in element.xpath(xpath, namespaces=NS)
                     if (node.text or "").strip())


def _describe(element, lanes: dict) -> dict:
    """The fields of an element a process owner cares about, as text."""
    element_id = element.get("id")
    form = element.xpath("bpmn:extensionElements/spiffworkflow:properties/"
                         "spiffworkflow:property[@name='formKey']/@value", namespaces=NS)
    return {
        "name": label(element) if element.get("name") else "",
        "type": etree.QName(element).localname,
        "incoming": ", ".join(sorted(n.text.strip() for n in element.iterfind("bpmn:incoming", NS) if n.text)),
        "outgoing": ", ".join(sorted(n.text.strip() for n in element.iterfind("bpmn:outgoing", NS) if n.text)),
        "source": element.get("sourceRef") or "",
        "target": element.get("targetRef") or "",
        "attached_to": element.get("attachedToRef") or "",
        "form": form[0] if form else "",
        "lane": lanes.get(element_id, ""),
        "timer": _text(element, "bpmn:timerEventDefinition/*"),
        "condition": _text(element, "bpmn:conditionExpression | bpmn:conditionalEventDefinition/bpmn:condition"),
        "script": _text(element, "bpmn:script | bpmn:extensionElements/spiffworkflow:preScript"
                                 " | bpmn:extensionElements/spiffworkflow:postScript"),
    }


def _elements(xml: str) -> dict:
    root = parse_bpmn_xml(xml).getroot()
    lanes = {}
    for lane in root.iterfind(".//bpmn:lane", NS):
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            lanes[(ref.text or "").strip()] = label(lane)
    found = {}
    for process in root.iterfind("bpmn:process", NS):
        for element in process.iter():
            if not isinstance(element.tag, str) or not element.get("id"):
                continue
            if etree.QName(element).localname in ("laneSet", "lane", "flowNodeRef"):
                continue  # a lane change shows on the elements it moved
            found[element.get("id")] = _describe(element, lanes)
    return found


def compare(xml_a: str, xml_b: str) -> list[ElementChange]:
    """What changed from a to b: removed, added, then changed elements, each by id."""
    a, b = _elements(xml_a), _elements(xml_b)
    changes = []
    for element_id in sorted(set(a) - set(b)):
        changes.append(ElementChange(element_id, "removed", a[element_id]["type"], a[element_id]["name"]))
    for element_id in sorted(set(b) - set(a)):
        changes.append(ElementChange(element_id, "added", b[element_id]["type"], b[element_id]["name"]))
    for element_id in sorted(set(a) & set(b)):
        differing = [(name, a[element_id][name], b[element_id][name]) for name in FIELDS
                     if a[element_id][name] != b[element_id][name]]
        if differing:
            changes.append(ElementChange(element_id, "changed", b[element_id]["type"],
                                         b[element_id]["name"] or a[element_id]["name"], differing))
    return changes


def unified(xml_a: str, xml_b: str, label_a: str, label_b: str) -> str:
    """A unified diff of the two files' text."""
    return "\n".join(difflib.unified_diff(xml_a.splitlines(), xml_b.splitlines(),
                                          fromfile=label_a, tofile=label_b, lineterm=""))
