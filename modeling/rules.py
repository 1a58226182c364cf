"""The system's own rules for diagrams, beyond BPMN and SpiffWorkflow: forms, lanes, timers,
reachability and references; each problem names its element in a process owner's words.

Messages are English templates (translated by the web layer, then filled in with params);
`terms` names the params that are themselves English words to translate.
"""
import ast
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from people.catalogue import roles_of

from engine.spiff.code_checks import check_expression
from formjs.forms import FormNotFound, FormSchemaError, load_form
from engine.spiff.sandbox import DEFAULT_HELPERS, SandboxEnvironment
from engine.spiff.timer_events import timer_text_ok

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS = {"bpmn": BPMN_NS, "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}

FORM_MISSING = 'Task "{name}" has no form named {form}'
FORM_NOT_SET = 'Task "{name}" names no form; set its formKey property'
FORM_BROKEN = 'The form {form} of task "{name}" cannot be read: {detail}'
LANE_NO_ROLE = 'Lane "{name}" names no role; name it after a role (e.g. pr_expert)'
LANE_NO_NAME = "A lane has no name; name it after a role (e.g. pr_expert)"
TIMER_EMPTY = 'Timer "{name}" has no time expression'
TIMER_BAD_TEXT = 'Timer "{name}": {value} is not a valid ISO 8601 {what}'
TIMER_BAD_VALUE = 'Timer "{name}" does not give a {what}: {detail}'
UNREACHABLE = '"{name}" cannot be reached from a start event'
MISSING_REFERENCE = 'The {attribute} of "{name}" refers to "{ref}", which is not in the diagram'
TERMS = ("date and time", "duration", "repeating interval")
TEMPLATES = (FORM_MISSING, FORM_NOT_SET, FORM_BROKEN, LANE_NO_ROLE, LANE_NO_NAME, TIMER_EMPTY,
             TIMER_BAD_TEXT, TIMER_BAD_VALUE, UNREACHABLE, MISSING_REFERENCE)


@dataclass
class Problem:
    """One thing wrong with a diagram, on its element and line where known."""
    kind: str
    template: str
    params: dict = field(default_factory=dict)
    element_id: str | None = None
    line: int | None = None
    terms: tuple = ()   # params whose values are English words to translate too

    @property
    def message(self) -> str:
        """The English message."""
        return self.template.format(**self.params)

    def as_dict(self) -> dict:
        return {"element_id": self.element_id, "message": self.message, "line": self.line,
                "kind": self.kind}


def label(element) -> str:
    """What a process owner calls an element: its name, else its id."""
    if element is None:
        return ""
    return " ".join((element.get("name") or "").split()) or element.get("id") or etree.QName(element).localname


def _problem(kind, template, element, **params) -> Problem:
    params.setdefault("name", label(element))
    return Problem(kind, template, params, element_id=element.get("id") if element is not None else None,
                   line=element.sourceline if element is not None else None)


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _form_key(task) -> str | None:
    found = task.xpath("bpmn:extensionElements/spiffworkflow:properties/"
                       "spiffworkflow:property[@name='formKey']/@value", namespaces=NS)
    return found[0].strip() if found and found[0].strip() else None


def check_forms(root, session=None) -> list[Problem]:
    """Every user task names a form that exists (formjs.forms.load_form)."""
    problems = []
    for task in root.iterfind(".//bpmn:userTask", NS):
        form = _form_key(task)
        if form is None:
            problems.append(_problem("form", FORM_NOT_SET, task))
            continue
        try:
            load_form(form, session=session)
        except FormNotFound:
            problems.append(_problem("form", FORM_MISSING, task, form=form))
        except (FormSchemaError, ValueError) as exc:
            problems.append(_problem("form", FORM_BROKEN, task, form=form, detail=str(exc)))
    return problems


def check_lanes(root, session=None) -> list[Problem]:
    """Every lane is named after a role in force (people.catalogue.roles_of; built-in without a
    session)."""
    role_for_lane = roles_of(session).role_for_lane
    problems = []
    for lane in root.iterfind(".//bpmn:lane", NS):
        name = (lane.get("name") or "").strip()
        if not name:
            problems.append(_problem("lane", LANE_NO_NAME, lane))
        elif role_for_lane(name) is None:
            problems.append(_problem("lane", LANE_NO_ROLE, lane))
    return problems


_TIMER_KINDS = {"timeDate": "date and time", "timeDuration": "duration", "timeCycle": "repeating interval"}


def _constant_value(source: str):
    """Evaluate an expression over helpers only (no task data) in the sandbox."""
    return SandboxEnvironment(DEFAULT_HELPERS, timeout_seconds=5.0).evaluate(source, {})


def _timer_problem(kind: str, source: str, event) -> Problem | None:
    what = _TIMER_KINDS[kind]
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError:
        return None  # reported by the sandbox check (engine.spiff.code_checks)
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    if names - set(DEFAULT_HELPERS):
        return None  # depends on the task data: only known when it runs
    try:
        value = _constant_value(source)
    except Exception as exc:  # noqa: BLE001 - whatever the expression raised is the problem shown
        detail = str(exc).split("\n")[0] or exc.__class__.__name__
        problem = _problem("timer", TIMER_BAD_VALUE, event, what=what, detail=detail)
        problem.terms = ("what",)
        return problem
    if isinstance(value, datetime) and kind != "timeCycle":
        return None
    if isinstance(value, str) and timer_text_ok(kind, value):
        return None
    problem = _problem("timer", TIMER_BAD_TEXT, event, what=what, value=repr(value))
    problem.terms = ("what",)
    return problem


def check_timers(root) -> list[Problem]:
    """Every timer has an expression that gives an ISO 8601 text or a datetime, where known now."""
    problems = []
    for definition in root.iterfind(".//bpmn:timerEventDefinition", NS):
        event = definition.getparent()
        found = [child for child in definition if _local(child) in _TIMER_KINDS]
        sources = [(_local(c), (c.text or "").strip()) for c in found]
        if not any(source for _, source in sources):
            problems.append(_problem("timer", TIMER_EMPTY, event))
            continue
        for kind, source in sources:
            if source and not check_expression(source):  # sandbox refusals are reported apart
                problem = _timer_problem(kind, source, event)
                if problem is not None:
                    problems.append(problem)
    return problems


_ACTIVITIES = {"task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask",
               "receiveTask", "businessRuleTask", "callActivity", "subProcess", "transaction",
               "adHocSubProcess"}
_EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
           "boundaryEvent"}
