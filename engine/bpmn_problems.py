"""What SpiffWorkflow 3.2 and the checks of this system say about a diagram, in a process owner's words.

SpiffWorkflow reports problems in its own terms ("Non-default exclusive outgoing sequence flow
without condition.", "A Service Task must have an operator.") or crashes with a KeyError inside
its parser; files from other modelling tools meet these often (../shared/corpus/README.md).
Here each such failure becomes a BpmnError on the element it concerns (id, and its name in the
message), saying what is wrong and what to do, with a short `kind` for grouping
(scripts/corpus_report.py). No tracebacks, no Python class names.

    explain_spiff_exception(exc, tree)  a SpiffWorkflow ValidationException while parsing
    explain_crash(exc, tree)            anything else raised while parsing (KeyError, ...)
    explain_error(error, tree)          a BpmnError of this system, reworded where it helps
    explain_exception(exc, xml)         any of these, and errors of running an instance
"""
import re

from lxml import etree

from .errors import BpmnError, BpmnValidationError
from .xmlsafe import BPMN_NS, _safe_parser

KIND_WORDS = {
    "process": "Process", "subProcess": "Sub-process", "transaction": "Transaction",
    "adHocSubProcess": "Ad-hoc sub-process", "callActivity": "Call activity", "task": "Task",
    "userTask": "User task", "manualTask": "Manual task", "scriptTask": "Script task",
    "serviceTask": "Service task", "sendTask": "Send task", "receiveTask": "Receive task",
    "businessRuleTask": "Business rule task", "startEvent": "Start event", "endEvent": "End event",
    "intermediateCatchEvent": "Intermediate event", "intermediateThrowEvent": "Intermediate event",
    "boundaryEvent": "Boundary event", "exclusiveGateway": "Exclusive gateway",
    "inclusiveGateway": "Inclusive gateway", "parallelGateway": "Parallel gateway",
    "eventBasedGateway": "Event-based gateway", "complexGateway": "Complex gateway",
    "sequenceFlow": "Flow", "dataStoreReference": "Data store", "dataStore": "Data store",
    "dataObjectReference": "Data object", "message": "Message", "participant": "Pool",
    "lane": "Lane", "laneSet": "Lane set", "definitions": "The file",
}


def _root(tree):
    if tree is None:
        return None
    return tree.getroot() if hasattr(tree, "getroot") else tree


def _parse(xml):
    if xml is None or hasattr(xml, "getroot") or isinstance(xml, etree._Element):
        return _root(xml)
    try:
        data = xml if isinstance(xml, bytes) else xml.encode("utf-8")
        return etree.fromstring(data, _safe_parser())
    except (etree.XMLSyntaxError, ValueError):
        return None


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def find(root, element_id):
    if root is None or not element_id:
        return None
    found = root.xpath("//*[@id=$i]", i=element_id)
    return found[0] if found else None


def describe(element, fallback_tag: str | None = None, element_id: str | None = None) -> str:
    """"Task 'Approve'" for an element with a name, "Task 'Activity_1x'" (its id) otherwise."""
    if element is None:
        kind = KIND_WORDS.get((fallback_tag or "").rsplit(":", 1)[-1], "The element")
        return f"{kind} {element_id!r}" if element_id else kind
    kind = KIND_WORDS.get(_local(element), _local(element))
    name = " ".join((element.get("name") or "").split())
    if _local(element) == "definitions":
        return kind
    return f"{kind} '{name}'" if name else f"{kind} {element.get('id')!r}"


def _error(message, kind, element=None, element_id=None, line=None, tag=None) -> BpmnError:
    if element is not None:
        element_id = element_id or element.get("id")
        line = line or element.sourceline
        tag = tag or _local(element)
    error = BpmnError(message, element_id=element_id or None, line=line or None,
                      tag=(tag or "").rsplit(":", 1)[-1] or None)
    error.kind = kind
    return error


