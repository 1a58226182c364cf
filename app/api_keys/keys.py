"""Open311 API keys: issued and revoked by a city-wide administrator, checked on every request
that sends one.

A key found is kept API_TOKEN_CACHE_SECONDS in this process (as bearer tokens are,
app/api/token_cache.py): an Open311 request asks for its key twice (the rate limit's key, then
the filing) and a client sends it with every request; a query and a last_used_at write each
time were most of a cheap GET's work (issue 21). A revocation committed in this process empties
the cache at once; other processes (workers, nodes) accept the revoked key for at most that
long. last_used_at is written when the key is looked up in the database, so it is at most that
much behind.
"""
import hashlib
import secrets
import threading
import time

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session, lazyload

from models.errors import Forbidden, InvalidData, NotFound
from models import utcnow
from models.api_keys import ApiKey
from people.permissions import may
from engine import append_operator_event

NAME_MAX_CHARS = 200
PREFIX_CHARS = 6
_LARGEST = 1_000  # keys kept at most (few are issued); past it the cache starts again
_REVOKED = "api_keys_revoked"  # session.info: a key was revoked in this transaction
_known: dict[str, tuple[ApiKey, float]] = {}  # sha256 -> (detached row, monotonic time learnt)
_lock = threading.Lock()


def _sha256(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _require_admin(user) -> None:
    if not may(user, "manage_api_keys"):
        raise Forbidden("Only a system administrator may manage API keys.")


def list_api_keys(session) -> list[ApiKey]:
    """Every key, newest first, revoked ones included (they stay as a record)."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id.desc())))


def issue_api_key(session, name: str, user) -> tuple[ApiKey, str]:
    """A new key for an application; (row, the key itself, shown once and never stored)."""
    _require_admin(user)
    name = str(name or "").strip()
    if not name:
        raise InvalidData("Say who the key is for.", {"name": "Say who the key is for."})
    if len(name) > NAME_MAX_CHARS:
        raise InvalidData("The name is too long.", {"name": f"At most {NAME_MAX_CHARS} characters."})
    key = secrets.token_urlsafe(32)
    row = ApiKey(name=name, key_sha256=_sha256(key), prefix=key[:PREFIX_CHARS],
                 created_by_id=user.id, created_at=utcnow())
    session.add(row)
    session.flush()
    append_operator_event(session, "api_key_created", actor=user, reason=name,
                          data={"api_key_id": row.id, "prefix": row.prefix})
    return row, key


def revoke_api_key(session, key_id: int, user) -> ApiKey:
    """Revoke a key: from now on it is refused. Revoking twice keeps the first moment."""
    _require_admin(user)
    row = session.get(ApiKey, key_id)
    if row is None:
        raise NotFound("No API key {key_id} exists.", key_id=key_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.info[_REVOKED] = True
        session.flush()
        append_operator_event(session, "api_key_revoked", actor=user, reason=row.name,
                              data={"api_key_id": row.id, "prefix": row.prefix})
    return row


def _cache_seconds() -> float:
    return float(current_app.config["API_TOKEN_CACHE_SECONDS"]) if has_app_context() else 0.0


def key_for(session, raw_key) -> ApiKey | None:
    """The unrevoked key a client sent, its use recorded; None for anything else (from this
    process's cache when it looked the key up less than API_TOKEN_CACHE_SECONDS ago)."""
    raw_key = str(raw_key or "").strip()
    if not raw_key:
        return None
    digest, seconds, now = _sha256(raw_key), _cache_seconds(), time.monotonic()
    with _lock:
        entry = _known.get(digest)
    if entry is not None and now - entry[1] < seconds:
        return session.merge(entry[0], load=False)  # no query: the row as learnt
    row = session.scalars(select(ApiKey).options(lazyload(ApiKey.created_by)).where(
        ApiKey.key_sha256 == digest, ApiKey.revoked_at.is_(None))).first()
    if row is None:
        return None  # unknown or revoked keys are not kept: made-up keys must not fill it
    row.last_used_at = utcnow()
    session.flush()
    if seconds > 0:
        holder = Session()
        copy = holder.merge(row, load=False)
        holder.expunge_all()
        with _lock:
            if len(_known) >= _LARGEST:
                _known.clear()
            _known[digest] = (copy, now)
    return row


@event.listens_for(Session, "after_commit")
def _forget_revoked_keys(session) -> None:
    # A revocation is refused at once by the process that made it.
    if session.info.pop(_REVOKED, False):
        with _lock:
            _known.clear()


@event.listens_for(Session, "after_rollback")
def _keep_keys(session) -> None:
    session.info.pop(_REVOKED, None)
