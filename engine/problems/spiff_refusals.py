"""SpiffWorkflow 3.2's refusals and crashes while parsing a diagram, in a process owner's words.

SpiffWorkflow reports problems in its own terms ("Non-default exclusive outgoing sequence flow
without condition.", "A Service Task must have an operator.") or crashes with a KeyError inside
its parser; files from other modelling tools meet these often (../shared/corpus/README.md).

    explain_spiff_exception(exc, tree)  a SpiffWorkflow ValidationException while parsing
    explain_crash(exc, tree)            anything else raised while parsing (KeyError, ...)
"""
import re

from models.errors import BpmnError
from models.messages import Message
from engine.problems.elements import (clean_message, describe, find, located_error, local_name,
                               outgoing_flows, pool_of, root_of)
from engine.spiff.xmlsafe import BPMN_NS


def _no_start(root, element, message):
    pool = pool_of(root, element) if element is not None and local_name(element) == "process" else None
    where = (Message("{pool} (process {id!r})", pool=describe(pool), id=element.get("id"))
             if pool is not None else describe(element, "process"))
    empty = element is not None and not any(local_name(c).endswith(("Task", "Event", "task", "Gateway", "Process"))
                                            for c in element)
    if empty:
        return (Message("{where} has no start event and no steps: it is drawn as a pool whose work "
                        "is not modelled (a 'black box'), so there is nothing to run. Draw its steps "
                        "from a start event, or run the process of another pool.", where=where),
                "no start event (empty or black-box pool)")
    return (Message("{where} has no start event, so an instance cannot start. Add a start event "
                    "before its first step.", where=where), "no start event")


def _multiple_outgoing(root, element, message):
    flows = outgoing_flows(root, element)
    conditional = [f for f in flows if f.find(f"{{{BPMN_NS}}}conditionExpression") is not None]
    what = describe(element, "task")
    count = len(flows) or Message("several")
    if conditional:
        return (Message("{what} has {count} outgoing flows with conditions on them. This system "
                        "does not choose between flows leaving a task: put an exclusive gateway "
                        "after the task and move the conditions onto the gateway's flows.",
                        what=what, count=count),
                "conditional flows out of a task")
    return (Message("{what} has {count} outgoing flows. To do both paths at once, put a parallel "
                    "gateway after it; to take one of them, an exclusive gateway with conditions.",
                    what=what, count=count),
            "several outgoing flows from a task")


def _flow_without_condition(root, element, message):
    source = find(root, element.get("sourceRef")) if element is not None else None
    if element is None:
        flow = Message("A flow")
    elif element.get("name"):
        flow = Message("The flow '{name}' ({id!r})", name=element.get("name"), id=element.get("id"))
    else:
        flow = Message("The flow ({id!r})", id=element.get("id"))
    return (Message("{flow} leaves {gateway} without condition and is not its default flow, so "
                    "the engine cannot tell when to take it. Write its condition as a Python "
                    "expression on the process data (e.g. approved == True), or mark it as the "
                    "default flow.", flow=flow, gateway=describe(source, "exclusiveGateway")),
            "gateway branch without condition")


def _data_store(root, element, message):
    match = re.search(r"Data Store with name (.*) has no implementation", message, re.S)
    name = " ".join(match.group(1).split()) if match else None
    store = element
    if store is None and root is not None:
        for candidate in root.iter(f"{{{BPMN_NS}}}dataStoreReference", f"{{{BPMN_NS}}}dataStore"):
            if name is None or " ".join((candidate.get("name") or "").split()) == name:
                store = candidate
                break
    what = describe(store, "dataStoreReference") if store is not None else (
        Message("Data store '{name}'", name=name) if name else Message("A data store"))
    return (Message("{what} stands for a system outside the process (a database, a file); this "
                    "system cannot read or write it. Remove it from the diagram or use a data "
                    "object, whose values live in the process data.", what=what),
            "data store not supported", store)


def _service_task(root, element, message):
    return (Message("{what} does not name a service this system can call (service tasks from "
                    "other tools call their own connectors). Make it a script task that computes "
                    "the result, or a user task that a person does.",
                    what=describe(element, "serviceTask")), "service task without implementation")


def _timer_without_time(root, element, message):
    return (Message("{what} is a timer without a time. Give it a duration (e.g. \"P7D\" for 7 "
                    "days), a date (\"2026-01-01T10:00:00\") or a cycle (\"R3/PT1H\").",
                    what=describe(element, "intermediateCatchEvent")), "timer without a time")


def _sub_start(root, element, message):
    found = re.search(r"found (\d+)", message)
    count = int(found.group(1)) if found else Message("not one")
    return (Message("{what} needs exactly one plain start event to run; it has {count}. Add a "
                    "start event inside it, before its first step.",
                    what=describe(element, "subProcess"), count=count), "sub-process without one start event")


def _sub_end(root, element, message):
    return (Message("{what} has no end event, so the engine cannot tell when it is finished. Add "
                    "an end event inside it after its last step.", what=describe(element, "subProcess")),
            "sub-process without end event")


def _data_association(root, element, message):
    direction = Message("output") if "Output" in message else Message("input")
    return (Message("{what} has a data {direction} connected to something that is not a data "
                    "object of its own process (a data store, or an element of another pool); the "
                    "engine cannot follow it. Connect it to a data object or remove the association.",
                    what=describe(element, "task"), direction=direction),
            "data association the engine cannot follow")