def problem_kind(error) -> str:
    """The group a problem belongs to, for counting (e.g. "no start event")."""
    return getattr(error, "kind", None) or "other"


# ---------------------------------------------------------------- SpiffWorkflow's messages

def _outgoing(root, element):
    if root is None or element is None:
        return []
    return [f for f in root.iter(f"{{{BPMN_NS}}}sequenceFlow") if f.get("sourceRef") == element.get("id")]


def _pool_of(root, process):
    if root is None or process is None:
        return None
    for participant in root.iter(f"{{{BPMN_NS}}}participant"):
        if participant.get("processRef") == process.get("id"):
            return participant
    return None


def _no_start(root, element, message):
    pool = _pool_of(root, element) if element is not None and _local(element) == "process" else None
    where = describe(pool) + f" (process {element.get('id')!r})" if pool is not None else describe(element, "process")
    empty = element is not None and not any(_local(c).endswith(("Task", "Event", "task", "Gateway", "Process"))
                                            for c in element)
    if empty:
        return (f"{where} has no start event and no steps: it is drawn as a pool whose work is not "
                "modelled (a 'black box'), so there is nothing to run. Draw its steps from a start "
                "event, or run the process of another pool.", "no start event (empty or black-box pool)")
    return (f"{where} has no start event, so an instance cannot start. Add a start event before "
            "its first step.", "no start event")


def _multiple_outgoing(root, element, message):
    flows = _outgoing(root, element)
    conditional = [f for f in flows if f.find(f"{{{BPMN_NS}}}conditionExpression") is not None]
    what = describe(element, "task")
    if conditional:
        return (f"{what} has {len(flows) or 'several'} outgoing flows with conditions on them. This "
                "system does not choose between flows leaving a task: put an exclusive gateway "
                "after the task and move the conditions onto the gateway's flows.",
                "conditional flows out of a task")
    return (f"{what} has {len(flows) or 'several'} outgoing flows. To do both paths at once, put a "
            "parallel gateway after it; to take one of them, an exclusive gateway with conditions.",
            "several outgoing flows from a task")


def _flow_without_condition(root, element, message):
    source = find(root, element.get("sourceRef")) if element is not None else None
    label = f" '{element.get('name')}'" if element is not None and element.get("name") else ""
    flow = f"The flow{label} ({element.get('id')!r})" if element is not None else "A flow"
    return (f"{flow} leaves {describe(source, 'exclusiveGateway')} without condition and is not its "
            "default flow, so the engine cannot tell when to take it. Write its condition as a "
            "Python expression on the process data (e.g. approved == True), or mark it as the "
            "default flow.", "gateway branch without condition")


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
        f"Data store '{name}'" if name else "A data store")
    return (f"{what} stands for a system outside the process (a database, a file); this system "
            "cannot read or write it. Remove it from the diagram or use a data object, whose "
            "values live in the process data.", "data store not supported", store)


def _service_task(root, element, message):
    return (f"{describe(element, 'serviceTask')} does not name a service this system can call "
            "(service tasks from other tools call their own connectors). Make it a script task "
            "that computes the result, or a user task that a person does.", "service task without implementation")


def _timer_without_time(root, element, message):
    return (f"{describe(element, 'intermediateCatchEvent')} is a timer without a time. Give it a "
            "duration (e.g. \"P7D\" for 7 days), a date (\"2026-01-01T10:00:00\") or a cycle "
            "(\"R3/PT1H\").", "timer without a time")


def _sub_start(root, element, message):
    found = re.search(r"found (\d+)", message)
    count = found.group(1) if found else "not one"
    return (f"{describe(element, 'subProcess')} needs exactly one plain start event to run; it has "
            f"{count}. Add a start event inside it, before its first step.", "sub-process without one start event")


def _sub_end(root, element, message):
    return (f"{describe(element, 'subProcess')} has no end event, so the engine cannot tell when it "
            "is finished. Add an end event inside it after its last step.", "sub-process without end event")


