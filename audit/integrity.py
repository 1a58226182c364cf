"""Tamper evidence: what exactly is wrong with an instance's event chain, and daily digests.

engine.events.verify_chain says only where the first break is; check_chain names each break
(changed, deleted, inserted, reordered, truncated) with the seq an auditor should look at.
The daily digest hashes every instance's chain head and records the head of the city-wide chain
of operator actions; it is signed with an Ed25519 key kept outside the database
(audit.signing), so a history rewritten and every hash recomputed afterwards no longer matches
a signed digest, and a digest rewritten to match no longer carries a valid signature
(verify_digests). Copies written to a directory outside the database are compared too.
"""
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby
from pathlib import Path

from sqlalchemy import func, select, tuple_

from models import Event, Instance, utcnow
from models.audit import ChainDigest, OperatorEvent
from models.messages import Message

from workcal.store import local_today
from engine import (GENESIS_SHA256, city_chain_head, event_digest, list_operator_events,
                    verify_city_chain)
from audit.signing import signature_holds, signed_text


KINDS = ("changed", "deleted", "inserted", "reordered", "truncated")
_EVENT_COLUMNS = (Event.instance_id, Event.seq, Event.type, Event.task_spec, Event.spiff_task_id,
                  Event.actor_id, Event.at, Event.data, Event.prev_sha256, Event.sha256)


@dataclass(frozen=True)
class ChainProblem:
    kind: str          # one of KINDS, or for a kept digest: "digest", "missing", "changed",
                       # "unsigned", "signature", "copy"; "city" for the operator chain
    seq: int | None
    explanation: str   # English, for an auditor
    instance_id: int | None = None
    # The explanation as a template and its values, for the pages to translate (as
    # models.errors does; app.i18n.chain_explanation).
    template: str | None = None
    params: dict = field(default_factory=dict)


def _digest_of(ev, seq=None) -> str:
    return event_digest(ev.prev_sha256, ev.instance_id, ev.seq if seq is None else seq, ev.type,
                        ev.task_spec, ev.spiff_task_id, ev.actor_id, ev.at, ev.data)


def _short(sha: str | None) -> str:
    return (sha or "")[:12]


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
            problems.append(_problem(kind, at_seq, instance_id, text))

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
                       hash=_short(ev.prev_sha256)))
            else:
                report("deleted", expected, Message("Event {first} to {last} is missing: the log "
                       "jumps from seq {before} to {seq}, and event {seq} points to hash {hash}…, "
                       "which no remaining event has.", first=expected, last=ev.seq - 1,
                       before=expected - 1, seq=ev.seq, hash=_short(ev.prev_sha256)))
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
                       old=_short(ev.prev_sha256), new=_short(before.sha256)))
            else:
                report("inserted", ev.seq, Message("Event {seq} does not belong to the chain: it "
                       "points to hash {hash}…, not to the event before it.", seq=ev.seq,
                       hash=_short(ev.prev_sha256)))
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
                   "{last}.", gone=head_seq, head=head_seq, hash=_short(head_sha256), last=last_seq))
        else:
            report("truncated", last_seq + 1, Message("Event {first} to {gone} was removed from the "
                   "end: the instance records {head} events (last hash {hash}…), the log ends at "
                   "seq {last}.", first=last_seq + 1, gone=head_seq, head=head_seq,
                   hash=_short(head_sha256), last=last_seq))
    elif last_seq > head_seq:
        for ev in events:
            if ev.seq > head_seq:
                report("inserted", ev.seq, Message("Event {seq} was added after the instance's "
                       "last event ({head}) without moving the instance's head: it was inserted "
                       "outside the engine.", seq=ev.seq, head=head_seq))
    elif head_sha256 is not None and last.sha256 != head_sha256:
        report("changed", last.seq, Message("Event {seq}, the last one, has hash {hash}… but the "
               "instance records {head}…: it was replaced.", seq=last.seq,
               hash=_short(last.sha256), head=_short(head_sha256)))


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


# --- Daily digest of chain heads -----------------------------------------------------------

