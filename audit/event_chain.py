"""Tamper evidence for one instance's event chain: what exactly is wrong with it.

engine.events.verify_chain says only where the first break is; check_chain names each break
(changed, deleted, inserted, reordered, truncated) with the seq an auditor should look at.
"""
from itertools import groupby

from sqlalchemy import func, select

from models import Event, Instance
from models.messages import Message

from engine import GENESIS_SHA256, event_digest
from audit.chain_problem import ChainProblem, make_problem, short_hash


KINDS = ("changed", "deleted", "inserted", "reordered", "truncated")
_EVENT_COLUMNS = (Event.instance_id, Event.seq, Event.type, Event.task_spec, Event.spiff_task_id,
                  Event.actor_id, Event.at, Event.data, Event.prev_sha256, Event.sha256)


def _digest_of(ev, seq=None) -> str:
    return event_digest(ev.prev_sha256, ev.instance_id, ev.seq if seq is None else seq, ev.type,
                        ev.task_spec, ev.spiff_task_id, ev.actor_id, ev.at, ev.data)


def check_chain(events, head_seq=None, head_sha256=None, instance_id=None) -> list[ChainProblem]:
    """Every break of one instance's chain (events in seq order), named and explained.

    head_seq/head_sha256: the head stored on the instance row (None: not known, not checked).
    """
    events = sorted(events, key=lambda ev: ev.seq)
    problems: list[ChainProblem] = []
    reported: set[tuple[str, int]] = set()

    def report(kind, at_seq, text: Message):
        if (kind, at_seq) not in reported:
            reported.add((kind, at_seq))
            problems.append(make_problem(kind, at_seq, instance_id, text))

    index_of = {}
    for i, ev in enumerate(events):
        index_of.setdefault(ev.sha256, i)
    # Seqs renumbered by an insertion or deletion hash with their former seq: offset keeps
    # "changed" for content, not for the renumbering another problem already explains.
    offset, reordered, prev_sha, expected = 0, set(), GENESIS_SHA256, 1
    for i, ev in enumerate(events):
        before = events[i - 1] if i else None
        if before is not None and ev.seq == before.seq:
            report("inserted", ev.seq, Message("Two events carry seq {seq}: one of them was "
                   "inserted into the log, which the engine never does.", seq=ev.seq))
            continue
        if ev.seq > expected:
            if ev.seq == expected + 1:
                report("deleted", expected, Message("Event {missing} is missing: the log jumps from "
                       "seq {before} to {seq}, and event {seq} points to hash {hash}…, which no "
                       "remaining event has.", missing=expected, before=expected - 1, seq=ev.seq,
                       hash=short_hash(ev.prev_sha256)))
            else:
                report("deleted", expected, Message("Event {first} to {last} is missing: the log "
                       "jumps from seq {before} to {seq}, and event {seq} points to hash {hash}…, "
                       "which no remaining event has.", first=expected, last=ev.seq - 1,
                       before=expected - 1, seq=ev.seq, hash=short_hash(ev.prev_sha256)))
        elif ev.prev_sha256 != prev_sha:
            target = index_of.get(ev.prev_sha256)
            late = before is not None and ev.at < before.at
            if target is not None and target >= i:
                reordered.add(i)
                if late:
                    report("reordered", ev.seq, Message("Event {seq} points to event {target}, which "
                           "comes after it: events were moved out of their order (their times run "
                           "backwards too).", seq=ev.seq, target=events[target].seq))
                else:
                    report("reordered", ev.seq, Message("Event {seq} points to event {target}, which "
                           "comes after it: events were moved out of their order.",
                           seq=ev.seq, target=events[target].seq))
            elif target is not None and target < i - 1:
                skipped = range(target + 1, i)
                if all(j in reordered for j in skipped):
                    # After a swap the first event past it links correctly to the moved one.
                    if _digest_of(ev) != ev.sha256:
                        reordered.add(i)
                        report("reordered", ev.seq, Message("Event {seq} points back to event "
                               "{target}, skipping a moved event: events were swapped.",
                               seq=ev.seq, target=events[target].seq))
                else:
                    for j in skipped:
                        report("inserted", events[j].seq, Message("Event {seq} is not in the "
                               "chain: event {next} points past it to event {target}, so it was "
                               "inserted afterwards.", seq=events[j].seq, next=ev.seq,
                               target=events[target].seq))
                    offset += len(skipped)
            elif i + 1 < len(events) and before is not None and \
                    events[i + 1].prev_sha256 == before.sha256:
                pass  # the next event skips this one: reported as inserted on the next turn
            elif _digest_of(ev, ev.seq + 1) == ev.sha256:
                offset -= 1
                report("deleted", ev.seq, Message("An event was deleted before event {stored} and "
                       "the later events were renumbered: event {seq} was stored as {stored} and "
                       "points to a hash no remaining event has.", seq=ev.seq, stored=ev.seq + 1))
            elif before is not None and not (before.seq == head_seq and before.sha256 == head_sha256):
                report("changed", before.seq, Message("Event {seq} was changed and its hash "
                       "recomputed: event {next} still points to the old hash "
                       "{old}…, not to {new}….", seq=before.seq, next=ev.seq,
                       old=short_hash(ev.prev_sha256), new=short_hash(before.sha256)))
            else:
                report("inserted", ev.seq, Message("Event {seq} does not belong to the chain: it "
                       "points to hash {hash}…, not to the event before it.", seq=ev.seq,
                       hash=short_hash(ev.prev_sha256)))
        if _digest_of(ev) != ev.sha256 and i not in reordered and not (
                offset and _digest_of(ev, ev.seq - offset) == ev.sha256):
            report("changed", ev.seq, Message("Event {seq} ({type}) was changed after it was "
                   "written: its content no longer matches its hash, while the links to the "
                   "events around it hold.", seq=ev.seq, type=ev.type))
        prev_sha, expected = ev.sha256, ev.seq + 1
    _check_head(events, head_seq, head_sha256, report)
    return problems


