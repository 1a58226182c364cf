"""The process owners' studio: validate a diagram completely, keep drafts, deploy them as versions.

Validation (modeling.validation.check_diagram) gathers every problem at once; a draft may be
saved with problems, a deploy may not.
"""
import re

from lxml import etree
from sqlalchemy import func, select, update
from sqlalchemy.orm import undefer

from models import Instance, ProcessVersion
from models.studio import ProcessDraft

from modeling.deploy import deploy_process, list_processes
from models.errors import BpmnError, BpmnValidationError, NotFound
from engine.spiff.parsing import BPMN_NS
from modeling.rules import Problem
# The one validation (modeling.validation), re-exported under the names the studio always had.
from modeling.validation import (CODE_TERMS, MAX_BYTES, TEMPLATES, check_diagram,  # noqa: F401
                                 key_problems, process_key_of, timers_of, validate)
from engine.spiff.xmlsafe import parse_bpmn_xml
# What a process id may be in a URL: an XML NCName without dots or dashes surprises nobody.
KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,119}")


class StudioRefused(BpmnValidationError):
    """A deploy was refused; carries the problems (modeling.rules.Problem)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__([BpmnError(p.message, p.element_id, p.line) for p in problems])


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
    problems = check_diagram(session, text, key)
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
    problems = check_diagram(session, data, key)
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
        select(ProcessDraft).where(ProcessDraft.is_current.is_(True),
                                   # decision tables' drafts share the table (modeling/decision_drafts.py)
                                   ~ProcessDraft.process_key.startswith("dmn:")).order_by(ProcessDraft.id))}
    rows = [{"key": v.process_key, "name": v.name, "latest": v, "draft": drafts.pop(v.process_key, None)}
            for v in list_processes(session)]
    rows += [{"key": key, "name": key, "latest": None, "draft": draft} for key, draft in sorted(drafts.items())]
    return rows