def _data_association(root, element, message):
    direction = "output" if "Output" in message else "input"
    return (f"{describe(element, 'task')} has a data {direction} connected to something that is not "
            "a data object of its own process (a data store, or an element of another pool); the "
            "engine cannot follow it. Connect it to a data object or remove the association.",
            "data association the engine cannot follow")


def _call_activity(root, element, message):
    return (f"{describe(element, 'callActivity')} does not say which process it calls. Choose the "
            "called process (calledElement).", "call activity without called process")


def _multi_instance(root, element, message):
    return (f"{describe(element, 'subProcess')} is marked to repeat (multi-instance) but says neither "
            "how many times nor over which list. Give it a cardinality (a number or expression) or "
            "an input collection.", "multi-instance without count")


def _duplicate_process(root, element, message):
    found = re.search(r"Duplicate process ID: (\S+?)\.?\s*$", message.strip())
    pid = found.group(1) if found else "?"
    return (f"Two processes have the id {pid!r}; every id must be unique in the file. Rename one.",
            "duplicate id")


def _unsupported_event(root, element, message):
    return (f"{describe(element, 'boundaryEvent')} is of a kind this engine does not run (an event "
            "without a trigger on the border of a task, or an unsupported trigger). Give it a "
            "timer, message, error, signal or escalation trigger, or remove it.", "event kind not supported")


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
    ("Unsupported Catch Event", _unsupported_event),
)


def _clean(message: str) -> str:
    message = " ".join(str(message).split())
    message = re.sub(r"<Element \{[^}]*\}(\w+) at 0x[0-9a-f]+>", r"\1", message)
    return message


def explain_spiff_exception(exc, tree=None) -> BpmnError:
    """A SpiffWorkflow ValidationException as a BpmnError on its element, in plain words."""
    root = _root(tree)
    message = _clean(getattr(exc, "message", None) or (exc.args[0] if exc.args else exc))
    element_id = getattr(exc, "id", None) or None
    tag = getattr(exc, "tag", None) or None
    element = find(root, element_id)
    for needle, explain in _SPIFF_PATTERNS:
        if needle in message:
            text, kind, *located = explain(root, element, message)
            if located and located[0] is not None and element is None:
                element, element_id = located[0], located[0].get("id")  # found by its name
            return _error(text, kind, element, element_id=element_id,
                          line=getattr(exc, "line_number", None), tag=tag)
    if message.rstrip(".").endswith("of type") and tag:  # SpiffWorkflow leaves the type out
        message = f"{message.rstrip('.')} {tag.rsplit(':', 1)[-1]}."
    what = describe(element, tag, element_id) if (element is not None or element_id) else None
    text = f"{what}: {message}" if what else message
    return _error(f"{text} (reported by the workflow engine)", "other engine refusal", element,
                  element_id=element_id, line=getattr(exc, "line_number", None), tag=tag)


# ---------------------------------------------------------------- crashes and static findings

def diagnose(tree) -> list[BpmnError]:
    """Known traps of SpiffWorkflow 3.2 found in the file itself (for crashes that name nothing)."""
    root = _root(tree)
    if root is None:
        return []
    found = []
    for message in root.iter(f"{{{BPMN_NS}}}message"):
        if not (message.get("name") or "").strip():
            found.append(_error(f"{describe(message)} has no name; the engine matches messages by "
                                "name. Give it one.", "message without name", message))
    for task in root.iter(f"{{{BPMN_NS}}}serviceTask"):
        found.append(_error(_service_task(root, task, "")[0], "service task without implementation", task))
    for store in root.iter(f"{{{BPMN_NS}}}dataStoreReference"):
        found.append(_error(_data_store(root, store, "")[0], "data store not supported", store))
    for definition in root.iter(f"{{{BPMN_NS}}}messageEventDefinition"):
        ref = definition.get("messageRef")
        if ref and find(root, ref) is None:
            event = definition.getparent()
            found.append(_error(f"{describe(event)} refers to a message {ref!r} that the file does "
                                "not define. Choose one of the file's messages.", "missing reference", event))
    for flow in root.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        for end in ("sourceRef", "targetRef"):
            if flow.get(end) and find(root, flow.get(end)) is None:
                found.append(_error(f"{describe(flow)} connects to {flow.get(end)!r}, which is not "
                                    "in the file.", "missing reference", flow))
    return found


