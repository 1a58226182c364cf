"""Drafts of decision tables: each process owner keeps their own current draft of a DMN file
until they deploy it. Stored in `process_drafts` (every save a row, as diagrams) under the key
"dmn:<key>", which no process key can be (a colon is not allowed in one), so no migration."""
import re
from xml.sax.saxutils import quoteattr

from sqlalchemy import select, update
from sqlalchemy.orm import undefer

from engine.decisions.tables import NOT_DMN, NOT_READABLE
from models.errors import Conflict, InvalidData, NotFound
from models.studio import ProcessDraft

PREFIX = "dmn:"
KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,115}")
NAME_MAX = 200
DMN_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"
KEY_MALFORMED = ("The decision key {key} is not usable: it starts with a Latin letter or _ and "
                 "has only Latin letters, digits, _ . and - (at most 116)")
NAME_MISSING = "Give the new decision table a name"
NAME_TOO_LONG = "The name of the decision table is longer than 200 characters"
DRAFT_MISSING = "Decision table {key} has no draft {number}."
KEY_TAKEN = "A decision table with the key {key} already exists; open it from the list"
TEMPLATES = (KEY_MALFORMED, NAME_MISSING, NAME_TOO_LONG, DRAFT_MISSING, KEY_TAKEN)


def stored_key(key: str) -> str:
    """The `process_drafts.process_key` of a decision file's drafts."""
    return PREFIX + key


def is_decision_key(stored: str) -> bool:
    """Whether a `process_drafts.process_key` belongs to a decision table (not a process)."""
    return stored.startswith(PREFIX)


def check_key(key: str) -> str:
    """The key, stripped; raise InvalidData for one that is malformed."""
    key = (key or "").strip()
    if not KEY_RE.fullmatch(key):
        raise InvalidData(KEY_MALFORMED, key=key)
    return key


def current_draft(session, key: str, user, with_xml: bool = False) -> ProcessDraft | None:
    """This user's current draft of the decision file, if any."""
    if user is None or not KEY_RE.fullmatch(key):
        return None
    query = select(ProcessDraft).where(ProcessDraft.process_key == stored_key(key),
                                       ProcessDraft.saved_by_id == user.id,
                                       ProcessDraft.is_current.is_(True))
    if with_xml:
        query = query.options(undefer(ProcessDraft.bpmn_xml))
    return session.scalars(query.order_by(ProcessDraft.id.desc()).limit(1)).first()


def save_draft(session, key: str, xml: bytes | str, user, problem_count: int = 0) -> ProcessDraft:
    """Keep the XML as this user's current draft (the earlier ones stay as history)."""
    text = xml.decode("utf-8") if isinstance(xml, bytes) else xml
    close_draft(session, key, user)
    draft = ProcessDraft(process_key=stored_key(check_key(key)), bpmn_xml=text, saved_by_id=user.id,
                         source="editor", problem_count=problem_count, is_current=True)
    session.add(draft)
    session.flush()
    return draft


def close_draft(session, key: str, user) -> None:
    """This user's draft is no longer current (after a deploy of it); the rows stay."""
    session.execute(update(ProcessDraft).where(ProcessDraft.process_key == stored_key(key),
                                               ProcessDraft.saved_by_id == user.id,
                                               ProcessDraft.is_current.is_(True))
                    .values(is_current=False))


def get_draft(session, key: str, draft_id: int) -> ProcessDraft:
    """A saved draft (any user's, current or earlier) of the decision file, with its XML."""
    draft = session.scalars(select(ProcessDraft).options(undefer(ProcessDraft.bpmn_xml))
                            .where(ProcessDraft.id == draft_id,
                                   ProcessDraft.process_key == stored_key(key))).first()
    if draft is None:
        raise NotFound(DRAFT_MISSING, key=key, number=draft_id)
    return draft


def current_drafts(session) -> dict[str, list[ProcessDraft]]:
    """Decision key -> the current drafts of it (one per user who keeps one), newest first."""
    found: dict[str, list[ProcessDraft]] = {}
    rows = session.scalars(select(ProcessDraft).where(ProcessDraft.process_key.startswith(PREFIX),
                                                      ProcessDraft.is_current.is_(True))
                           .order_by(ProcessDraft.id.desc()))
    for draft in rows:
        found.setdefault(draft.process_key[len(PREFIX):], []).append(draft)
    return found


def latest_draft(session, key: str, with_xml: bool = False) -> ProcessDraft | None:
    """The newest current draft of the decision file, whoever saved it."""
    query = select(ProcessDraft).where(ProcessDraft.process_key == stored_key(key),
                                       ProcessDraft.is_current.is_(True))
    if with_xml:
        query = query.options(undefer(ProcessDraft.bpmn_xml))
    return session.scalars(query.order_by(ProcessDraft.id.desc()).limit(1)).first()


def draft_history(session, key: str) -> list[ProcessDraft]:
    """Every saved draft of the decision file, newest first (without the XML)."""
    return list(session.scalars(select(ProcessDraft).where(ProcessDraft.process_key == stored_key(key))
                                .order_by(ProcessDraft.id.desc())))


def new_table_xml(key: str, name: str) -> str:
    """A DMN 1.3 file with one decision table (unique hit policy, one input, one output, one
    rule) whose decision id is the key."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="{DMN_NS}" xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/" xmlns:dc="http://www.omg.org/spec/DMN/20180521/DC/" id="Definitions_{key}" name={quoteattr(name)} namespace="http://city.example/dmn">
  <decision id={quoteattr(key)} name={quoteattr(name)}>
    <decisionTable id="DecisionTable_1" hitPolicy="UNIQUE">
      <input id="Input_1" label="category">
        <inputExpression id="InputExpression_1" typeRef="string">
          <text>category</text>
        </inputExpression>
      </input>
      <output id="Output_1" label="result" name="result" typeRef="string" />
      <rule id="Rule_1">
        <inputEntry id="InputEntry_1">
          <text>"service"</text>
        </inputEntry>
        <outputEntry id="OutputEntry_1">
          <text>"yes"</text>
        </outputEntry>
      </rule>
    </decisionTable>
  </decision>
  <dmndi:DMNDI>
    <dmndi:DMNDiagram id="DMNDiagram_1">
      <dmndi:DMNShape id="DMNShape_1" dmnElementRef={quoteattr(key)}>
        <dc:Bounds height="80" width="180" x="160" y="100" />
      </dmndi:DMNShape>
    </dmndi:DMNDiagram>
  </dmndi:DMNDI>
</definitions>
"""


def new_table(session, key: str, name: str, user, key_in_use) -> ProcessDraft:
    """Begin a decision table as this user's draft; `key_in_use(key)` says whether a deployed
    decision or a draft already has the key. Raise InvalidData (malformed) or Conflict (taken)."""
    key, name = check_key(key), " ".join((name or "").split())
    if not name:
        raise InvalidData(NAME_MISSING)
    if len(name) > NAME_MAX:
        raise InvalidData(NAME_TOO_LONG)
    if key_in_use(key) or session.scalar(select(ProcessDraft.id).where(
            ProcessDraft.process_key == stored_key(key)).limit(1)) is not None:
        raise Conflict(KEY_TAKEN, key=key)
    return save_draft(session, key, new_table_xml(key, name), user)



def unreadable(problems) -> bool:
    """Whether the problems say the file is no DMN at all (not XML, another kind of file): such
    a body is refused rather than kept as a draft."""
    return any(p.template in (NOT_READABLE, NOT_DMN) for p in problems)
