"""Beginning, reopening and restoring process drafts, and the guard against saving a diagram the
modeler did not load whole (issue 20). modeling.studio keeps validation, saving and deploying."""
import hashlib
from xml.sax.saxutils import quoteattr

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import undefer

from models import ProcessVersion
from models.errors import BpmnValidationError, Conflict, InvalidData, NotFound
from models.studio import ProcessDraft
from engine.spiff.xmlsafe import parse_bpmn_xml

from modeling import studio

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NAME_MAX = 200
KEY_MALFORMED = ("The process key {key} is not usable: it starts with a Latin letter or _ and "
                 "has only Latin letters, digits, _ . and - (at most 120)")
KEY_TAKEN = "A process with the key {key} already exists; open it from the studio's list"
NAME_MISSING = "Give the new process a name"
NAME_TOO_LONG = "The name of the process is longer than 200 characters"
DRAFT_MISSING = "Process {key} has no saved draft {number}."
TEMPLATES = (KEY_MALFORMED, KEY_TAKEN, NAME_MISSING, NAME_TOO_LONG, DRAFT_MISSING)
# Refusals of a draft save (the web layer translates them).
IMPORT_FAILED = ("The modeler did not load the whole diagram, so saving it would lose part of it; "
                 "reload the page or export the file and fix it")
SHRANK = ("This save drops {lost} element(s) of the diagram that was opened ({ids}); "
          "save again to confirm that they were deleted on purpose")
SAVE_TEMPLATES = (IMPORT_FAILED, SHRANK)


def sha256_of(xml: bytes | str) -> str:
    """The SHA-256 of a diagram's text (UTF-8), as the studio's script computes it."""
    return hashlib.sha256(studio.as_text(xml).encode("utf-8")).hexdigest()


def _new_process_xml(key: str, name: str) -> str:
    pid = quoteattr(key)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:collaboration id="Collaboration_1">
    <bpmn:participant id="Participant_1" name={quoteattr(name)} processRef={pid} />
  </bpmn:collaboration>
  <bpmn:process id={pid} name={quoteattr(name)} isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="Collaboration_1">
      <bpmndi:BPMNShape id="Participant_1_di" bpmnElement="Participant_1" isHorizontal="true">
        <dc:Bounds x="120" y="80" width="700" height="250" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
        <dc:Bounds x="202" y="187" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def key_taken(session, key: str) -> bool:
    """A deployed version or any draft (current or earlier) already uses the key."""
    for model in (ProcessVersion, ProcessDraft):
        if session.scalar(select(model.id).where(model.process_key == key).limit(1)) is not None:
            return True
    return False


def new_process(session, key: str, name: str, user) -> ProcessDraft:
    """Begin a process: a draft with one start event in a pool without lanes; raise InvalidData
    for a malformed key or name, Conflict for a key in use."""
    key, name = (key or "").strip(), " ".join((name or "").split())
    if not studio.KEY_RE.fullmatch(key):
        raise InvalidData(KEY_MALFORMED, key=key)
    if not name:
        raise InvalidData(NAME_MISSING)
    if len(name) > NAME_MAX:
        raise InvalidData(NAME_TOO_LONG)
    if key_taken(session, key):
        raise Conflict(KEY_TAKEN, key=key)
    draft, _problems = studio.save_draft(session, key, _new_process_xml(key, name), user, source="new")
    return draft


def get_draft(session, key: str, draft_id: int) -> ProcessDraft:
    """One saved draft of the process (current or earlier), with its diagram; raise NotFound."""
    draft = session.scalars(select(ProcessDraft).options(undefer(ProcessDraft.bpmn_xml))
                            .where(ProcessDraft.id == draft_id, ProcessDraft.process_key == key)).first()
    if draft is None:
        raise NotFound(DRAFT_MISSING, key=key, number=draft_id)
    return draft


def restore_draft(session, key: str, user, draft_id: int | None = None,
                  version: int | None = None) -> ProcessDraft:
    """Make an earlier draft, or a deployed version, the process's current draft again (a new
    save; the history keeps every earlier one)."""
    if draft_id is not None:
        xml = get_draft(session, key, draft_id).bpmn_xml
    else:
        xml = studio.get_version(session, key, version).bpmn_xml
    draft, _problems = studio.save_draft(session, key, xml, user, source="restore")
    return draft


def _contents(xml: bytes | str) -> tuple[set, set] | None:
    """(ids of processes and participants, ids of everything inside processes) or None if unreadable."""
    try:
        root = parse_bpmn_xml(studio.as_text(xml).encode("utf-8"), max_bytes=studio.MAX_BYTES)
    except (BpmnValidationError, ValueError, etree.XMLSyntaxError):
        return None
    top = {e.get("id") for e in root.iter(f"{{{BPMN_NS}}}process", f"{{{BPMN_NS}}}participant") if e.get("id")}
    inner = {e.get("id") for p in root.iter(f"{{{BPMN_NS}}}process") for e in p.iter() if e.get("id")}
    return top, inner - top


def loaded_source(session, key: str, base_sha: str | None) -> str | None:
    """The diagram the modeler opened: the saved draft or version whose text has `base_sha`,
    else (no or unknown hash) the current draft."""
    current = studio.current_draft(session, key, with_xml=True)
    if base_sha:
        if current is not None and sha256_of(current.bpmn_xml) == base_sha:
            return current.bpmn_xml
        earlier = session.scalars(select(ProcessDraft).options(undefer(ProcessDraft.bpmn_xml))
                                  .where(ProcessDraft.process_key == key)
                                  .order_by(ProcessDraft.id.desc()).limit(50))
        versions = session.scalars(select(ProcessVersion).where(ProcessVersion.process_key == key))
        for xml in [d.bpmn_xml for d in earlier] + [v.bpmn_xml for v in versions]:
            if sha256_of(xml) == base_sha:
                return xml
    return current.bpmn_xml if current is not None else None


def save_refusal(session, key: str, xml: bytes | str, base_sha: str | None = None,
                 import_failed: bool = False, confirmed: bool = False):
    """Why a draft save must be refused, as (template, params), or None. Refused: a save from
    a modeler that reports its import failed; and, unless confirmed, a save that lost a
    process or participant of the diagram opened, or more than half of its elements (a
    partial import), which an edit rarely does and a failed load always does."""
    if import_failed:
        return IMPORT_FAILED, {}
    if confirmed:
        return None
    before_xml = loaded_source(session, key, base_sha)
    before = _contents(before_xml) if before_xml is not None else None
    after = _contents(xml)
    if before is None or after is None:
        return None  # nothing whole to compare with, or unreadable: validation reports it
    lost_top = sorted(before[0] - after[0])
    lost_inner = before[1] - after[1]
    if lost_top or (len(before[1]) >= 4 and len(after[1]) * 2 < len(before[1])):
        ids = lost_top or sorted(lost_inner)
        shown = ", ".join(ids[:8]) + ("…" if len(ids) > 8 else "")
        return SHRANK, {"lost": len(lost_top) + len(lost_inner), "ids": shown}
    return None