_SCOPES = {"subProcess", "transaction", "adHocSubProcess"}


def _is_flow_node(element) -> bool:
    name = _local(element)
    return name in _ACTIVITIES or name in _EVENTS or name.endswith("Gateway")


def _link_name(event) -> str | None:
    link = event.find("bpmn:linkEventDefinition", NS)
    return None if link is None else (link.get("name") or link.get("id"))


def _reached(nodes: dict, flows: dict, boundaries: dict) -> set:
    """Ids reached from the scope's starts, following flows, boundary events and links."""
    incoming = {target for targets in flows.values() for target in targets}
    starts = [i for i, n in nodes.items() if _local(n) == "startEvent"]
    if not starts:  # BPMN's implicit start: activities and gateways without incoming flows
        starts = [i for i, n in nodes.items() if i not in incoming and _local(n) != "boundaryEvent"]
    # Event sub-processes start on their event, and compensation handlers by association.
    starts += [i for i, n in nodes.items() if n.get("triggeredByEvent") == "true"
               or n.get("isForCompensation") == "true"]
    catches = {}
    for node_id, node in nodes.items():
        if _local(node) == "intermediateCatchEvent" and _link_name(node):
            catches.setdefault(_link_name(node), []).append(node_id)
    reached, frontier = set(), list(starts)
    while frontier:
        node_id = frontier.pop()
        if node_id in reached or node_id not in nodes:
            continue
        reached.add(node_id)
        frontier += flows.get(node_id, []) + boundaries.get(node_id, [])
        node = nodes[node_id]
        if _local(node) == "intermediateThrowEvent" and _link_name(node):
            frontier += catches.get(_link_name(node), [])
    return reached


