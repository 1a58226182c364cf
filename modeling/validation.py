"""The one validation of a diagram: every problem at once, each on its element.

check_diagram(session, xml, key) is what the studio (validate, save, deploy), `flask processes
deploy` and the API ask. Order of the checks: well-formed XML; the BPMN 2.0 XSD, reserved ids and
references; the sandbox check of every script and expression; the system's rules (forms, lanes
and roles, timers, reachability: modeling.rules); then SpiffWorkflow's parse, which goes on past a
refused timer (engine.spiff.parsing.collect_parse_errors) so one bad element hides no other.
A problem is a modeling.rules.Problem: element id, kind, English template and params (the web
layer and the CLI say it in Persian).
"""
import re

from models.errors import BpmnError, BpmnValidationError
from models.messages import Message

from engine.spiff.code_checks import find_code_errors
from engine.spiff.parsing import _main_process_id, _reserved_id_errors, collect_parse_errors
from engine.spiff.xmlsafe import parse_bpmn_xml, validate_bpmn_xsd
from modeling.decisions import decision_reference_problems
from modeling.rules import Problem, check_references, label, system_problems
from modeling.service_task_rules import check_service_tasks
from modeling.timer_meaning import timer_meanings

MAX_BYTES = 5_000_000
# The group of each kind of problem (issue 20's list), for the studio, the API and the CLI.
CATEGORIES = {"xml": "schema", "xsd": "schema", "reference": "references", "sandbox": "sandbox",
              "form": "forms", "lane": "roles", "timer": "timers", "unreachable": "reachability",
              "bpmn": "engine", "process_key": "engine"}


def category_of(problem: Problem) -> str:
    """schema, references, sandbox, forms, roles, timers, reachability or engine."""
    return CATEGORIES.get(problem.kind, "engine")

NOT_WELL_FORMED = "The file cannot be read: {detail}"
NOT_BPMN = 'The diagram does not follow the BPMN 2.0 standard at "{name}": {detail}'
RESERVED_ID = 'The id of "{name}" is reserved by the workflow engine; rename it (e.g. StartEvent_1)'
CODE_REFUSED = 'The {what} of "{name}" is refused by the sandbox: {detail}'
CODE_NOT_PYTHON = 'The {what} of "{name}" is not valid Python: {detail}'
ENGINE_REFUSED = 'The workflow engine cannot use "{name}": {detail}'
TASK_NO_LANE = 'Task "{name}" is in no lane, so no role can work on it; put it in a lane named after a role'
KEY_MISMATCH = 'The process id in the diagram is "{found}", but this is process "{key}"'
NO_PROCESS = "The diagram has no executable process"
TEMPLATES = (NOT_WELL_FORMED, NOT_BPMN, RESERVED_ID, CODE_REFUSED, CODE_NOT_PYTHON,
             ENGINE_REFUSED, TASK_NO_LANE, KEY_MISMATCH, NO_PROCESS)
# The "what" of engine.spiff.code_checks, translated as terms.
CODE_TERMS = ("script", "pre-script", "post-script", "condition", "timer expression",
              "loop cardinality", "completion condition", "loop condition", "message payload",
              "correlation expression")
_CODE_MESSAGE = re.compile(r"^(.+?) (is not valid Python|refused by the sandbox): (.*)$", re.S)



def _element(root, element_id):
    if not element_id:
        return None
    found = root.xpath("//*[@id=$i]", i=element_id)
    return found[0] if found else None


def _from_error(kind: str, template: str, error: BpmnError, root, **params) -> Problem:
    element = _element(root, error.element_id) if root is not None else None
    params.setdefault("name", label(element) if element is not None else (error.element_id or error.tag or ""))
    return Problem(kind, template, params, element_id=error.element_id,
                   line=error.line or (element.sourceline if element is not None else None))


def _code_problem(error: BpmnError, root) -> Problem:
    message = error.message
    if isinstance(message, Message) and message.template.startswith("The timer's time"):
        # A bare P1D: a timer's problem (said in the engine's words), not a script's.
        return _from_error("timer", message.template, error, root, **message.params)
    match = _CODE_MESSAGE.match(error.message)
    if not match:
        return _from_error("sandbox", CODE_REFUSED, error, root, what="script", detail=error.message)
    what, verdict, detail = match.groups()
    detail = detail.strip()
    said = error.message.params.get("detail") if isinstance(error.message, Message) else None
    if isinstance(said, Message) and said == detail:
        detail = said  # a Message the page translates
    template = CODE_NOT_PYTHON if verdict == "is not valid Python" else CODE_REFUSED
    problem = _from_error("sandbox", template, error, root, what=what, detail=detail)
    problem.terms = ("what",)
    return problem