def _check_head(events, head_seq, head_sha256, report) -> None:
    """The instance row's head against the log's end: removed or added at the end."""
    if head_seq is None:
        return
    last = events[-1] if events else None
    last_seq = last.seq if last else 0
    if last_seq < head_seq:
        if last_seq + 1 == head_seq:
            report("truncated", last_seq + 1, Message("Event {gone} was removed from the end: the "
                   "instance records {head} events (last hash {hash}…), the log ends at seq "
                   "{last}.", gone=head_seq, head=head_seq, hash=short_hash(head_sha256), last=last_seq))
        else:
            report("truncated", last_seq + 1, Message("Event {first} to {gone} was removed from the "
                   "end: the instance records {head} events (last hash {hash}…), the log ends at "
                   "seq {last}.", first=last_seq + 1, gone=head_seq, head=head_seq,
                   hash=short_hash(head_sha256), last=last_seq))
    elif last_seq > head_seq:
        for ev in events:
            if ev.seq > head_seq:
                report("inserted", ev.seq, Message("Event {seq} was added after the instance's "
                       "last event ({head}) without moving the instance's head: it was inserted "
                       "outside the engine.", seq=ev.seq, head=head_seq))
    elif head_sha256 is not None and last.sha256 != head_sha256:
        report("changed", last.seq, Message("Event {seq}, the last one, has hash {hash}… but the "
               "instance records {head}…: it was replaced.", seq=last.seq,
               hash=short_hash(last.sha256), head=short_hash(head_sha256)))


def check_instance(session, instance_id: int) -> list[ChainProblem]:
    """The chain problems of one instance (an unknown instance has none)."""
    head = session.execute(select(Instance.last_event_seq, Instance.last_event_sha256)
                           .where(Instance.id == instance_id)).first()
    if head is None:
        return []
    events = session.execute(select(*_EVENT_COLUMNS).where(Event.instance_id == instance_id)
                             .order_by(Event.seq)).all()
    return check_chain(events, head.last_event_seq, head.last_event_sha256, instance_id)


def check_all(session, batch_size: int = 2000):
    """Yield the chain problems of every instance: one ordered pass over the events table."""
    heads = {row.id: (row.last_event_seq, row.last_event_sha256) for row in session.execute(
        select(Instance.id, Instance.last_event_seq, Instance.last_event_sha256))}
    rows = session.execute(select(*_EVENT_COLUMNS).order_by(Event.instance_id, Event.seq)
                           .execution_options(yield_per=batch_size))
    seen = set()
    try:
        for instance_id, events in groupby(rows, key=lambda row: row.instance_id):
            seen.add(instance_id)
            head_seq, head_sha = heads.get(instance_id, (None, None))
            yield from check_chain(events, head_seq, head_sha, instance_id)
    finally:
        rows.close()  # a caller that stops early (a page of problems) frees the cursor now
    for instance_id, (head_seq, head_sha) in heads.items():
        if instance_id not in seen and head_seq:  # every event of it is gone
            yield from check_chain([], head_seq, head_sha, instance_id)


def instance_count(session) -> int:
    """How many instances a full check covers."""
    return session.scalar(select(func.count()).select_from(Instance)) or 0
