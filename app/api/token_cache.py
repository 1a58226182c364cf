"""What a web process learnt about bearer tokens, kept API_TOKEN_CACHE_SECONDS (no query per request).

A hit costs no query: the user and their grants, loaded once, are merged into the request's
session without SQL (Session.merge(load=False)). The bound on a revocation: a token dropped
(a new password, deactivation), a user changed or a grant given, changed or taken back
empties every cache of this process when that transaction commits (so the process that made
the change refuses the token at once); any other process (another gunicorn worker, another
node) trusts what it learnt for at most API_TOKEN_CACHE_SECONDS. The token's own expiry is
checked on every request.
"""
import hashlib
import threading
from datetime import timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

from models import ApiToken, RoleGrant, User, utcnow
from people.accounts import token_holder

_LARGEST = 10_000  # tokens kept at most; past it the cache starts again (memory bound)
_STALE = "api_token_cache_stale"
_generation = 0  # moved on by every commit that changed users, grants or tokens


class TokenCache:
    """Bearer token → (user with grants, detached; token expiry; learnt at), per process."""

    def __init__(self, seconds: float):
        self.seconds = float(seconds)
        self._entries: dict[str, tuple] = {}
        self._generation = _generation
        self._lock = threading.Lock()

    def user(self, session, token: str) -> User | None:
        """The active user owning the unexpired token, in this session; None for anything else."""
        if self.seconds <= 0:
            found = token_holder(session, token)
            return found[0] if found is not None and found[1] >= utcnow() else None
        key = hashlib.sha256(token.encode()).hexdigest()
        now = utcnow()
        with self._lock:
            if self._generation != _generation:
                self._entries.clear()
                self._generation = _generation
            entry = self._entries.get(key)
        if entry is not None and now - entry[2] < timedelta(seconds=self.seconds):
            user, expires_at, _learnt = entry
            if user is None or expires_at < now:
                return None
            return session.merge(user, load=False)
        found = token_holder(session, token)
        # An unknown token is not kept: made-up tokens must not fill the cache.
        if found is None:
            return None
        user, expires_at = found
        with self._lock:
            if len(self._entries) >= _LARGEST:
                self._entries.clear()
            self._entries[key] = (_detached_copy(user), expires_at, now)
        return user if expires_at >= now else None


def _detached_copy(user: User) -> User:
    # A copy of the loaded user and grants outside any session: each request merges its own.
    holder = Session()
    copy = holder.merge(user, load=False)
    holder.expunge_all()
    return copy


def _mark_stale(_mapper, _connection, target) -> None:
    session = object_session(target)
    if session is not None:
        session.info[_STALE] = True


for _cls, _events in ((User, ("after_update", "after_delete")),
                      (RoleGrant, ("after_insert", "after_update", "after_delete")),
                      (ApiToken, ("after_update", "after_delete"))):
    for _name in _events:
        event.listen(_cls, _name, _mark_stale)


@event.listens_for(Session, "after_commit")
def _forget_on_commit(session) -> None:
    global _generation
    if session.info.pop(_STALE, False):
        _generation += 1


@event.listens_for(Session, "after_rollback")
def _keep_on_rollback(session) -> None:
    session.info.pop(_STALE, None)
