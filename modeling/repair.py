"""Repairs of BPMN files from other modelling tools where their intent is unambiguous.

Modelling tools write things SpiffWorkflow 3.2 refuses or misreads although the meaning is clear
to any reader of the diagram (../shared/corpus/README.md):

- a task or event with several outgoing flows without conditions: BPMN's implicit parallel split.
  A parallel gateway is put after it (with a shape, and the flows' edges start from it);
- a timer written as a bare ISO 8601 literal (P7D, 2026-01-01T10:00:00, R3/PT1H): this system
  evaluates timer expressions as Python, so the literal is quoted ("P7D");
- a message without a name: it is named by its id (SpiffWorkflow matches messages by name);
- an exclusive or inclusive gateway whose flows all have conditions but one, and no default:
  that one is the default flow (what tools mean by an unlabelled "otherwise" branch);
- definitions without the targetNamespace BPMN 2.0 requires: one is added (no meaning at all).

Anything whose meaning is not clear (conditional flows out of a task, labelled branches without
conditions, expressions in another tool's language) is left for engine.problems.explain to report.
A file needing no repair comes back byte for byte; a repaired one keeps its namespaces and
prefixes, only the repaired elements change.
"""
import re
from dataclasses import dataclass, field

from lxml import etree

from engine.spiff.xmlsafe import BPMN_NS, safe_parser
from models.messages import Message

BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
NS = {"bpmn": BPMN_NS, "bpmndi": BPMNDI_NS, "dc": DC_NS, "di": DI_NS}

ACTIVITIES = {"task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask",
              "receiveTask", "businessRuleTask", "subProcess", "callActivity", "transaction",
              "adHocSubProcess"}
EVENTS = {"startEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"}
KIND_WORDS = {
    "task": Message("Task"), "userTask": Message("User task"),
    "manualTask": Message("Manual task"), "scriptTask": Message("Script task"),
    "serviceTask": Message("Service task"), "sendTask": Message("Send task"),
    "receiveTask": Message("Receive task"), "businessRuleTask": Message("Business rule task"),
    "subProcess": Message("Sub-process"), "callActivity": Message("Call activity"),
    "transaction": Message("Transaction"), "adHocSubProcess": Message("Ad-hoc sub-process"),
    "startEvent": Message("Start event"), "endEvent": Message("End event"),
    "intermediateCatchEvent": Message("Intermediate event"),
    "intermediateThrowEvent": Message("Intermediate event"),
    "boundaryEvent": Message("Boundary event"), "exclusiveGateway": Message("Exclusive gateway"),
    "inclusiveGateway": Message("Inclusive gateway"),
}

_DURATION = r"P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?"
_DATETIME = r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?"
ISO_DURATION = re.compile(f"^{_DURATION}$")
ISO_DATETIME = re.compile(f"^{_DATETIME}$")
ISO_CYCLE = re.compile(f"^R\\d*/(({_DURATION})|({_DATETIME}))(/(({_DURATION})|({_DATETIME})))?$")

GATEWAY_SIZE = 36  # smaller than bpmn-js's 50 so that it fits in the usual gap between shapes


@dataclass
class RepairResult:
    xml: bytes
    notes: list = field(default_factory=list)  # [(element_id, Message: English, translatable)]


def local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def describe(element) -> Message:
    """How a process owner names an element: "Task 'Approve'" (or its id when it has no name)."""
    kind = KIND_WORDS.get(local(element), local(element))
    name = (element.get("name") or "").strip()
    return (Message("{kind} '{name}'", kind=kind, name=name) if name
            else Message("{kind} {id!r}", kind=kind, id=element.get("id")))


