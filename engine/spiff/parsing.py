"""Turn BPMN bytes into validated SpiffWorkflow specs, or a list of located errors."""
import hashlib
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from people.catalogue import roles_of
from people.permissions import READ_ONLY_ROLES
from people.roles import role_for_lane  # the built-in roles, for parsing without a session

from engine.problems.explain import explain_exception
from engine.problems.spiff_refusals import explain_spiff_exception
from models.errors import BpmnError, BpmnValidationError
from models.messages import Message
from formjs.forms import FormNotFound, load_form
from engine.spiff.code_checks import find_code_errors
from engine.spiff.timer_events import with_clock_timers
from engine.spiff.service_tasks import with_waiting_service_tasks
from engine.spiff.decision_task import with_decision_tasks
from notifications.notices import NOTICE_PROPERTIES, parse_notices
from workcal.working_time import due_properties
from engine.spiff.xmlsafe import parse_bpmn_xml, validate_bpmn_xsd

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS = {"bpmn": BPMN_NS}


class CityBpmnParser(SpiffBpmnParser):
    """SpiffWorkflow's parser (with its extensions: forms, properties, scripts) whose timer
    events run on the application's clock and whose service tasks wait for their connector's
    call (engine.spiff.service_tasks), through SpiffWorkflow's own parser-class table."""

    OVERRIDE_PARSER_CLASSES = with_decision_tasks(  # a businessRuleTask calls a deployed table
        with_waiting_service_tasks(with_clock_timers(SpiffBpmnParser.OVERRIDE_PARSER_CLASSES)),
        f"{{{BPMN_NS}}}businessRuleTask")


@dataclass
class ParsedDefinition:
    """A validated BPMN file: its main process, specs, lane roles and task forms."""
    process_key: str
    name: str
    content_sha256: str
    xml: str
    spec: object
    subprocess_specs: dict
    lanes: dict = field(default_factory=dict)   # lane name -> role code
    forms: dict = field(default_factory=dict)   # user task id -> form key


def content_sha256(xml: bytes) -> str:
    """The identity of a BPMN version: SHA-256 of its bytes."""
    return hashlib.sha256(xml).hexdigest()


# SpiffWorkflow names its own bookkeeping tasks so; an element with such an id is
# silently merged with them and the process loses its flow.
RESERVED_IDS = {"Start", "End", "Root"}


def _reserved_id_errors(tree) -> list[BpmnError]:
    errors = []
    for element in tree.getroot().iter():
        element_id = element.get("id") if isinstance(element.tag, str) else None
        if element_id in RESERVED_IDS or (element_id or "").endswith(".EndJoin"):
            errors.append(BpmnError(Message("the id {id!r} is reserved by the workflow engine; "
                                            "rename the element (e.g. StartEvent_1)", id=element_id),
                                    element_id=element_id,
                                    line=element.sourceline, tag=etree.QName(element).localname))
    return errors


def _main_process_id(tree) -> str:
    executable = [p for p in tree.getroot().iterfind(f"{{{BPMN_NS}}}process")
                  if p.get("isExecutable", "true") == "true"]
    if not executable:
        raise BpmnValidationError([BpmnError(
            Message("the file has no executable process (isExecutable=\"true\")"), tag="definitions")])
    called = {c.get("calledElement") for c in tree.getroot().iter(f"{{{BPMN_NS}}}callActivity")}
    roots = [p for p in executable if p.get("id") not in called] or executable
    return roots[0].get("id")


def _spiff_error(exc: ValidationException) -> BpmnError:
    message = str(getattr(exc, "message", None) or exc).split("\n")[0].strip()
    tag = getattr(exc, "tag", None) or None
    if message.rstrip(".").endswith("of type") and tag:  # SpiffWorkflow leaves the type out
        message = f"{message.rstrip('.')} {tag.rsplit(':', 1)[-1]}."
    return BpmnError(message, element_id=getattr(exc, "id", None) or None,
                     line=getattr(exc, "line_number", None) or None, tag=tag)


def _with_lines(errors: list[BpmnError], tree) -> list[BpmnError]:
    """Give errors that name an element but no line the line of that element in the file."""
    for error in errors:
        if error.element_id and not error.line:
            found = tree.getroot().xpath("//*[@id=$i]", i=error.element_id)
            if found:
                error.line = found[0].sourceline
    return errors