def _scope_problems(scope) -> list[Problem]:
    nodes = {c.get("id"): c for c in scope if _is_flow_node(c) and c.get("id")}
    flows, boundaries = {}, {}
    for flow in scope.iterfind("bpmn:sequenceFlow", NS):
        flows.setdefault(flow.get("sourceRef"), []).append(flow.get("targetRef"))
    for node_id, node in nodes.items():
        if _local(node) == "boundaryEvent":
            boundaries.setdefault(node.get("attachedToRef"), []).append(node_id)
    reached = _reached(nodes, flows, boundaries)
    problems = [_problem("unreachable", UNREACHABLE, node) for node_id, node in nodes.items()
                if node_id not in reached]
    for node_id in reached:  # what is inside a sub-process that is never entered is not reported again
        if _local(nodes[node_id]) in _SCOPES:
            problems += _scope_problems(nodes[node_id])
    return problems


def check_reachability(root) -> list[Problem]:
    """Every flow node of an executable process can be reached from a start event."""
    problems = []
    for process in root.iterfind("bpmn:process", NS):
        if process.get("isExecutable", "true") == "true":
            problems += _scope_problems(process)
    return problems


# (xpath to the referring attribute or element text, what the reference is called)
_REFERENCES = (
    (".//bpmn:sequenceFlow/@sourceRef", "source"), (".//bpmn:sequenceFlow/@targetRef", "target"),
    (".//bpmn:messageFlow/@sourceRef", "source"), (".//bpmn:messageFlow/@targetRef", "target"),
    (".//bpmn:association/@sourceRef", "source"), (".//bpmn:association/@targetRef", "target"),
    (".//bpmn:boundaryEvent/@attachedToRef", "attachedToRef"), (".//bpmn:*/@default", "default flow"),
    (".//bpmn:lane/bpmn:flowNodeRef/text()", "flowNodeRef"),
    (".//bpmn:incoming/text()", "incoming"), (".//bpmn:outgoing/text()", "outgoing"),
    (".//bpmn:*/@messageRef", "messageRef"), (".//bpmn:errorEventDefinition/@errorRef", "errorRef"),
    (".//bpmn:signalEventDefinition/@signalRef", "signalRef"),
    (".//bpmn:escalationEventDefinition/@escalationRef", "escalationRef"),
    (".//bpmn:participant/@processRef", "processRef"),
    (".//bpmndi:BPMNShape/@bpmnElement", "bpmnElement"), (".//bpmndi:BPMNEdge/@bpmnElement", "bpmnElement"),
    (".//bpmndi:BPMNPlane/@bpmnElement", "bpmnElement"),
)


def _owner(element):
    while element is not None and not element.get("id"):
        element = element.getparent()
    return element


def check_references(root) -> list[Problem]:
    """Every id an element refers to exists in the file."""
    ids = {element.get("id") for element in root.iter() if isinstance(element.tag, str)}
    problems, seen = [], set()
    for xpath, attribute in _REFERENCES:
        for value in root.xpath(xpath, namespaces=NS):
            ref = str(value).strip().rsplit(":", 1)[-1]  # a QName's prefix is not part of the id
            if not ref or ref in ids:
                continue
            holder = value.getparent()
            owner = _owner(holder if holder is not None else None)
            key = (owner.get("id") if owner is not None else None, attribute, ref)
            if key not in seen:
                seen.add(key)
                problems.append(_problem("reference", MISSING_REFERENCE, owner,
                                         attribute=attribute, ref=ref))
    return problems


def system_problems(root, structural_ok: bool = True, session=None) -> list[Problem]:
    """The rules of this system on a parsed BPMN root; reachability only on a sound structure.
    session: forms made in the editor count (the files alone without one)."""
    problems = check_forms(root, session) + check_lanes(root, session) + check_timers(root)
    if structural_ok:
        problems += check_reachability(root)
    return problems