def _call_activity(root, element, message):
    return (Message("{what} does not say which process it calls. Choose the called process "
                    "(calledElement).", what=describe(element, "callActivity")),
            "call activity without called process")


def _multi_instance(root, element, message):
    return (Message("{what} is marked to repeat (multi-instance) but says neither how many times "
                    "nor over which list. Give it a cardinality (a number or expression) or an "
                    "input collection.", what=describe(element, "subProcess")),
            "multi-instance without count")


def _duplicate_process(root, element, message):
    found = re.search(r"Duplicate process ID: (\S+?)\.?\s*$", message.strip())
    pid = found.group(1) if found else "?"
    return (Message("Two processes have the id {id!r}; every id must be unique in the file. "
                    "Rename one.", id=pid), "duplicate id")


def unsupported_event(root, element, message):
    """(text, kind) for an event of a kind the engine does not run."""
    return (Message("{what} is of a kind this engine does not run (an event without a trigger on "
                    "the border of a task, or an unsupported trigger). Give it a timer, message, "
                    "error, signal or escalation trigger, or remove it.",
                    what=describe(element, "boundaryEvent")), "event kind not supported")


_SPIFF_PATTERNS = (
    ("No start event found", _no_start),
    ("Multiple outgoing flows are not supported", _multiple_outgoing),
    ("outgoing sequence flow without condition", _flow_without_condition),
    ("Data Store", _data_store),
    ("Service Task must have an operator", _service_task),
    ("Unknown Time Specification", _timer_without_time),
    ("Exactly one start event is required", _sub_start),
    ("Must contain an End event", _sub_end),
    ("Cannot resolve data", _data_association),
    ("calledElement", _call_activity),
    ("multiinstance task must specify", _multi_instance),
    ("Duplicate process ID", _duplicate_process),
    ("Unsupported Catch Event", unsupported_event),
)

def explain_spiff_exception(exc, tree=None) -> BpmnError:
    """A SpiffWorkflow ValidationException as a BpmnError on its element, in plain words."""
    root = root_of(tree)
    message = clean_message(getattr(exc, "message", None) or (exc.args[0] if exc.args else exc))
    element_id = getattr(exc, "id", None) or None
    tag = getattr(exc, "tag", None) or None
    element = find(root, element_id)
    for needle, explain in _SPIFF_PATTERNS:
        if needle in message:
            text, kind, *located = explain(root, element, message)
            if located and located[0] is not None and element is None:
                element, element_id = located[0], located[0].get("id")  # found by its name
            return located_error(text, kind, element, element_id=element_id,
                          line=getattr(exc, "line_number", None), tag=tag)
    if message.rstrip(".").endswith("of type") and tag:  # SpiffWorkflow leaves the type out
        message = f"{message.rstrip('.')} {tag.rsplit(':', 1)[-1]}."
    what = describe(element, tag, element_id) if (element is not None or element_id) else None
    text = (Message("{what}: {detail} (reported by the workflow engine)", what=what, detail=message)
            if what else Message("{detail} (reported by the workflow engine)", detail=message))
    return located_error(text, "other engine refusal", element,
                  element_id=element_id, line=getattr(exc, "line_number", None), tag=tag)


# ---------------------------------------------------------------- crashes and static findings

def diagnose(tree) -> list[BpmnError]:
    """Known traps of SpiffWorkflow 3.2 found in the file itself (for crashes that name nothing)."""
    root = root_of(tree)
    if root is None:
        return []
    found = []
    for message in root.iter(f"{{{BPMN_NS}}}message"):
        if not (message.get("name") or "").strip():
            found.append(located_error(Message("{what} has no name; the engine matches messages by "
                                               "name. Give it one.", what=describe(message)),
                                       "message without name", message))
    for task in root.iter(f"{{{BPMN_NS}}}serviceTask"):
        found.append(located_error(_service_task(root, task, "")[0], "service task without implementation", task))
    for store in root.iter(f"{{{BPMN_NS}}}dataStoreReference"):
        found.append(located_error(_data_store(root, store, "")[0], "data store not supported", store))
    for definition in root.iter(f"{{{BPMN_NS}}}messageEventDefinition"):
        ref = definition.get("messageRef")
        if ref and find(root, ref) is None:
            event = definition.getparent()
            found.append(located_error(Message("{what} refers to a message {ref!r} that the file "
                                               "does not define. Choose one of the file's messages.",
                                               what=describe(event), ref=ref), "missing reference", event))
    for flow in root.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        for end in ("sourceRef", "targetRef"):
            if flow.get(end) and find(root, flow.get(end)) is None:
                found.append(located_error(Message("{what} connects to {ref!r}, which is not in the "
                                                   "file.", what=describe(flow), ref=flow.get(end)),
                                           "missing reference", flow))
    return found


def explain_crash(exc, tree=None) -> list[BpmnError]:
    """Anything but a ValidationException raised while SpiffWorkflow builds the process."""
    found = diagnose(tree)
    if found:
        return found
    if isinstance(exc, KeyError) and exc.args:
        text = Message("The workflow engine could not build a process from this diagram: it "
                       "contains something the engine does not understand (it stopped at {at!r}). "
                       "Check the elements drawn with another tool's extensions.", at=str(exc.args[0]))
    else:
        text = Message("The workflow engine could not build a process from this diagram: it "
                       "contains something the engine does not understand. Check the elements "
                       "drawn with another tool's extensions.")
    return [located_error(text, "engine could not read the diagram", tag="definitions")]