def _task_specs(spec, subprocess_specs):
    for process_spec in [spec, *subprocess_specs.values()]:
        yield from process_spec.task_specs.values()


def _check_lanes_and_forms(spec, subprocess_specs, check_forms: bool, session=None,
                           check_lanes: bool = True):
    lanes, forms, errors = {}, {}, []
    # The roles in force (the roles table) with a session; the built-in seed without one.
    lane_role = roles_of(session).role_for_lane if session is not None else role_for_lane
    for task_spec in _task_specs(spec, subprocess_specs):
        if not getattr(task_spec, "manual", False):
            continue
        lane = getattr(task_spec, "lane", None)
        role = lane_role(lane)
        if role is None and not check_lanes:
            pass  # a stored version: its lanes were checked at deploy (ProcessVersion.lanes)
        elif role is None:
            errors.append(BpmnError(
                Message("the task is in lane {lane!r}, which names no role; put it in a lane named "
                        "after a role (see people/roles.py)", lane=lane) if lane else
                Message("the task is in no lane, so no role can work on it; put it in a lane named "
                        "after a role"), element_id=task_spec.bpmn_id, tag="userTask"))
        else:
            lanes[lane] = role
        properties = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
        try:
            due_properties(properties)
        except ValueError as exc:
            errors.append(BpmnError(str(exc), element_id=task_spec.bpmn_id, tag="userTask"))
        for name in NOTICE_PROPERTIES:
            try:
                parse_notices(properties.get(name, ""))
            except ValueError as exc:
                errors.append(BpmnError(Message("{property}: {detail}", property=name, detail=str(exc)),
                                        element_id=task_spec.bpmn_id, tag="userTask"))
        form_key = properties.get("formKey")
        if form_key:
            forms[task_spec.bpmn_id] = form_key
            if check_forms:
                try:
                    load_form(form_key, session=session)
                except (FormNotFound, ValueError):
                    errors.append(BpmnError(Message("the form {form!r} does not exist in forms/",
                                                    form=form_key),
                                            element_id=task_spec.bpmn_id, tag="userTask"))
    return lanes, forms, errors


EXTERNAL_MESSAGE_ROLE = "externalMessageRole"  # a message catch event's: who may send it from outside


def _check_message_roles(spec, subprocess_specs, session=None) -> list[BpmnError]:
    """externalMessageRole (who may send a message from outside, the API) only on an event that
    catches a message, naming a known role that may act."""
    known = roles_of(session).is_role
    errors = []
    for task_spec in _task_specs(spec, subprocess_specs):
        properties = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
        if EXTERNAL_MESSAGE_ROLE not in properties:
            continue
        role = (properties.get(EXTERNAL_MESSAGE_ROLE) or "").strip()
        if not isinstance(getattr(task_spec, "event_definition", None), MessageEventDefinition):
            errors.append(BpmnError(Message("{property} belongs on an event that catches a message",
                                            property=EXTERNAL_MESSAGE_ROLE),
                                    element_id=task_spec.bpmn_id, tag="intermediateCatchEvent"))
        elif not known(role) or role in READ_ONLY_ROLES:
            errors.append(BpmnError(Message("{property} names {role!r}, which is not a role that may "
                                            "act; give a role's code (see people/roles.py)",
                                            property=EXTERNAL_MESSAGE_ROLE, role=role),
                                    element_id=task_spec.bpmn_id, tag="intermediateCatchEvent"))
    return errors


