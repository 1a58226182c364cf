"""The process owners' studio: validate a diagram completely, keep drafts, deploy them as versions.

Validation gathers every problem at once (a draft may be saved with problems; a deploy may
not): well-formed XML, the BPMN 2.0 XSD, SpiffWorkflow's parser, the sandbox check of every
script and expression, and the system's rules (modeling.rules).
"""
import re

from lxml import etree
from sqlalchemy import func, select, update
from sqlalchemy.orm import undefer

from models import Instance, ProcessVersion
from models.studio import ProcessDraft

from engine.spiff.code_checks import find_code_errors
from modeling.deploy import deploy_process, list_processes
from models.errors import BpmnError, BpmnValidationError, NotFound
from models.messages import Message
from engine.spiff.parsing import BPMN_NS, _main_process_id, _reserved_id_errors, parse_definition
from modeling.rules import Problem, check_references, label, system_problems
from engine.spiff.xmlsafe import parse_bpmn_xml, validate_bpmn_xsd

MAX_BYTES = 5_000_000
# What a process id may be in a URL: an XML NCName without dots or dashes surprises nobody.
KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,119}")

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


class StudioRefused(BpmnValidationError):
    """A deploy was refused; carries the problems (modeling.rules.Problem)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__([BpmnError(p.message, p.element_id, p.line) for p in problems])


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


def _engine_problems(xml: bytes, root) -> list[Problem]:
    """What SpiffWorkflow's parser (through parse_definition) refuses that the rules did not say."""
    try:
        parse_definition(xml, check_forms=False, check_code=False)
        return []
    except BpmnValidationError as exc:
        errors = exc.errors
    problems = []
    for error in errors:
        if error.message.startswith("the task is in lane"):
            continue  # said at the lane itself (validation_rules.check_lanes)
        if error.message.startswith("the task is in no lane"):
            problems.append(_from_error("lane", TASK_NO_LANE, error, root))
        elif error.message.startswith("the file has no executable process"):
            problems.append(Problem("bpmn", NO_PROCESS))
        else:
            problems.append(_from_error("bpmn", ENGINE_REFUSED, error, root, detail=error.message))
    return problems


def _xsd_detail(message: str) -> str:
    """What the XSD says, without the "Not valid BPMN 2.0: " the studio's template says itself."""
    if isinstance(message, Message) and "detail" in message.params:
        return message.params["detail"]
    return message.removeprefix("Not valid BPMN 2.0: ")


def validate(xml: bytes | str, session=None) -> list[Problem]:
    """Every problem of a diagram, in file order; an empty list means it may be deployed.
    session: forms made in the editor count as existing (the files alone without one)."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    try:
        tree = parse_bpmn_xml(data, max_bytes=MAX_BYTES)
    except BpmnValidationError as exc:
        return [Problem("xml", NOT_WELL_FORMED, {"detail": e.message}, line=e.line) for e in exc.errors]
    root = tree.getroot()
    structural = ([_from_error("xsd", NOT_BPMN, e, root, detail=_xsd_detail(e.message))
                   for e in validate_bpmn_xsd(tree)]
                  + [_from_error("bpmn", RESERVED_ID, e, root) for e in _reserved_id_errors(tree)]
                  + check_references(root))
    problems = (structural + [_code_problem(e, root) for e in find_code_errors(tree)]
                + system_problems(root, structural_ok=not structural, session=session))
    if not structural:  # SpiffWorkflow's messages about a broken structure only confuse
        problems += _engine_problems(data, root)
    problems.sort(key=lambda p: p.line or 0)
    return problems


def process_key_of(xml: bytes | str) -> str | None:
    """The id of the diagram's main process, or None if it has none (or is not BPMN)."""
    try:
        return _main_process_id(parse_bpmn_xml(xml, max_bytes=MAX_BYTES))
    except BpmnValidationError:
        return None


def import_key_of(xml: bytes | str, filename: str = "") -> str | None:
    """The key an imported file's draft is kept under: its main executable process, else its
    first process, else the definitions' id, else the file name (made a valid key).

    Files from other tools are often marked not executable or hold only black-box pools:
    they are still imported and drawn, and validation says what stops them from running.
    """
    key = process_key_of(xml)
    if key is not None and KEY_RE.fullmatch(key):
        return key
    try:
        root = parse_bpmn_xml(xml, max_bytes=MAX_BYTES).getroot()
    except BpmnValidationError:
        return None
    process = next(root.iterfind(f"{{{BPMN_NS}}}process"), None)
    for candidate in ((process.get("id") if process is not None else None), root.get("id"),
                      filename.rsplit("/", 1)[-1].rsplit(".", 1)[0]):
        cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", candidate or "")[:120]
        if cleaned and not cleaned[0].isalpha() and cleaned[0] != "_":
            cleaned = f"p_{cleaned}"[:120]
        if cleaned and KEY_RE.fullmatch(cleaned):
            return cleaned
    return None