def repair_bpmn(xml: bytes, *, make_executable: bool = False) -> RepairResult:
    """The file with unambiguous fixes applied, and a note per fix.

    make_executable=True also marks processes written isExecutable="false" executable: not a
    repair of the author's intent (they said "documentation only"), so only on request.
    """
    original = xml if isinstance(xml, bytes) else xml.encode("utf-8")
    try:
        root = etree.fromstring(original, safe_parser())
    except (etree.XMLSyntaxError, ValueError):
        return RepairResult(original, [])
    if root.tag != f"{{{BPMN_NS}}}definitions" or "<!DOCTYPE" in original[:2000].decode("latin-1"):
        return RepairResult(original, [])
    notes: list = []
    _target_namespace(root, notes)
    _message_names(root, notes)
    _bare_timers(root, notes)
    _implicit_splits(root, notes)
    _default_flows(root, notes)
    if make_executable:
        _executable(root, notes)
    if not notes:
        return RepairResult(original, [])
    encoding = root.getroottree().docinfo.encoding or "UTF-8"
    has_declaration = original.lstrip().startswith(b"<?xml")
    out = etree.tostring(root.getroottree(), xml_declaration=has_declaration,
                         encoding=encoding if has_declaration else None)
    if has_declaration:  # the original declaration, as the tool wrote it (quotes, standalone)
        declaration = re.match(rb"\s*<\?xml[^>]*\?>", original)
        if declaration and out.startswith(b"<?xml"):
            out = declaration.group(0).lstrip() + out[out.index(b"?>") + 2:]
    return RepairResult(out, notes)


# ---------------------------------------------------------------- small fixes

def _target_namespace(root, notes) -> None:
    if not root.get("targetNamespace"):
        root.set("targetNamespace", "http://bpmn.io/schema/bpmn")
        notes.append((root.get("id"), Message("The file had no targetNamespace, which BPMN 2.0 "
                                              "requires: set to {namespace} (it changes nothing else)",
                                              namespace="http://bpmn.io/schema/bpmn")))


def _message_names(root, notes) -> None:
    for message in root.iterfind(f"{{{BPMN_NS}}}message"):
        if not (message.get("name") or "").strip() and message.get("id"):
            message.set("name", message.get("id"))
            users = [d.getparent() for d in root.iter(f"{{{BPMN_NS}}}messageEventDefinition")
                     if d.get("messageRef") == message.get("id") and d.getparent() is not None]
            users += [t for t in root.iter() if isinstance(t.tag, str) and local(t) in ACTIVITIES
                      and t.get("messageRef") == message.get("id")]
            if users:
                joined = ", ".join(f"{{u{i}}}" for i in range(len(users)))
                used_by = Message(joined, **{f"u{i}": describe(u) for i, u in enumerate(users)})
                note = Message("Message {id!r} had no name (used by {users}): it is now named "
                               "{id!r}, after its id", id=message.get("id"), users=used_by)
            else:
                note = Message("Message {id!r} had no name: it is now named {id!r}, after its id",
                               id=message.get("id"))
            notes.append((message.get("id"), note))


def _bare_timers(root, notes) -> None:
    for definition in root.iter(f"{{{BPMN_NS}}}timerEventDefinition"):
        for child in definition:
            what = local(child)
            if what not in ("timeDuration", "timeDate", "timeCycle"):
                continue
            text = (child.text or "").strip()
            pattern = {"timeDuration": ISO_DURATION, "timeDate": ISO_DATETIME,
                       "timeCycle": ISO_CYCLE}[what]
            # A timeDuration written as a date (or the other way round) is still that literal.
            if not text or not (pattern.match(text) or ISO_DURATION.match(text)
                                or ISO_DATETIME.match(text) or ISO_CYCLE.match(text)):
                continue
            child.text = f'"{text}"'
            event = definition.getparent()
            words = {"timeDuration": Message("duration"), "timeDate": Message("date"),
                     "timeCycle": Message("cycle")}[what]
            notes.append((event.get("id"), Message("{what} had its timer {words} written as the bare "
                                                   "text {text}: it is now the quoted literal "
                                                   "\"{text}\", which is how this system reads a "
                                                   "fixed time", what=describe(event), words=words,
                                                   text=text)))


def _executable(root, notes) -> None:
    for process in root.iterfind(f"{{{BPMN_NS}}}process"):
        if process.get("isExecutable") == "false" and len(process):
            process.set("isExecutable", "true")
            notes.append((process.get("id"), Message("Process {name!r} was marked as not executable: "
                                                     "it is now executable",
                                                     name=process.get("name") or process.get("id"))))


