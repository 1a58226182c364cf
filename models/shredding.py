"""Crypto-shredding of citizens' personal data: each case's own key, sealed values, destruction.

A citizen's name, phone, national ID, e-mail and address (PERSONAL_FIELDS, the one list) are
stored sealed wherever they are kept for good: in the event log's payloads (engine.events),
in quality records (records.quality) and on the citizen request row. Each case (instance) has
its own random key (AES-256-GCM), kept in `case_keys` wrapped by the master key of the
PERSONAL_DATA_KEY setting. Destroying a record destroys its case's key: every sealed value of
the case is then unreadable for good and reads as DESTROYED, while the event log's hash chain,
which hashes the sealed text, still verifies.

The key ring of the app (KeyRing, from the setting) rides on every session the app makes
(session.info, as the calendar store does); a session made elsewhere uses the development key.
It sits here, at the bottom, because the engine's event log seals with it.
"""
import base64
import hashlib
import hmac
import json
import os
from datetime import datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import DateTime, ForeignKey, LargeBinary, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session

from .base import Base, utcnow

# The fields holding a citizen's personal data, at any depth of a payload (a list's rows too).
PERSONAL_FIELDS = frozenset({
    "citizen_name", "citizen_phone", "contact_name", "contact_phone", "contact_email",
    "complainant_name", "applicant_name", "national_id", "phone", "address", "email",
    "board_rep_name", "board_rep_phone",
})
DESTROYED = "امحا شده"  # what a destroyed value reads as, on every page and export
PREFIX = "sealed:v1:"  # a sealed value: this, then base64url of nonce + AES-GCM ciphertext
DEVELOPMENT_KEY = "dev-only-personal-data-key"  # app/config.py's default; never in production
SESSION_KEY = "personal_key_ring"  # session.info: the KeyRing of the app that made the session
_CACHE = "personal_case_keys"  # session.info: instance id -> key, None (destroyed) or NO_KEY
NO_KEY = b""  # the case has no key (yet): nothing of it was sealed


class CaseKey(Base):
    """One case's key, wrapped by the master key; NULL once destroyed (its data is shredded)."""
    __tablename__ = "case_keys"

    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"),
                                             primary_key=True)
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    destroyed_at: Mapped[datetime | None] = mapped_column(DateTime)


class KeyRing:
    """The master key (from a setting's text) that wraps and unwraps the cases' keys."""

    def __init__(self, master_text: str = DEVELOPMENT_KEY):
        # Any text will do as the setting: its SHA-256 is the 256-bit AES key.
        self._master = AESGCM(hashlib.sha256(master_text.encode("utf-8")).digest())
        # The search tokens' key (engine.runtime.search_index): derived, never the master itself.
        self._token_key = hashlib.sha256(b"search-token:" + master_text.encode("utf-8")).digest()

    def search_token(self, text: str) -> str:
        """A keyed hash of a normalised personal value (a phone, a word of a name), so that it
        can be found without being stored in plain text."""
        return "zq" + hmac.new(self._token_key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:20]

    def wrap(self, key: bytes, instance_id: int) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._master.encrypt(nonce, key, _bound_to(instance_id))

    def unwrap(self, wrapped: bytes, instance_id: int) -> bytes:
        return self._master.decrypt(wrapped[:12], wrapped[12:], _bound_to(instance_id))

    def session_info(self) -> dict:
        """What a session factory puts into session.info so that sealing finds this ring."""
        return {SESSION_KEY: self}


_DEVELOPMENT_RING = KeyRing()


def _bound_to(instance_id: int) -> bytes:
    return f"case:{instance_id}".encode()


def key_ring_of(session) -> KeyRing:
    """The key ring of the app that made this session (the development one otherwise)."""
    return session.info.get(SESSION_KEY) or _DEVELOPMENT_RING


def _cache(session) -> dict:
    return session.info.setdefault(_CACHE, {})


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
@event.listens_for(Session, "after_soft_rollback")
def _forget_case_keys(session, *_args) -> None:
    """Keys are remembered for one transaction only: a key made in a transaction that rolled
    back was never stored (sealing with it would lose the data), and another transaction may
    have destroyed one since."""
    session.info.pop(_CACHE, None)


def case_key(session, instance_id: int, create: bool = False) -> bytes | None:
    """The case's key; None once destroyed, or when it has none and create is False."""
    cache = _cache(session)
    if instance_id in cache and not (create and cache[instance_id] == NO_KEY):
        return cache[instance_id] or None
    with session.no_autoflush:  # asked in the middle of a step: flush nothing first
        row = session.get(CaseKey, instance_id)
    if row is None and not create:
        cache[instance_id] = NO_KEY
        return None
    if row is None:
        key = AESGCM.generate_key(bit_length=256)
        session.add(CaseKey(instance_id=instance_id, created_at=utcnow(),
                            wrapped_key=key_ring_of(session).wrap(key, instance_id)))
    else:
        key = None if row.wrapped_key is None else key_ring_of(session).unwrap(row.wrapped_key,
                                                                               instance_id)
    cache[instance_id] = key
    return key


def destroy_case_key(session, instance_id: int, now: datetime | None = None) -> bool:
    """Destroy the case's key (its sealed values become DESTROYED for good); False if none."""
    _cache(session)[instance_id] = None
    row = session.get(CaseKey, instance_id)
    if row is None:
        # never sealed anything: a destroyed key all the same, so nothing is sealed again
        session.add(CaseKey(instance_id=instance_id, wrapped_key=None, created_at=now or utcnow(),
                            destroyed_at=now or utcnow()))
        return False
    row.wrapped_key, row.destroyed_at = None, now or utcnow()
    return True