def key_problems(xml: bytes | str, key: str) -> list[Problem]:
    """A problem if the diagram's process is not the process it is saved or deployed as."""
    found = process_key_of(xml)
    if found is None or found == key:
        return []
    return [Problem("process_key", KEY_MISMATCH, {"found": found, "key": key})]


def current_draft(session, key: str, with_xml: bool = False) -> ProcessDraft | None:
    """The process's current draft, or None."""
    query = select(ProcessDraft).where(ProcessDraft.process_key == key, ProcessDraft.is_current.is_(True))
    if with_xml:
        query = query.options(undefer(ProcessDraft.bpmn_xml))
    return session.scalars(query.order_by(ProcessDraft.id.desc()).limit(1)).first()


def _clear_current(session, key: str) -> None:
    session.execute(update(ProcessDraft).where(ProcessDraft.process_key == key,
                                               ProcessDraft.is_current.is_(True))
                    .values(is_current=False))


def as_text(xml: bytes | str) -> str:
    """The diagram as text; a file in another encoding (UTF-16) is rewritten without its declaration."""
    if isinstance(xml, str):
        return xml
    try:
        return xml.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return etree.tostring(parse_bpmn_xml(xml, max_bytes=MAX_BYTES), encoding="unicode")
    except BpmnValidationError:
        return xml.decode("utf-8", errors="replace")  # kept as a draft, with its problems


def save_draft(session, key: str, xml: bytes | str, user, source: str = "editor") -> tuple[ProcessDraft, list[Problem]]:
    """Save the process's draft (the previous one stays as history); return it and its problems."""
    text = as_text(xml)
    problems = validate(text, session) + key_problems(text, key)
    _clear_current(session, key)
    draft = ProcessDraft(process_key=key, bpmn_xml=text, saved_by_id=user.id if user else None,
                         source=source, problem_count=len(problems), is_current=True)
    session.add(draft)
    session.flush()
    return draft, problems


def draft_history(session, key: str) -> list[ProcessDraft]:
    """Every save of the process's drafts, newest first."""
    return list(session.scalars(select(ProcessDraft).where(ProcessDraft.process_key == key)
                                .order_by(ProcessDraft.id.desc())))


def deploy(session, key: str, xml: bytes | str | None, user) -> tuple[ProcessVersion, bool]:
    """Deploy the given diagram, or the current draft if None; raise StudioRefused with its problems."""
    draft = current_draft(session, key, with_xml=True)
    if not xml or not xml.strip():
        if draft is None:
            raise NotFound("Process {key} has no draft to deploy.", key=key)
        xml = draft.bpmn_xml
    data = as_text(xml).encode("utf-8")
    problems = key_problems(data, key) + validate(data, session)
    if problems:
        raise StudioRefused(problems)
    version, created = deploy_process(session, data, user, filename=f"{key}.bpmn")
    if draft is not None:
        if draft.bpmn_xml == as_text(data):
            draft.deployed_version_id = version.id
        _clear_current(session, key)
    session.flush()
    return version, created


def get_version(session, key: str, number: int | None = None) -> ProcessVersion:
    """A version of a process (the latest if number is None); raise NotFound."""
    query = select(ProcessVersion).where(ProcessVersion.process_key == key)
    query = (query.where(ProcessVersion.version == number) if number is not None
             else query.order_by(ProcessVersion.version.desc()).limit(1))
    version = session.scalars(query).first()
    if version is None:
        if number is None:
            raise NotFound("Process {key} has no deployed version.", key=key)
        raise NotFound("Process {key} has no version {number}.", key=key, number=number)
    return version


def source(session, key: str, version: int | None = None, draft: bool = False) -> tuple[str, str]:
    """(xml, what it is: "draft" or "v<N>"): the asked version, the draft, else draft or latest."""
    if version is None:
        found = current_draft(session, key, with_xml=True)
        if found is not None:
            return found.bpmn_xml, "draft"
        if draft:
            raise NotFound("Process {key} has no draft.", key=key)
    chosen = get_version(session, key, version)
    return chosen.bpmn_xml, f"v{chosen.version}"


def running_counts(session, key: str) -> dict[int, int]:
    """Process version id -> number of its running instances."""
    rows = session.execute(select(Instance.process_version_id, func.count())
                           .where(Instance.process_key == key, Instance.status == "running")
                           .group_by(Instance.process_version_id))
    return {version_id: count for version_id, count in rows}


def overview(session) -> list[dict]:
    """Every process (deployed, or only drafted): latest version and its current draft."""
    drafts = {d.process_key: d for d in session.scalars(
        select(ProcessDraft).where(ProcessDraft.is_current.is_(True)).order_by(ProcessDraft.id))}
    rows = [{"key": v.process_key, "name": v.name, "latest": v, "draft": drafts.pop(v.process_key, None)}
            for v in list_processes(session)]
    rows += [{"key": key, "name": key, "latest": None, "draft": draft} for key, draft in sorted(drafts.items())]
    return rows
