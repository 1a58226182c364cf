"""Open311 API keys: issued and revoked by a city-wide administrator, checked on every POST."""
import hashlib
import secrets

from sqlalchemy import select

from models.errors import Forbidden, InvalidData, NotFound
from models import utcnow
from models.api_keys import ApiKey
from people.permissions import may
from engine import append_operator_event

NAME_MAX_CHARS = 200
PREFIX_CHARS = 6


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
        session.flush()
        append_operator_event(session, "api_key_revoked", actor=user, reason=row.name,
                              data={"api_key_id": row.id, "prefix": row.prefix})
    return row


def key_for(session, raw_key) -> ApiKey | None:
    """The unrevoked key a client sent, its use recorded; None for anything else."""
    raw_key = str(raw_key or "").strip()
    if not raw_key:
        return None
    row = session.scalars(select(ApiKey).where(ApiKey.key_sha256 == _sha256(raw_key),
                                               ApiKey.revoked_at.is_(None))).first()
    if row is not None:
        row.last_used_at = utcnow()
        session.flush()
    return row