def explain_crash(exc, tree=None) -> list[BpmnError]:
    """Anything but a ValidationException raised while SpiffWorkflow builds the process."""
    found = diagnose(tree)
    if found:
        return found
    return [_error("The workflow engine could not build a process from this diagram: it contains "
                   "something the engine does not understand"
                   + (f" (it stopped at {str(exc.args[0])!r})" if isinstance(exc, KeyError) and exc.args else "")
                   + ". Check the elements drawn with another tool's extensions.", "engine could not read the diagram",
                   tag="definitions")]


# ---------------------------------------------------------------- this system's own messages

def _explain_condition(error, root):
    match = re.search(r"at statement: (['\"])(.*)\1\s*$", error.message)
    code = match.group(2) if match else None
    element = find(root, error.element_id)
    what = describe(element, error.tag, error.element_id)
    if code is not None and (code.lstrip().startswith(("${", "#{")) ):
        language, hint = "Java EL (JUEL, as Camunda 7 and Activiti write)", "e.g. foo > bar"
    elif code is not None and code.lstrip().startswith("="):
        language, hint = "FEEL (as Camunda 8 writes)", "e.g. fraud == True"
    else:
        language, hint = None, "e.g. amount > 1000 and approved == True"
    shown = f" {code!r}" if code is not None else ""
    if language:
        text = (f"The condition{shown} of {what} is written in {language}; this system writes "
                f"conditions in Python over the process data ({hint}). Rewrite it.")
        kind = "condition in another tool's language"
    else:
        text = (f"The condition{shown} of {what} is not a valid expression; this system writes "
                f"conditions in Python over the process data ({hint}).")
        kind = "condition not a valid expression"
    new = BpmnError(text, error.element_id, error.line, error.tag)
    new.kind = kind
    return new


def explain_error(error: BpmnError, tree=None) -> BpmnError:
    """A BpmnError from parsing, reworded for a process owner where its wording is technical."""
    if getattr(error, "kind", None):
        return error
    root = _root(tree)
    message = error.message
    if message.startswith("condition is not valid Python"):
        return _explain_condition(error, root)
    if "no executable process" in message:
        processes = [] if root is None else list(root.iterfind(f"{{{BPMN_NS}}}process"))
        names = ", ".join(describe(_pool_of(root, p) if _pool_of(root, p) is not None else p)
                          for p in processes[:4])
        text = ("No process in this file is marked executable: its author drew it as documentation "
                "(isExecutable=\"false\")" + (f" ({names})" if names else "") + ". Mark the process "
                "that should run as executable.") if processes else (
                "The file contains no process, only " + ("pools without processes (black boxes)"
                if root is not None and root.find(f"{{{BPMN_NS}}}collaboration") is not None else "definitions")
                + "; there is nothing to run.")
        kind = "not marked executable" if processes else "no process in the file"
        if processes:  # said on the (first) process, where the author marks it executable
            new = _error(text, kind, processes[0])
            return new
        new = BpmnError(text, error.element_id, error.line, error.tag)
        new.kind = kind
        return new
    new = BpmnError(message, error.element_id, error.line, error.tag)
    if message.startswith("Not valid BPMN 2.0"):
        element = find(root, error.element_id)
        if element is None and error.line and root is not None:  # said on the nearest element with an id
            on_line = [e for e in root.iter() if isinstance(e.tag, str) and e.sourceline == error.line]
            owner = next((a for e in on_line[:1] for a in e.iterancestors() if a.get("id")), None)
            if owner is not None:
                new.element_id = owner.get("id")
        new.message = _xsd_words(message, element)
        new.kind = "not valid BPMN 2.0 (schema)"
    elif message.startswith("The file is not well-formed"):
        new.kind = "not well-formed XML"
    elif message.startswith("This is not a BPMN 2.0 file"):
        new.kind = "not a BPMN 2.0 file"
    elif "reserved by the workflow engine" in message:
        new.kind = "reserved id"
    elif "names no role" in message or "in no lane" in message:
        new.kind = "lane names no role"
    elif "refused by the sandbox" in message or "is not valid Python" in message:
        new.kind = "script or expression refused"
    elif "does not exist in forms/" in message:
        new.kind = "form missing"
    else:
        new.kind = "other"
    return new


