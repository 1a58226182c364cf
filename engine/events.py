"""The append-only event log of an instance, chained by SHA-256, and the city-wide chain of
operator actions (legal holds, disposals, deploys, migrations, grants ...), hashed the same way
with instance 0: replay reads only an instance's own log, so it never meets them.

A citizen's personal data in a payload (models.shredding.PERSONAL_FIELDS) is stored sealed
with the case's key and hashed as sealed: once the key is destroyed the values read as
destroyed and the chain still verifies. The chain checks read the stored rows (list_events);
everything that shows or re-applies a payload reads it opened (read_events, revealed_data).
"""
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import event as sa_event, insert, select, text
from sqlalchemy.orm import Session

from models import Event, User, utcnow
from models.audit import OperatorEvent
from models.shredding import reveal_personal, seal_personal

GENESIS_SHA256 = "0" * 64
CITY_CHAIN = 0  # the instance id the city-wide chain hashes with (no instance has it)
_CITY_LOCK = 190_032  # PostgreSQL advisory lock: one appender of the city chain at a time
# session.info: the event rows appended since the last flush, written at its end (issue 21).
_PENDING_EVENTS = "engine.pending_events"
_INSERT_EVENTS = insert(Event.__table__)


def event_digest(prev_sha256: str, instance_id: int, seq: int, type_: str, task_spec,
                 spiff_task_id, actor_id, at, data) -> str:
    """Hash an event's content together with the previous event's hash."""
    body = json.dumps(
        [prev_sha256, instance_id, seq, type_, task_spec, spiff_task_id, actor_id,
         at.isoformat(timespec="microseconds"), data],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def append_event(session, instance, type_: str, *, actor=None, task_spec=None,
                 spiff_task_id=None, data=None) -> dict:
    """Append one event to the instance's log (never flushes: the caller's flush writes it);
    returns the row's values.

    The head of the chain (seq and hash of the newest event) is kept on the instance row,
    which the same flush updates with its optimistic version check: two transactions that
    append to one instance cannot both commit, so the chain never forks. The rows are not ORM
    objects (a unit-of-work pass per event cost more than the insert): they wait in the
    session and the end of the next flush inserts them in one statement (_write_pending_events),
    after the instance rows and their version checks; a rollback drops them.
    """
    seq, prev = _chain_head(session, instance)
    seq += 1
    at = utcnow()
    data = seal_personal(session, instance.id, json.loads(json.dumps(data or {}, default=str)))
    actor_id = actor.id if actor is not None else None
    row = {"instance_id": instance.id, "seq": seq, "type": type_, "task_spec": task_spec,
           "spiff_task_id": spiff_task_id, "actor_id": actor_id, "at": at, "data": data,
           "prev_sha256": prev,
           "sha256": event_digest(prev, instance.id, seq, type_, task_spec, spiff_task_id,
                                  actor_id, at, data)}
    session.info.setdefault(_PENDING_EVENTS, []).append(row)
    instance.last_event_seq, instance.last_event_sha256 = seq, row["sha256"]
    return row


@sa_event.listens_for(Session, "after_flush")
def _write_pending_events(session, _flush_context) -> None:
    # The flush has written the instance rows (their version checks passed): their events now.
    rows = session.info.pop(_PENDING_EVENTS, None)
    if rows:
        session.connection().execute(_INSERT_EVENTS, rows)


@sa_event.listens_for(Session, "after_soft_rollback")
def _drop_pending_events(session, _previous_transaction) -> None:
    # Any rollback (a savepoint's, a failed flush's) undoes the instance changes they chain to.
    session.info.pop(_PENDING_EVENTS, None)


def _chain_head(session, instance) -> tuple[int, str]:
    """(seq, sha256) of the instance's newest event; (0, genesis) when it has none."""
    if instance.last_event_seq is not None and instance.last_event_sha256 is not None:
        return instance.last_event_seq, instance.last_event_sha256
    # Not known (an instance row written outside the engine): read it once from the log.
    last = session.execute(
        select(Event.seq, Event.sha256).where(Event.instance_id == instance.id)
        .order_by(Event.seq.desc()).limit(1)).first()
    return (last.seq, last.sha256) if last else (0, GENESIS_SHA256)


def list_events(session, instance_id: int) -> list[Event]:
    """The instance's events in order."""
    return list(session.scalars(
        select(Event).where(Event.instance_id == instance_id).order_by(Event.seq)))


def verify_chain(events) -> int | None:
    """Return the seq of the first event whose hash does not match, or None if intact."""
    prev = GENESIS_SHA256
    for expected_seq, ev in enumerate(events, start=1):
        if ev.seq != expected_seq or ev.prev_sha256 != prev or ev.sha256 != event_digest(
                prev, ev.instance_id, ev.seq, ev.type, ev.task_spec, ev.spiff_task_id,
                ev.actor_id, ev.at, ev.data):
            return ev.seq
        prev = ev.sha256
    return None


@dataclass
class EventView:
    """An event as it is shown and re-applied: its payload with personal data opened (or
    destroyed); never written back (the stored row keeps the sealed payload)."""
    id: int
    instance_id: int
    seq: int
    type: str
    task_spec: str | None
    spiff_task_id: str | None
    actor_id: int | None
    at: datetime
    data: dict
    prev_sha256: str
    sha256: str
    actor: User | None = field(default=None, repr=False)


def revealed_data(session, instance_id: int, data):
    """A payload with its sealed personal values opened (models.shredding.DESTROYED if gone)."""
    return reveal_personal(session, instance_id, data)


def view_of(session, event: Event) -> EventView:
    """An event row as shown: its payload opened."""
    return EventView(event.id, event.instance_id, event.seq, event.type, event.task_spec,
                     event.spiff_task_id, event.actor_id, event.at,
                     revealed_data(session, event.instance_id, event.data), event.prev_sha256,
                     event.sha256, event.actor)


def read_events(session, instance_id: int) -> list[EventView]:
    """The instance's events in order, as shown and re-applied (payloads opened)."""
    return [view_of(session, event) for event in list_events(session, instance_id)]


# --- The city-wide chain of operator actions --------------------------------------------------

def append_operator_event(session, type_: str, *, actor=None, reason: str = "",
                          data=None) -> OperatorEvent:
    """Append one operator action to the city-wide chain with who, when and why; flushes.

    Appenders are serialised (an advisory lock held to the end of the transaction on
    PostgreSQL; SQLite has one writer), and seq is unique, so the chain never forks.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CITY_LOCK})
    seq, prev = city_chain_head(session)
    seq += 1
    at = utcnow()
    payload = json.loads(json.dumps({**(data or {}), "reason": (reason or "").strip()},
                                    default=str))
    actor_id = actor.id if actor is not None else None
    event = OperatorEvent(seq=seq, type=type_, actor_id=actor_id, at=at, data=payload,
                          prev_sha256=prev,
                          sha256=operator_digest(prev, seq, type_, actor_id, at, payload))
    session.add(event)
    session.flush()
    return event


def operator_digest(prev_sha256: str, seq: int, type_: str, actor_id, at, data) -> str:
    """The hash of an operator action: event_digest with instance 0 and no task."""
    return event_digest(prev_sha256, CITY_CHAIN, seq, type_, None, None, actor_id, at, data)


def city_chain_head(session) -> tuple[int, str]:
    """(seq, sha256) of the newest operator action; (0, genesis) when there is none."""
    last = session.execute(select(OperatorEvent.seq, OperatorEvent.sha256)
                           .order_by(OperatorEvent.seq.desc()).limit(1)).first()
    return (last.seq, last.sha256) if last else (0, GENESIS_SHA256)


def list_operator_events(session, limit: int | None = None, newest_first: bool = False):
    """The operator actions in chain order (or the newest first)."""
    order = OperatorEvent.seq.desc() if newest_first else OperatorEvent.seq
    query = select(OperatorEvent).order_by(order)
    return list(session.scalars(query.limit(limit) if limit else query))


def verify_city_chain(events) -> int | None:
    """The seq of the first operator action whose hash or link does not hold, or None."""
    prev = GENESIS_SHA256
    for expected_seq, ev in enumerate(events, start=1):
        if ev.seq != expected_seq or ev.prev_sha256 != prev or ev.sha256 != operator_digest(
                prev, ev.seq, ev.type, ev.actor_id, ev.at, ev.data):
            return ev.seq
        prev = ev.sha256
    return None
