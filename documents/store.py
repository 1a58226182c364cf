"""The document settings of one app, carried by every session it makes (session.info).

Bytes are written before the rows that name them are committed, and deleted only after the
commit that marks them disposed: so a rolled-back upload leaves no file behind (the files
written in the transaction are removed), and a rolled-back disposal loses no file.
"""
from collections.abc import Mapping

from sqlalchemy import event

from documents.storage import Storage, storage_for

SESSION_KEY = "documents"           # session.info: the DocumentStore of the app that made it
_WRITTEN = "documents.written"      # session.info: keys written in the open transaction
_TO_DELETE = "documents.to_delete"  # session.info: keys to delete once the transaction commits
_LISTENING = "documents.listening"

DEFAULT_MAX_BYTES = 5 * 1024 * 1024


class DocumentStore:
    """Storage backend, size limit and scan command, read from the settings on each use (so a
    changed setting, e.g. in a test, counts at once)."""

    def __init__(self, settings: Mapping):
        self.settings = settings

    @property
    def storage(self) -> Storage:
        return storage_for(self.settings)

    @property
    def max_bytes(self) -> int:
        return int(self.settings.get("DOCUMENTS_MAX_BYTES") or DEFAULT_MAX_BYTES)

    @property
    def scan_command(self) -> str:
        return str(self.settings.get("DOCUMENTS_SCAN_COMMAND") or "")

    @property
    def scan_timeout(self) -> float:
        return float(self.settings.get("DOCUMENTS_SCAN_TIMEOUT_SECONDS") or 60.0)

    def session_info(self) -> dict:
        """What a session factory puts into session.info so that domain functions find it."""
        return {SESSION_KEY: self}


def store_of(session) -> DocumentStore:
    """The DocumentStore the session carries."""
    store = session.info.get(SESSION_KEY)
    if store is None:
        raise RuntimeError("this session carries no DocumentStore: make its factory with "
                           "info={..., **DocumentStore(settings).session_info()}")
    return store


def _listen(session) -> None:
    if session.info.get(_LISTENING):
        return
    session.info[_LISTENING] = True
    event.listen(session, "after_commit", _after_commit)
    event.listen(session, "after_soft_rollback", _after_rollback)


def _outermost(session) -> bool:
    # after a SAVEPOINT's rollback the outer transaction is still open: its files stay theirs
    return session.get_transaction() is None


def _after_commit(session) -> None:
    # SQLAlchemy calls this for the outermost transaction only (never for a SAVEPOINT).
    session.info.pop(_WRITTEN, None)
    storage = store_of(session).storage
    for key in session.info.pop(_TO_DELETE, []):
        storage.delete(key)


def _after_rollback(session, _previous) -> None:
    if not _outermost(session):
        return
    session.info.pop(_TO_DELETE, None)
    written = session.info.pop(_WRITTEN, [])
    if written:
        storage = store_of(session).storage
        for key in written:
            storage.delete(key)


def note_written(session, key: str) -> None:
    """The bytes under key belong to this transaction: removed again if it rolls back."""
    _listen(session)
    session.info.setdefault(_WRITTEN, []).append(key)


def delete_after_commit(session, key: str) -> None:
    """Delete the bytes under key once this transaction commits (never if it rolls back)."""
    _listen(session)
    session.info.setdefault(_TO_DELETE, []).append(key)


def uncommitted_keys(session) -> set[str]:
    """Keys written in the open transaction (not yet committed: a page shows them as not kept)."""
    return set(session.info.get(_WRITTEN, ()))
