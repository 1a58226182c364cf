"""The cache of the latest saved form versions, one per app, for readers that have a session.

`formjs.forms.load_form(key, session)` has many callers (deploy checks, previews, surveys,
records, the portal), so it asks the FormVersionCache the session carries (made by app.db with
the app's database, in session.info[SESSION_KEY]): {key: (version, schema)} of the saved
versions, refreshed at most every CACHE_SECONDS by one small query (`form_key, max(version)`
per key, then the schema of a key whose latest version changed only) on a pooled connection.
The query runs in autocommit on its own DBAPI connection, so it never joins (nor waits for:
SQLite takes its write lock at BEGIN here) the caller's transaction. A save empties the cache
once its transaction commits (`note_saved`); other processes (gunicorn workers) see it within
CACHE_SECONDS. Without a session, or a session no app made (engine tests, tools), the files are
the latest versions. Behind PgBouncer in transaction mode (in_caller_transaction) the query runs
in the caller's transaction instead, in a savepoint: a second connection taken while the first
holds a server connection would deadlock once every server connection is held that way.
"""
from __future__ import annotations

import json
import threading
import time

from sqlalchemy import event, func, select, tuple_
from sqlalchemy.orm import Session

from models.forms import FormVersion

CACHE_SECONDS = 2.0
SESSION_KEY = "form_versions"  # session.info: the FormVersionCache of the app that made it
_CHANGED_KEY = "formjs.form_versions_changed"  # session.info: a version was saved


def _fetch(engine, statement) -> list[tuple]:
    """Run a read on a pooled DBAPI connection in autocommit, outside any session."""
    sql = str(statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(sql)
            return list(cursor.fetchall())
        finally:
            cursor.close()
    finally:
        try:
            connection.rollback()  # PostgreSQL opened a transaction for the read
        finally:
            connection.close()


def _as_schema(value) -> dict:
    return json.loads(value) if isinstance(value, (str, bytes)) else value


class FormVersionCache:
    """The latest saved version of each form in one database, a few seconds fresh."""

    def __init__(self, db_engine, in_caller_transaction: bool = False):
        self._engine = db_engine
        self._in_caller_transaction = in_caller_transaction
        self._lock = threading.Lock()
        self._latest: dict[str, tuple[int, dict]] = {}
        self._checked_at = float("-inf")

    def forget(self) -> None:
        """Empty the cache (the next read asks the database)."""
        with self._lock:
            self._latest.clear()
            self._checked_at = float("-inf")

    def _refresh(self, session=None) -> None:
        if self._in_caller_transaction and session is not None:
            with session.begin_nested():  # a failure (no table yet) leaves the caller's transaction usable
                self._refresh_with(lambda statement: [tuple(row) for row in session.execute(statement)])
        else:
            self._refresh_with(lambda statement: _fetch(self._engine, statement))

    def _refresh_with(self, fetch) -> None:
        numbers = dict(fetch(select(FormVersion.form_key, func.max(FormVersion.version))
                             .group_by(FormVersion.form_key)))
        for key in [k for k in self._latest if k not in numbers]:
            del self._latest[key]  # e.g. a test emptied the table
        changed = [(key, number) for key, number in numbers.items()
                   if key not in self._latest or self._latest[key][0] != number]
        for start in range(0, len(changed), 100):
            rows = fetch(select(FormVersion.form_key, FormVersion.version, FormVersion.schema)
                         .where(tuple_(FormVersion.form_key, FormVersion.version)
                                .in_(changed[start:start + 100])))
            for key, number, schema in rows:
                self._latest[key] = (number, _as_schema(schema))

    def latest_schema(self, form_key: str, session=None) -> tuple[int, dict] | None:
        """(version, schema) of the latest saved version of this form, refreshed when older than
        CACHE_SECONDS; None if none is saved (the file is the latest). The schema is shared:
        copy it before changing it."""
        with self._lock:
            now = time.monotonic()
            if now - self._checked_at >= CACHE_SECONDS:
                try:
                    self._refresh(session)
                except Exception:  # noqa: BLE001 - no table yet (an old database), or the database
                    pass  # is unreachable: keep what is known (nothing: the files), retry later
                self._checked_at = now
            return self._latest.get(form_key)


def cache_of(session) -> FormVersionCache | None:
    """The cache of the app that made this session (None: no session, or no app made it)."""
    return session.info.get(SESSION_KEY) if session is not None else None


def latest_schema(session, form_key: str) -> tuple[int, dict] | None:
    """(version, schema) of the latest saved version as the session's app knows it, or None."""
    cache = cache_of(session)
    return cache.latest_schema(form_key, session) if cache is not None else None


def note_saved(session) -> None:
    """Empty the app's cache once the session's transaction commits (a version was saved)."""
    session.info[_CHANGED_KEY] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    if session.info.pop(_CHANGED_KEY, False) and cache_of(session) is not None:
        cache_of(session).forget()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session) -> None:
    session.info.pop(_CHANGED_KEY, None)