# ---------------------------------------------------------------- flows

def _has_condition(flow) -> bool:
    condition = flow.find(f"{{{BPMN_NS}}}conditionExpression")
    return condition is not None and bool((condition.text or "").strip())


def _containers(root):
    for element in root.iter(f"{{{BPMN_NS}}}process", f"{{{BPMN_NS}}}subProcess",
                             f"{{{BPMN_NS}}}transaction", f"{{{BPMN_NS}}}adHocSubProcess"):
        yield element


def _outgoing_by_source(container) -> dict:
    out: dict = {}
    for flow in container.iterfind(f"{{{BPMN_NS}}}sequenceFlow"):
        out.setdefault(flow.get("sourceRef"), []).append(flow)
    return out


def _default_flows(root, notes) -> None:
    for container in _containers(root):
        outgoing = _outgoing_by_source(container)
        for gateway in container:
            if local(gateway) not in ("exclusiveGateway", "inclusiveGateway") or gateway.get("default"):
                continue
            flows = outgoing.get(gateway.get("id"), [])
            plain = [f for f in flows if not _has_condition(f)]
            if len(flows) >= 2 and len(plain) == 1:
                gateway.set("default", plain[0].get("id"))
                if plain[0].get("name"):
                    note = Message("{what} had conditions on all its outgoing flows but one: that "
                                   "flow '{name}' ({id!r}) is now the default, taken when no "
                                   "condition holds", what=describe(gateway),
                                   name=plain[0].get("name"), id=plain[0].get("id"))
                else:
                    note = Message("{what} had conditions on all its outgoing flows but one: that "
                                   "flow ({id!r}) is now the default, taken when no condition holds",
                                   what=describe(gateway), id=plain[0].get("id"))
                notes.append((gateway.get("id"), note))


def _new_id(root, base: str) -> str:
    taken = {e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id")}
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}_{n}"
    return candidate


def _implicit_splits(root, notes) -> None:
    for container in list(_containers(root)):
        outgoing = _outgoing_by_source(container)
        for element in list(container):
            kind = local(element)
            if kind not in ACTIVITIES and kind not in EVENTS:
                continue
            flows = outgoing.get(element.get("id"), [])
            if len(flows) < 2:
                continue
            if any(_has_condition(f) for f in flows) or element.get("default"):
                continue  # conditional flows: another meaning, reported by bpmn_problems
            _insert_split(root, container, element, flows, notes)


def _insert_split(root, container, element, flows, notes) -> None:
    q = lambda name: f"{{{BPMN_NS}}}{name}"  # noqa: E731
    source_id = element.get("id")
    gateway_id = _new_id(root, f"Gateway_split_{source_id}")
    flow_id = _new_id(root, f"Flow_split_{source_id}")
    gateway = etree.Element(q("parallelGateway"), id=gateway_id)
    etree.SubElement(gateway, q("incoming")).text = flow_id
    for flow in flows:
        etree.SubElement(gateway, q("outgoing")).text = flow.get("id")
    gateway.tail = element.tail
    element.addnext(gateway)
    new_flow = etree.Element(q("sequenceFlow"), id=flow_id, sourceRef=source_id, targetRef=gateway_id)
    new_flow.tail = flows[0].tail
    flows[0].addprevious(new_flow)
    ids = {f.get("id") for f in flows}
    listed = [o for o in element.iterfind(q("outgoing")) if (o.text or "").strip() in ids]
    if listed:
        listed[0].text = flow_id
        listed[0].tail = listed[-1].tail  # keeps the indentation of what follows
        for extra in listed[1:]:
            element.remove(extra)
    elif element.find(q("incoming")) is not None:
        etree.SubElement(element, q("outgoing")).text = flow_id
    for flow in flows:
        flow.set("sourceRef", gateway_id)
    for lane in root.iter(q("lane")):
        refs = [r for r in lane.iterfind(q("flowNodeRef")) if (r.text or "").strip() == source_id]
        if refs:
            ref = etree.Element(q("flowNodeRef"))
            ref.text, ref.tail = gateway_id, refs[0].tail
            refs[0].addnext(ref)
    drawn = _draw_split(root, source_id, gateway_id, flow_id, ids)
    names = ", ".join(repr(f.get("name")) if f.get("name") else repr(f.get("id")) for f in flows)
    if drawn:
        note = Message("{what} had {count} outgoing flows without conditions ({names}): they now "
                       "start in parallel through a new parallel gateway {gateway!r}",
                       what=describe(element), count=len(flows), names=names, gateway=gateway_id)
    else:
        note = Message("{what} had {count} outgoing flows without conditions ({names}): they now "
                       "start in parallel through a new parallel gateway {gateway!r} (the file has "
                       "no diagram for it)", what=describe(element), count=len(flows), names=names,
                       gateway=gateway_id)
    notes.append((source_id, note))