def canonical_sha256(heads: list) -> str:
    """SHA-256 of the canonical JSON of the sorted [instance_id, seq, sha256] list."""
    body = json.dumps(sorted([list(h) for h in heads]), ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def current_heads(session) -> list[list]:
    """[instance_id, last_event_seq, last_event_sha256] of every instance with events."""
    heads = []
    for row in session.execute(select(Instance.id, Instance.last_event_seq,
                                      Instance.last_event_sha256).order_by(Instance.id)):
        seq, sha = row.last_event_seq, row.last_event_sha256
        if seq is None or sha is None:  # not known on the row (written outside the engine)
            last = session.execute(select(Event.seq, Event.sha256).where(
                Event.instance_id == row.id).order_by(Event.seq.desc()).limit(1)).first()
            seq, sha = (last.seq, last.sha256) if last else (0, GENESIS_SHA256)
        if seq:
            heads.append([row.id, seq, sha])
    return heads


def make_daily_digest(session, day: date | None = None, signer=None) -> ChainDigest:
    """The digest of a day (today in the city's time zone by default), signed by signer
    (audit.signing.DigestSigner; None: unsigned, which verification reports); made once,
    later calls return it."""
    day = day or local_today(session)
    existing = session.scalars(select(ChainDigest).where(ChainDigest.day == day)).first()
    if existing is not None:
        return existing
    heads = current_heads(session)
    city_seq, city_sha = city_chain_head(session)
    digest = ChainDigest(day=day, made_at=utcnow(), instance_count=len(heads),
                         digest_sha256=canonical_sha256(heads), heads=heads,
                         city_seq=city_seq, city_sha256=city_sha)
    if signer is not None:
        digest.signature, digest.key_id = signer.sign(digest_signed_text(digest)), signer.key_id
    session.add(digest)
    session.flush()
    return digest


def digest_signed_text(digest) -> bytes:
    """What a digest's signature covers (a row or an exported dict)."""
    get = digest.get if isinstance(digest, dict) else lambda name: getattr(digest, name)
    day = get("day")
    return signed_text(day.isoformat() if isinstance(day, date) else str(day), get("digest_sha256"),
                       int(get("instance_count") or 0), get("city_seq"), get("city_sha256"))


def digest_export(digest: ChainDigest, public_key: str | None = None) -> dict:
    """What an auditor downloads and keeps elsewhere (public_key: base64, shown for checking)."""
    return {"day": digest.day.isoformat(), "made_at": digest.made_at.isoformat(timespec="seconds"),
            "instance_count": digest.instance_count, "digest_sha256": digest.digest_sha256,
            "algorithm": "sha256 of the canonical JSON (sorted keys, no spaces) of the sorted "
                         "heads [instance_id, last_event_seq, last_event_sha256]",
            "heads": digest.heads, "city_seq": digest.city_seq, "city_sha256": digest.city_sha256,
            "signature": digest.signature, "key_id": digest.key_id, "public_key": public_key,
            "signature_algorithm": "Ed25519 over the canonical JSON of {city_seq, city_sha256, "
                                   "day, digest_sha256, instance_count}"}


def copy_name(day: date) -> str:
    """The file name of a day's digest in the directory of kept copies."""
    return f"chain-digest-{day.isoformat()}.json"


def write_digest_copy(exported: dict, directory) -> Path:
    """Write a digest's export (digest_export) into a directory outside the database; a copy
    already there is kept, never overwritten."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / copy_name(date.fromisoformat(exported["day"]))
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(exported, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(path)
    return path


class DigestFileError(ValueError):
    """The uploaded file is not a digest this system exported."""


def parse_digest_file(exported) -> dict:
    """The digest in a kept file (bytes, text or already parsed), checked for its shape."""
    try:
        data = json.loads(exported) if isinstance(exported, (bytes, str)) else exported
        heads = [[int(h[0]), int(h[1]), str(h[2])] for h in data["heads"]]
        city_seq = data.get("city_seq")
        return {"day": data.get("day"), "digest_sha256": str(data["digest_sha256"]), "heads": heads,
                "instance_count": data.get("instance_count", len(heads)),
                "city_seq": int(city_seq) if city_seq is not None else None,
                "city_sha256": data.get("city_sha256"), "signature": data.get("signature")}
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise DigestFileError("This file is not a chain digest.") from exc


def compare_with_digest(session, exported, chunk: int = 500, public_key=None) -> list[ChainProblem]:
    """What changed since a kept digest: its own hash and signature (public_key: the trusted
    key or keys; None: not checked), then each head it lists.

    A head holds while the event at that seq still has that hash; events appended since are
    the chain growing, not a change.
    """
    data = parse_digest_file(exported)
    problems = []
    if canonical_sha256(data["heads"]) != data["digest_sha256"]:
        problems.append(_problem("digest", None, None, Message("The file's digest_sha256 does not match "
                                 "its list of heads: the file itself was edited.")))
    if public_key and data["signature"] and not signature_holds(
            public_key, digest_signed_text(data), data["signature"]):
        problems.append(_problem("signature", None, None, Message(
            "The signature of the kept copy of {day} does not match it.", day=data["day"])))
    stored = _stored_digest(session, data["day"])
    if stored is not None and stored.digest_sha256 != data["digest_sha256"]:
        problems.append(_problem("digest", None, None, Message("The digest stored for {day} is {stored}…, "
                                 "not the file's {kept}…: the stored digest was replaced.",
                                 day=data["day"], stored=_short(stored.digest_sha256),
                                 kept=_short(data["digest_sha256"]))))
    problems += _head_problems(session, data["heads"], chunk)
    problems += _city_head_problems(session, data["day"], data["city_seq"], data["city_sha256"])
    return problems


def _head_problems(session, heads, chunk: int = 500) -> list[ChainProblem]:
    """Each head of a digest whose event is gone or has another hash now."""
    problems = []
    for start in range(0, len(heads), chunk):
        part = heads[start:start + chunk]
        found = {(r.instance_id, r.seq): r.sha256 for r in session.execute(
            select(Event.instance_id, Event.seq, Event.sha256).where(
                tuple_(Event.instance_id, Event.seq).in_([(h[0], h[1]) for h in part])))}
        for instance_id, seq, sha in part:
            now_sha = found.get((instance_id, seq))
            if now_sha is None:
                problems.append(_problem("missing", seq, instance_id, Message("Event {seq} of instance "
                                         "{instance}, the head on that day, no longer exists.",
                                         seq=seq, instance=instance_id)))
            elif now_sha != sha:
                problems.append(_problem("changed", seq, instance_id, Message("Event {seq} of instance "
                                         "{instance} had hash {then}… that day and has {now}… now: "
                                         "its history was rewritten.", seq=seq, instance=instance_id,
                                         then=_short(sha), now=_short(now_sha))))
    return problems


def _problem(kind, at_seq, instance_id, text: Message) -> ChainProblem:
    return ChainProblem(kind, at_seq, text, instance_id, text.template, text.params)


def _stored_digest(session, day) -> ChainDigest | None:
    try:
        parsed = date.fromisoformat(day) if day else None
    except (TypeError, ValueError):
        return None
    return session.scalars(select(ChainDigest).where(ChainDigest.day == parsed)).first() \
        if parsed else None


def list_digests(session, limit: int = 400) -> list[ChainDigest]:
    """The newest digests first."""
    return list(session.scalars(select(ChainDigest).order_by(ChainDigest.day.desc()).limit(limit)))


def instance_count(session) -> int:
    """How many instances a full check covers."""
    return session.scalar(select(func.count()).select_from(Instance)) or 0


# --- Signed digests and the city-wide chain of operator actions -------------------------------

def check_city_chain(session) -> list[ChainProblem]:
    """The first break of the city-wide chain of operator actions, if any."""
    events = list_operator_events(session)
    broken = verify_city_chain(events)
    if broken is None:
        return []
    return [_problem("city", broken, None, Message(
        "Operator action {seq} of the city-wide chain was changed, inserted or deleted after it "
        "was written: its hash or its link to the action before it does not hold.", seq=broken))]


def verify_digests(session, public_key, copies_dir=None) -> list[ChainProblem]:
    """Every stored digest against its signature (public_key: the trusted Ed25519 public key or
    a list of them; None or []: none configured), its list of heads, and the chains now: a history rewritten with its
    hashes recomputed, or a digest rewritten to match, is caught here. copies_dir: a directory
    of copies kept outside the database (write_digest_copy), compared with the stored ones."""
    problems = []
    stored = list(session.scalars(select(ChainDigest).order_by(ChainDigest.day)))
    for digest in stored:
        day = digest.day.isoformat()
        if not digest.signature:
            problems.append(_problem("unsigned", None, None, Message(
                "The digest of {day} is not signed: it cannot show that it was not rewritten.",
                day=day)))
        elif not public_key:
            problems.append(_problem("signature", None, None, Message(
                "No public key is configured to check the signature of the digest of {day}.",
                day=day)))
        elif not signature_holds(public_key, digest_signed_text(digest), digest.signature):
            problems.append(_problem("signature", None, None, Message(
                "The signature of the digest of {day} does not match it: the digest was changed "
                "after it was signed, or signed with another key.", day=day)))
        if canonical_sha256(digest.heads or []) != digest.digest_sha256:
            problems.append(_problem("digest", None, None, Message(
                "The list of heads stored with the digest of {day} does not hash to its "
                "digest_sha256: the stored digest was edited.", day=day)))
        problems += _head_problems(session, [[int(h[0]), int(h[1]), str(h[2])]
                                             for h in digest.heads or []])
        problems += _city_head_problems(session, day, digest.city_seq, digest.city_sha256)
    problems += check_city_chain(session)
    if copies_dir:
        problems += _copy_problems(stored, Path(copies_dir), public_key)
    return problems


def _city_head_problems(session, day, city_seq, city_sha) -> list[ChainProblem]:
    """The city chain's head recorded on a day against the action at that seq now."""
    if not city_seq:
        return []
    now_sha = session.scalar(select(OperatorEvent.sha256).where(OperatorEvent.seq == city_seq))
    if now_sha is None:
        return [_problem("missing", city_seq, None, Message(
            "Operator action {seq}, the head of the city-wide chain on {day}, no longer exists.",
            seq=city_seq, day=day))]
    if now_sha != city_sha:
        return [_problem("changed", city_seq, None, Message(
            "Operator action {seq} had hash {then}… on {day} and has {now}… now: the city-wide "
            "chain was rewritten.", seq=city_seq, day=day, then=_short(city_sha),
            now=_short(now_sha)))]
    return []


def _copy_problems(stored, folder: Path, public_key) -> list[ChainProblem]:
    """Each kept copy against the stored digest of its day (and its own signature)."""
    problems, by_day = [], {d.day.isoformat(): d for d in stored}
    files = sorted(folder.glob("chain-digest-*.json")) if folder.is_dir() else []
    for path in files:
        try:
            kept = parse_digest_file(path.read_bytes())
        except (OSError, DigestFileError):
            problems.append(_problem("copy", None, None, Message(
                "The kept copy {file} is not a chain digest.", file=path.name)))
            continue
        day, row = str(kept["day"]), by_day.get(str(kept["day"]))
        if row is None:
            problems.append(_problem("copy", None, None, Message(
                "A copy of the digest of {day} is kept outside the database, but the database has "
                "no digest of that day: it was deleted.", day=day)))
        elif (row.digest_sha256, row.signature, row.city_sha256) != (
                kept["digest_sha256"], kept["signature"], kept["city_sha256"]):
            problems.append(_problem("copy", None, None, Message(
                "The digest of {day} in the database ({stored}…) differs from the copy kept "
                "outside it ({kept}…): the stored digest was replaced.", day=day,
                stored=_short(row.digest_sha256), kept=_short(kept["digest_sha256"]))))
        if public_key and kept["signature"] and not signature_holds(
                public_key, digest_signed_text(kept), kept["signature"]):
            problems.append(_problem("copy", None, None, Message(
                "The signature of the kept copy of {day} does not match it.", day=day)))
    return problems
