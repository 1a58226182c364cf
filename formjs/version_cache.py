"""The process-wide cache of the latest saved form versions, for readers without a session.

`formjs.forms.load_form(key)` has many callers without a session (deploy checks, previews,
surveys, records, the portal), so it asks `latest_schema`: a cache {key: (version, schema)} of
the saved versions, refreshed at most every CACHE_SECONDS by one small query (`form_key,
max(version)` per key, then the schema of a key whose latest version changed only) on a pooled
connection of the app's database (`use_database`, called when the forms blueprint is
registered). The query runs in autocommit on its own DBAPI connection, so it never joins (nor
waits for: SQLite takes its write lock at BEGIN here) the caller's transaction. A save empties
this process's cache once its transaction commits (`note_saved`); other processes (gunicorn
workers) see it within CACHE_SECONDS. Without a database (engine tests, tools), or before the
table exists, the files are the latest versions.
"""
from __future__ import annotations

import json
import threading
import time

from sqlalchemy import event, func, select, tuple_
from sqlalchemy.orm import Session

from models.forms import FormVersion

CACHE_SECONDS = 2.0
_CHANGED_KEY = "engine.form_versions_changed"  # session.info: a version was saved

_lock = threading.Lock()
_database = {"engine": None}
_latest: dict[str, tuple[int, dict]] = {}
_checked = {"at": float("-inf")}


def use_database(engine) -> None:
    """Read saved versions from this SQLAlchemy engine (None: files only); empties the cache."""
    with _lock:
        _database["engine"] = engine
        _forget()


def forget_cache() -> None:
    """Empty this process's cache of latest versions (the next read asks the database)."""
    with _lock:
        _forget()


def _forget() -> None:
    _latest.clear()
    _checked["at"] = float("-inf")


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


def _refresh(engine) -> None:
    numbers = dict(_fetch(engine, select(FormVersion.form_key, func.max(FormVersion.version))
                          .group_by(FormVersion.form_key)))
    for key in [k for k in _latest if k not in numbers]:
        del _latest[key]  # e.g. a test emptied the table
    changed = [(key, number) for key, number in numbers.items()
               if key not in _latest or _latest[key][0] != number]
    for start in range(0, len(changed), 100):
        rows = _fetch(engine, select(FormVersion.form_key, FormVersion.version, FormVersion.schema)
                      .where(tuple_(FormVersion.form_key, FormVersion.version)
                             .in_(changed[start:start + 100])))
        for key, number, schema in rows:
            _latest[key] = (number, _as_schema(schema))


def latest_schema(form_key: str) -> tuple[int, dict] | None:
    """(version, schema) of the latest saved version of this form in the cache, refreshed when
    older than CACHE_SECONDS; None if none is saved (the file is the latest) or no database.
    The schema is shared: copy it before changing it."""
    with _lock:
        engine = _database["engine"]
        if engine is None:
            return None
        now = time.monotonic()
        if now - _checked["at"] >= CACHE_SECONDS:
            try:
                _refresh(engine)
            except Exception:  # noqa: BLE001 - no table yet (an old database), or the database
                pass  # is unreachable: keep what is known (nothing: the files), retry later
            _checked["at"] = now
        return _latest.get(form_key)


def note_saved(session) -> None:
    """Empty this process's cache once the session's transaction commits (a version was saved)."""
    session.info[_CHANGED_KEY] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    if session.info.pop(_CHANGED_KEY, False):
        forget_cache()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session) -> None:
    session.info.pop(_CHANGED_KEY, None)