def _bounds(shape):
    b = shape.find(f"{{{DC_NS}}}Bounds")
    if b is None:
        return None
    return tuple(float(b.get(k, 0)) for k in ("x", "y", "width", "height"))


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _draw_split(root, source_id, gateway_id, flow_id, flow_ids) -> bool:
    """Give the new gateway a shape right of its source and start the flows' edges from it."""
    shape = next((s for s in root.iter(f"{{{BPMNDI_NS}}}BPMNShape")
                  if s.get("bpmnElement") == source_id), None)
    bounds = _bounds(shape) if shape is not None else None
    if bounds is None:
        return False
    x, y, w, h = bounds
    size = GATEWAY_SIZE
    gx, gy = x + w + 12, y + h / 2 - size / 2
    cx, cy = gx + size / 2, gy + size / 2
    gshape = etree.Element(f"{{{BPMNDI_NS}}}BPMNShape", id=_new_id(root, f"{gateway_id}_di"),
                           bpmnElement=gateway_id)
    etree.SubElement(gshape, f"{{{DC_NS}}}Bounds", x=_fmt(gx), y=_fmt(gy), width=_fmt(size),
                     height=_fmt(size))
    gshape.tail = shape.tail
    shape.addnext(gshape)
    edge = etree.Element(f"{{{BPMNDI_NS}}}BPMNEdge", id=_new_id(root, f"{flow_id}_di"),
                         bpmnElement=flow_id)
    for px, py in ((x + w, cy), (gx, cy)):
        etree.SubElement(edge, f"{{{DI_NS}}}waypoint", x=_fmt(px), y=_fmt(py))
    edge.tail = shape.tail
    gshape.addnext(edge)
    for flow_edge in root.iter(f"{{{BPMNDI_NS}}}BPMNEdge"):
        if flow_edge.get("bpmnElement") not in flow_ids:
            continue
        points = flow_edge.findall(f"{{{DI_NS}}}waypoint")
        if len(points) < 2:
            continue
        # The edge now leaves the gateway: drop the points that lie inside it or before it.
        # (and the bends behind it: they led away from the source's own side).
        keep = [p for p in points[1:-1] if float(p.get("x")) > gx + size + 1] + [points[-1]]
        target = keep[0] if keep else points[-1]
        tx, ty = float(target.get("x")), float(target.get("y"))
        if ty < gy:
            dock = (cx, gy)
        elif ty > gy + size:
            dock = (cx, gy + size)
        else:
            dock = (gx + size, cy)
        first = points[0]
        first.set("x", _fmt(dock[0]))
        first.set("y", _fmt(dock[1]))
        for p in points[1:]:
            if p not in keep and p is not target:
                flow_edge.remove(p)
        if dock[0] != tx and dock[1] != ty:  # a bend, so the edge stays orthogonal
            bend = etree.Element(f"{{{DI_NS}}}waypoint",
                                 x=_fmt(dock[0] if dock[1] != cy or dock[0] == cx else tx),
                                 y=_fmt(ty if dock[0] == cx else dock[1]))
            first.addnext(bend)
    return True