def _engine_problems(xml: bytes, root, said: list[Problem], session=None) -> list[Problem]:
    """What SpiffWorkflow's parser (through parse_definition) refuses that the rules did not say:
    every refusal, not only the first; a timer the rules already faulted is not said twice."""
    # A timer or service task the rules already faulted is not said twice.
    timers_said = {p.element_id for p in said if p.kind in ("timer", "connector")}
    problems = []
    for error in collect_parse_errors(xml, session=session):
        _pin_called_process(error, root)
        if _element(root, error.element_id) is not None:
            error.line = None  # the element's line in this file (the engine read a re-serialized copy)
        if error.element_id in timers_said:
            continue
        if error.message.startswith("the task is in lane"):
            continue  # said at the lane itself (validation_rules.check_lanes)
        if error.message.startswith("the task is in no lane"):
            problems.append(_from_error("lane", TASK_NO_LANE, error, root))
        elif error.message.startswith("the file has no executable process"):
            problems.append(Problem("bpmn", NO_PROCESS))
        else:
            problems.append(_from_error("bpmn", ENGINE_REFUSED, error, root, detail=error.message))
    return problems


_NOT_FOUND = re.compile(r"The process '([^']+)' was not found")


def _pin_called_process(error: BpmnError, root) -> None:
    """SpiffWorkflow names a missing called process but not the call activity: pin it there."""
    found = None if error.element_id else _NOT_FOUND.search(str(error.message))
    if found:
        calls = root.xpath("//*[local-name()='callActivity'][@calledElement=$p]", p=found.group(1))
        if calls:
            error.element_id, error.line = calls[0].get("id"), calls[0].sourceline


def _xsd_detail(message: str) -> str:
    """What the XSD says, without the "Not valid BPMN 2.0: " the studio's template says itself."""
    if isinstance(message, Message) and "detail" in message.params:
        return message.params["detail"]
    return message.removeprefix("Not valid BPMN 2.0: ")


def check_diagram(session, xml: bytes | str, key: str | None = None) -> list[Problem]:
    """Every problem of a diagram, in file order; an empty list means it may be deployed.
    session: forms made in the editor and roles added by administrators count (None: the files
    and built-in roles alone); key: the process it is saved or deployed as."""
    return validate(xml, session) + (key_problems(xml, key) if key is not None else [])


def validate(xml: bytes | str, session=None) -> list[Problem]:
    """check_diagram without a process key (the studio's historical name)."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    try:
        tree = parse_bpmn_xml(data, max_bytes=MAX_BYTES)
    except BpmnValidationError as exc:
        return [Problem("xml", NOT_WELL_FORMED, {"detail": e.message}, line=e.line) for e in exc.errors]
    root = tree.getroot()
    structural = ([_from_error("xsd", NOT_BPMN, e, root, detail=_xsd_detail(e.message))
                   for e in validate_bpmn_xsd(tree)]
                  + [_from_error("bpmn", RESERVED_ID, e, root) for e in _reserved_id_errors(tree)]
                  + check_references(root) + decision_reference_problems(session, data))
    problems = (structural + [_code_problem(e, root) for e in find_code_errors(tree)]
                + system_problems(root, structural_ok=not structural, session=session)
                + check_service_tasks(root, session))
    if not structural:  # SpiffWorkflow's messages about a broken structure only confuse
        problems += _engine_problems(data, root, problems, session)
    problems.sort(key=lambda p: p.line or 0)
    return problems


def process_key_of(xml: bytes | str) -> str | None:
    """The id of the diagram's main process, or None if it has none (or is not BPMN)."""
    try:
        return _main_process_id(parse_bpmn_xml(xml, max_bytes=MAX_BYTES))
    except BpmnValidationError:
        return None


def key_problems(xml: bytes | str, key: str) -> list[Problem]:
    """A problem if the diagram's process is not the process it is saved or deployed as."""
    found = process_key_of(xml)
    if found is None or found == key:
        return []
    return [Problem("process_key", KEY_MISMATCH, {"found": found, "key": key})]




def timers_of(xml: bytes | str, problems: list[Problem] = ()) -> list[dict]:
    """The meaning of every timer of a diagram (modeling.timer_meaning), but those the problems
    fault (their problem says what is wrong instead); [] if the file cannot be read."""
    faulted = {p.element_id for p in problems if p.kind in ("timer", "sandbox")}
    try:
        found = timer_meanings(parse_bpmn_xml(xml, max_bytes=MAX_BYTES).getroot())
    except BpmnValidationError:
        return []
    return [timer for timer in found if timer["element_id"] not in faulted]