def parse_definition(xml: bytes | str, check_forms: bool = True, check_code: bool = True,
                     session=None, check_lanes: bool = True,
                     process_key: str | None = None) -> ParsedDefinition:
    """Validate a BPMN file completely and build its specs; raise BpmnValidationError.
    session: forms made in the editor and roles added by administrators count as existing (the
    files and the built-in roles alone without one). check_lanes=False: a stored version, whose
    lanes were checked when it was deployed. process_key: another process of the file than its
    main one (validation checks every executable process)."""
    xml_bytes = xml.encode("utf-8") if isinstance(xml, str) else xml
    tree = parse_bpmn_xml(xml_bytes)
    errors = (validate_bpmn_xsd(tree) + _reserved_id_errors(tree)
              + (find_code_errors(tree) if check_code else []))
    if errors:
        raise BpmnValidationError(errors)
    process_key = process_key or _main_process_id(tree)
    # A fresh parser per attempt: after a ValidationException a reused parser can
    # hand back a half-built spec.
    parser = CityBpmnParser(validator=None)
    try:
        parser.add_bpmn_xml(tree.getroot(), filename=None)
        spec = parser.get_spec(process_key)
        subprocess_specs = parser.get_subprocess_specs(process_key)
    except ValidationException as exc:
        raise BpmnValidationError(_with_lines([explain_spiff_exception(exc, tree)], tree)) from exc
    except (KeyError, TypeError, AttributeError, ValueError, NotImplementedError, RecursionError) as exc:
        # SpiffWorkflow crashed on something it does not expect: say what in the file it is.
        raise BpmnValidationError(_with_lines(explain_exception(exc, tree), tree)) from exc
    lanes, forms, errors = _check_lanes_and_forms(spec, subprocess_specs, check_forms, session,
                                                  check_lanes)
    if check_lanes:  # a stored version's were checked at deploy
        errors += _check_message_roles(spec, subprocess_specs, session)
    if errors:
        raise BpmnValidationError(_with_lines(errors, tree))
    process = tree.getroot().find(f"bpmn:process[@id='{process_key}']", NS)
    return ParsedDefinition(
        process_key=process_key, name=process.get("name") or process_key,
        content_sha256=content_sha256(xml_bytes), xml=xml_bytes.decode("utf-8"),
        spec=spec, subprocess_specs=subprocess_specs, lanes=lanes, forms=forms)


def element_name(xml: str, element_id: str) -> str | None:
    """The name attribute of an element of a BPMN file, for messages."""
    root = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(resolve_entities=False))
    found = root.xpath("//*[@id=$i]", i=element_id)
    return found[0].get("name") if found else None


# A stand-in for a timer the engine refused, so that the parse goes on to the elements after it
# (SpiffWorkflow stops at its first refusal); the timer itself is reported by modeling.rules.
_STAND_IN_TIMER = '"PT1H"'
MAX_ENGINE_ROUNDS = 20


def _set_aside_timers(root, errors: list[BpmnError], done: set) -> bool:
    """Give every refused timer event a readable stand-in time, once each (done: their ids);
    whether one was changed (if not, the parse cannot go on)."""
    changed = False
    for error in errors:
        if error.element_id in done:
            continue
        done.add(error.element_id)
        found = root.xpath("//*[@id=$i]", i=error.element_id) if error.element_id else []
        definitions = found[0].findall(f"{{{BPMN_NS}}}timerEventDefinition") if found else []
        for definition in definitions:
            for child in list(definition):
                definition.remove(child)
            duration = etree.SubElement(definition, f"{{{BPMN_NS}}}timeDuration")
            duration.text = _STAND_IN_TIMER
            changed = True
    return changed


def _process_parse_errors(root, process_key: str, xml_bytes: bytes, session=None) -> list[BpmnError]:
    """The refusals of one process's parse, going on past each refused timer (set aside in root)."""
    errors, done = [], set()
    for _round in range(MAX_ENGINE_ROUNDS):
        try:
            parse_definition(xml_bytes, check_forms=False, check_code=False, session=session,
                             process_key=process_key)
            return errors
        except BpmnValidationError as exc:
            errors += exc.errors
            if not _set_aside_timers(root, exc.errors, done):
                return errors
        # The file as changed (the lines stay: only a timer's own children changed).
        xml_bytes = etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")
    return errors


def collect_parse_errors(xml: bytes | str, session=None) -> list[BpmnError]:
    """Every refusal of SpiffWorkflow's parse (parse_definition without the form and code checks
    said elsewhere), not only the first: each executable process is parsed (the main one
    first), and a refused timer is set aside so that the parse goes on past it."""
    xml_bytes = xml.encode("utf-8") if isinstance(xml, str) else xml
    tree = parse_bpmn_xml(xml_bytes)
    try:
        main = _main_process_id(tree)
    except BpmnValidationError as exc:
        return exc.errors
    root = tree.getroot()
    keys = [main] + [p.get("id") for p in root.iterfind(f"{{{BPMN_NS}}}process")
                     if p.get("isExecutable", "true") == "true" and p.get("id") != main]
    errors, seen = [], set()
    for key in keys:
        if key != main:
            xml_bytes = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
        for error in _process_parse_errors(root, key, xml_bytes, session):
            if (error.element_id, str(error.message)) not in seen:
                seen.add((error.element_id, str(error.message)))
                errors.append(error)
    return errors