def is_key_destroyed(session, instance_id: int | None) -> bool:
    """True once the case's key was destroyed."""
    if instance_id is None:
        return False
    cache = _cache(session)
    if instance_id in cache:
        return cache[instance_id] is None
    with session.no_autoflush:
        return session.scalar(select(CaseKey.destroyed_at).where(
            CaseKey.instance_id == instance_id)) is not None


def is_sealed(value) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def seal_value(key: bytes, instance_id: int, value) -> str:
    """A JSON value sealed with the case's key."""
    nonce = os.urandom(12)
    plain = json.dumps(value, ensure_ascii=False).encode("utf-8")
    sealed = nonce + AESGCM(key).encrypt(nonce, plain, _bound_to(instance_id))
    return PREFIX + base64.urlsafe_b64encode(sealed).decode("ascii")


def open_value(key: bytes | None, instance_id: int, text: str):
    """A sealed value's content; DESTROYED when the key is gone or does not open it."""
    if key is None:
        return DESTROYED
    try:
        sealed = base64.urlsafe_b64decode(text[len(PREFIX):].encode("ascii"))
        return json.loads(AESGCM(key).decrypt(sealed[:12], sealed[12:], _bound_to(instance_id)))
    except (InvalidTag, ValueError):
        return DESTROYED


def _walk(data, change):
    """A copy of data with change(value) applied to every value of a personal field."""
    if isinstance(data, dict):
        return {k: (change(v) if k in PERSONAL_FIELDS and v not in (None, "")
                    else _walk(v, change)) for k, v in data.items()}
    if isinstance(data, list):
        return [_walk(item, change) for item in data]
    return data


def _holds_personal(data) -> bool:
    if isinstance(data, dict):
        return any((k in PERSONAL_FIELDS and v not in (None, "")) or _holds_personal(v)
                   for k, v in data.items())
    if isinstance(data, list):
        return any(_holds_personal(item) for item in data)
    return False


def seal_personal(session, instance_id: int | None, data):
    """A copy of data (JSON) with every personal field's value sealed with the case's key.

    Without a case (instance_id None) data is returned as it is; a case whose key was
    destroyed keeps nothing of it: its personal values are stored as DESTROYED.
    """
    if instance_id is None or not _holds_personal(data):
        return data
    key = case_key(session, instance_id, create=not is_key_destroyed(session, instance_id))
    if key is None:
        return _walk(data, lambda value: DESTROYED)
    return _walk(data, lambda value: value if is_sealed(value)
                 else seal_value(key, instance_id, value))


def reveal_personal(session, instance_id: int | None, data):
    """A copy of data with every sealed value opened (DESTROYED once its key is gone).

    Once the case's key is destroyed every personal field reads as DESTROYED, also a value kept
    in plain text from before sealing began (the event log keeps it: the chain hashes it).
    """
    if instance_id is None or not (_holds_sealed(data) or _holds_personal(data)):
        return data
    key = case_key(session, instance_id)
    if key is None and _cache(session).get(instance_id) is None:  # destroyed
        return _walk_sealed(blank_personal(data), lambda text: DESTROYED)
    if not _holds_sealed(data):
        return data
    return _walk_sealed(data, lambda text: open_value(key, instance_id, text))


def _holds_sealed(data) -> bool:
    if isinstance(data, dict):
        return any(_holds_sealed(v) for v in data.values())
    if isinstance(data, list):
        return any(_holds_sealed(item) for item in data)
    return is_sealed(data)


def _walk_sealed(data, change):
    if isinstance(data, dict):
        return {k: _walk_sealed(v, change) for k, v in data.items()}
    if isinstance(data, list):
        return [_walk_sealed(item, change) for item in data]
    return change(data) if is_sealed(data) else data


def personal_values(data) -> set[str]:
    """The plain personal values in data, at any depth (what to blank where they were copied)."""
    found: set[str] = set()
    _walk(data, lambda value: found.add(str(value)) or value)
    return {value for value in found if not is_sealed(value) and value != DESTROYED}


def blank_personal(data):
    """A copy of data with every personal field's value replaced by DESTROYED (what is stored
    in plain text, e.g. a workflow's state, loses it when its case's key is destroyed)."""
    return _walk(data, lambda value: DESTROYED)


# ---------------------------------------------------------------- sealed columns of a row

def sealed_column(stored: str) -> property:
    """A row's personal value kept sealed in its column `stored` (an attribute of the row, whose
    class also has instance_id and lists the property in __sealed__): set in plain text, sealed
    at the flush (seal_pending_rows), read opened (DESTROYED once the case's key is gone)."""
    def read(row):
        value = getattr(row, stored)
        if not is_sealed(value):
            return value  # not flushed yet, or kept before sealing began
        opened = row.__dict__.setdefault("_opened_values", {})  # a row read once, then detached
        session = object_session(row)
        if session is not None:
            opened[value] = open_value(case_key(session, row.instance_id), row.instance_id, value)
        return opened.get(value, value)  # never opened and detached: still sealed

    def write(row, value):
        setattr(row, stored, value)
    return property(read, write)


@event.listens_for(Session, "before_flush")
def seal_pending_rows(session, _flush_context, _instances) -> None:
    """Seal the plain personal values of new and changed rows with sealed columns."""
    for row in [*session.new, *session.dirty]:
        sealed = getattr(type(row), "__sealed__", None)
        if not sealed or getattr(row, "instance_id", None) is None:
            continue
        for stored in sealed.values():
            value = getattr(row, stored)
            if value in (None, "") or is_sealed(value):
                continue
            if is_key_destroyed(session, row.instance_id):
                setattr(row, stored, DESTROYED)
            else:
                setattr(row, stored, seal_value(case_key(session, row.instance_id, create=True),
                                                row.instance_id, value))
