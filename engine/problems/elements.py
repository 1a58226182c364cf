"""Finding and naming the diagram element a problem concerns, in a process owner's words.

The helpers shared by the explainers of engine.problems.explain, engine.problems.spiff_refusals and
engine.problems.messages: "Task 'Approve'" rather than a tag and an id, and a BpmnError with a
short `kind` for grouping (scripts/corpus_report.py).
"""
import re

from lxml import etree

from models.errors import BpmnError
from models.messages import Message
from engine.spiff.xmlsafe import BPMN_NS, safe_parser

KIND_WORDS = {
    "process": Message("Process"), "subProcess": Message("Sub-process"),
    "transaction": Message("Transaction"), "adHocSubProcess": Message("Ad-hoc sub-process"),
    "callActivity": Message("Call activity"), "task": Message("Task"),
    "userTask": Message("User task"), "manualTask": Message("Manual task"),
    "scriptTask": Message("Script task"), "serviceTask": Message("Service task"),
    "sendTask": Message("Send task"), "receiveTask": Message("Receive task"),
    "businessRuleTask": Message("Business rule task"), "startEvent": Message("Start event"),
    "endEvent": Message("End event"), "intermediateCatchEvent": Message("Intermediate event"),
    "intermediateThrowEvent": Message("Intermediate event"),
    "boundaryEvent": Message("Boundary event"), "exclusiveGateway": Message("Exclusive gateway"),
    "inclusiveGateway": Message("Inclusive gateway"),
    "parallelGateway": Message("Parallel gateway"),
    "eventBasedGateway": Message("Event-based gateway"),
    "complexGateway": Message("Complex gateway"), "sequenceFlow": Message("Flow"),
    "dataStoreReference": Message("Data store"), "dataStore": Message("Data store"),
    "dataObjectReference": Message("Data object"), "message": Message("Message"),
    "participant": Message("Pool"), "lane": Message("Lane"), "laneSet": Message("Lane set"),
    "definitions": Message("The file"),
}


def root_of(tree):
    """The root element of a tree or element (None stays None)."""
    if tree is None:
        return None
    return tree.getroot() if hasattr(tree, "getroot") else tree


def parse_quietly(xml):
    """The root element of XML text, a tree or an element; None if it does not parse."""
    if xml is None or hasattr(xml, "getroot") or isinstance(xml, etree._Element):
        return root_of(xml)
    try:
        data = xml if isinstance(xml, bytes) else xml.encode("utf-8")
        return etree.fromstring(data, safe_parser())
    except (etree.XMLSyntaxError, ValueError):
        return None


def local_name(element) -> str:
    """The tag without its namespace ("" for comments and processing instructions)."""
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def find(root, element_id):
    """The element with this id, or None."""
    if root is None or not element_id:
        return None
    found = root.xpath("//*[@id=$i]", i=element_id)
    return found[0] if found else None


def kind_word(tag: str | None):
    """What a process owner calls an element of this tag: a Message to translate, or the tag
    itself when it is not one of the known kinds."""
    return KIND_WORDS.get((tag or "").rsplit(":", 1)[-1]) or (tag or "")


def describe(element, fallback_tag: str | None = None, element_id: str | None = None) -> str:
    """"Task 'Approve'" for an element with a name, "Task 'Activity_1x'" (its id) otherwise."""
    if element is None:
        kind = KIND_WORDS.get((fallback_tag or "").rsplit(":", 1)[-1]) or Message("The element")
        return Message("{kind} {id!r}", kind=kind, id=element_id) if element_id else kind
    kind = kind_word(local_name(element))
    name = " ".join((element.get("name") or "").split())
    if local_name(element) == "definitions":
        return kind
    return Message("{kind} '{name}'", kind=kind, name=name) if name else \
        Message("{kind} {id!r}", kind=kind, id=element.get("id"))


def located_error(message, kind, element=None, element_id=None, line=None, tag=None) -> BpmnError:
    """A BpmnError of this kind on the element (its id, line and tag unless given)."""
    if element is not None:
        element_id = element_id or element.get("id")
        line = line or element.sourceline
        tag = tag or local_name(element)
    error = BpmnError(message, element_id=element_id or None, line=line or None,
                      tag=(tag or "").rsplit(":", 1)[-1] or None)
    error.kind = kind
    return error


def problem_kind(error) -> str:
    """The group a problem belongs to, for counting (e.g. "no start event")."""
    return getattr(error, "kind", None) or "other"

def outgoing_flows(root, element):
    """The sequence flows that leave this element."""
    if root is None or element is None:
        return []
    return [f for f in root.iter(f"{{{BPMN_NS}}}sequenceFlow") if f.get("sourceRef") == element.get("id")]


def pool_of(root, process):
    """The pool (participant) that shows this process, or None."""
    if root is None or process is None:
        return None
    for participant in root.iter(f"{{{BPMN_NS}}}participant"):
        if participant.get("processRef") == process.get("id"):
            return participant
    return None
def clean_message(message: str) -> str:
    """The message on one line, with lxml's element reprs reduced to their tag."""
    message = " ".join(str(message).split())
    message = re.sub(r"<Element \{[^}]*\}(\w+) at 0x[0-9a-f]+>", r"\1", message)
    return message