def _xsd_words(message: str, element) -> str:
    """The XSD's wording, with the common cases said plainly."""
    where = describe(element) if element is not None else None
    attr = re.search(r"The attribute '(\w+)' is required but missing", message)
    if attr and where:
        return f"{where} lacks the attribute {attr.group(1)!r}, which BPMN 2.0 requires ({message})"
    if "atomic type 'xs:ID'" in message:
        bad = re.search(r"attribute 'id': '([^']*)'", message)
        return (f"The id {bad.group(1)!r} is not a valid id: an id must be unique in the file, start "
                "with a letter or '_' and contain no spaces." if bad else message)
    return message


# ---------------------------------------------------------------- any exception

def explain_exception(exc: BaseException, xml=None) -> list[BpmnError]:
    """Any failure of parsing, validating or running a diagram, as located plain-word problems."""
    root = _parse(xml)
    if isinstance(exc, BpmnValidationError):
        return [explain_error(e, root) for e in exc.errors]
    if isinstance(exc, BpmnError):
        return [explain_error(exc, root)]
    name = type(exc).__name__
    if name == "ValidationException":
        return [explain_spiff_exception(exc, root)]
    task = getattr(exc, "task", None)
    if task is not None:  # a WorkflowTaskException: a script or expression failed while running
        spec = getattr(task, "task_spec", None)
        element_id = getattr(spec, "bpmn_id", None)
        element = find(root, element_id)
        detail = _clean(getattr(exc, "error_msg", None) or (exc.args[0] if exc.args else ""))
        missing = re.search(r"name '(\w+)' is not defined", str(exc))
        if missing:
            text = (f"{describe(element, None, element_id)} uses {missing.group(1)!r}, which is not in "
                    "the process data when it runs. Set it earlier (a form field or a script) or "
                    "change the expression.")
            kind = "expression uses data that is not there"
        else:
            text = f"{describe(element, None, element_id)} failed while running: {detail}"
            kind = "failed while running"
        return [_error(text, kind, element, element_id=element_id)]
    if isinstance(exc, RecursionError):
        return [_error("Running this process sent the workflow engine into an endless chain of "
                       "steps (typically a loop back through a gateway with no task that waits). "
                       "Check the loops of the diagram.", "engine could not run the diagram", tag="definitions")]
    if name in ("RunawayProcess", "SandboxViolation"):
        return [_error(str(exc), "loops without end" if name == "RunawayProcess" else "script or expression refused",
                       tag="definitions")]
    if name == "NotImplementedError" or isinstance(exc, NotImplementedError):
        text = _clean(exc.args[0] if exc.args else "")
        match = re.search(r"\sid=\"([^\"]+)\"", str(exc.args[1]) if len(exc.args) > 1 else "")
        element = find(root, match.group(1)) if match else None
        if "Catch Event" in text:
            return [explain_spiff_exception_like(_unsupported_event(root, element, text), element)]
        return [_error(f"{describe(element) if element is not None else 'The diagram'} uses a "
                       "feature the workflow engine does not support.", "feature not supported", element)]
    return explain_crash(exc, root)


def explain_spiff_exception_like(text_kind, element) -> BpmnError:
    text, kind = text_kind
    return _error(text, kind, element)
