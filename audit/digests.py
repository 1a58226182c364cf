"""The daily digest of every instance's chain head: made, signed, exported, kept as copies, and
checked against the chains now.

The digest hashes every instance's chain head and records the head of the city-wide chain
of operator actions; it is signed with an Ed25519 key kept outside the database
(audit.signing), so a history rewritten and every hash recomputed afterwards no longer matches
a signed digest, and a digest rewritten to match no longer carries a valid signature
(verify_digests). Copies written to a directory outside the database are compared too.
"""
import hashlib
import json
from datetime import date
from pathlib import Path

from sqlalchemy import select, tuple_

from models import Event, Instance, utcnow
from models.audit import ChainDigest
from models.unique_writes import write_once
from models.messages import Message

from workcal.store import local_today
from engine import GENESIS_SHA256, city_chain_head
from audit.chain_problem import ChainProblem, make_problem, short_hash
from audit.operator_chain import check_city_chain, city_head_problems
from audit.signing import signature_holds, signed_text


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

    def _insert():
        session.add(digest)
        session.flush()
        return digest
    # Another scheduler made the day's digest first (chain_digests.day is unique): that one.
    return write_once(session, _insert) or session.scalars(
        select(ChainDigest).where(ChainDigest.day == day)).one()


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
        problems.append(make_problem("digest", None, None, Message(
            "The file's digest_sha256 does not match its list of heads: the file itself was "
            "edited.")))
    if public_key and data["signature"] and not signature_holds(
            public_key, digest_signed_text(data), data["signature"]):
        problems.append(make_problem("signature", None, None, Message(
            "The signature of the kept copy of {day} does not match it.", day=data["day"])))
    stored = _stored_digest(session, data["day"])
    if stored is not None and stored.digest_sha256 != data["digest_sha256"]:
        problems.append(make_problem("digest", None, None, Message(
            "The digest stored for {day} is {stored}…, not the file's {kept}…: the stored digest "
            "was replaced.", day=data["day"], stored=short_hash(stored.digest_sha256),
            kept=short_hash(data["digest_sha256"]))))
    problems += _head_problems(session, data["heads"], chunk)
    problems += city_head_problems(session, data["day"], data["city_seq"], data["city_sha256"])
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
                problems.append(make_problem("missing", seq, instance_id, Message(
                    "Event {seq} of instance {instance}, the head on that day, no longer exists.",
                    seq=seq, instance=instance_id)))
            elif now_sha != sha:
                problems.append(make_problem("changed", seq, instance_id, Message(
                    "Event {seq} of instance {instance} had hash {then}… that day and has {now}… "
                    "now: its history was rewritten.", seq=seq, instance=instance_id,
                    then=short_hash(sha), now=short_hash(now_sha))))
    return problems


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
            problems.append(make_problem("unsigned", None, None, Message(
                "The digest of {day} is not signed: it cannot show that it was not rewritten.",
                day=day)))
        elif not public_key:
            problems.append(make_problem("signature", None, None, Message(
                "No public key is configured to check the signature of the digest of {day}.",
                day=day)))
        elif not signature_holds(public_key, digest_signed_text(digest), digest.signature):
            problems.append(make_problem("signature", None, None, Message(
                "The signature of the digest of {day} does not match it: the digest was changed "
                "after it was signed, or signed with another key.", day=day)))
        if canonical_sha256(digest.heads or []) != digest.digest_sha256:
            problems.append(make_problem("digest", None, None, Message(
                "The list of heads stored with the digest of {day} does not hash to its "
                "digest_sha256: the stored digest was edited.", day=day)))
        problems += _head_problems(session, [[int(h[0]), int(h[1]), str(h[2])]
                                             for h in digest.heads or []])
        problems += city_head_problems(session, day, digest.city_seq, digest.city_sha256)
    problems += check_city_chain(session)
    if copies_dir:
        problems += _copy_problems(stored, Path(copies_dir), public_key)
    return problems


def _copy_problems(stored, folder: Path, public_key) -> list[ChainProblem]:
    """Each kept copy against the stored digest of its day (and its own signature)."""
    problems, by_day = [], {d.day.isoformat(): d for d in stored}
    files = sorted(folder.glob("chain-digest-*.json")) if folder.is_dir() else []
    for path in files:
        try:
            kept = parse_digest_file(path.read_bytes())
        except (OSError, DigestFileError):
            problems.append(make_problem("copy", None, None, Message(
                "The kept copy {file} is not a chain digest.", file=path.name)))
            continue
        day, row = str(kept["day"]), by_day.get(str(kept["day"]))
        if row is None:
            problems.append(make_problem("copy", None, None, Message(
                "A copy of the digest of {day} is kept outside the database, but the database has "
                "no digest of that day: it was deleted.", day=day)))
        elif (row.digest_sha256, row.signature, row.city_sha256) != (
                kept["digest_sha256"], kept["signature"], kept["city_sha256"]):
            problems.append(make_problem("copy", None, None, Message(
                "The digest of {day} in the database ({stored}…) differs from the copy kept "
                "outside it ({kept}…): the stored digest was replaced.", day=day,
                stored=short_hash(row.digest_sha256), kept=short_hash(kept["digest_sha256"]))))
        if public_key and kept["signature"] and not signature_holds(
                public_key, digest_signed_text(kept), kept["signature"]):
            problems.append(make_problem("copy", None, None, Message(
                "The signature of the kept copy of {day} does not match it.", day=day)))
    return problems
