"""One database session per request; the request boundary commits once.

On SQLite a request that only reads (GET, HEAD, OPTIONS) begins its transaction DEFERRED: it
takes no lock and, under WAL, never waits for a writer nor makes one wait. Every other request
begins IMMEDIATE (models/base.py), so writers queue on the busy timeout instead of failing late
on a stale snapshot. The few GETs that write (WRITING_READS) begin IMMEDIATE too.
"""
import logging

from flask import current_app, g, has_request_context, request
from sqlalchemy import event

from formjs.version_cache import SESSION_KEY as FORM_VERSIONS_KEY
from formjs.version_cache import FormVersionCache
from documents import DocumentStore
from notifications.staff import StaffNoticeSettings, parse_kinds
from models import make_engine, make_session_factory
from models.base import SQLITE_BEGIN_OPTION, pool_options

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def init_db(app) -> None:
    """Create the engine and session factory and close sessions at the end of a request."""
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        from pathlib import Path
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url) if url.startswith("sqlite") else make_engine(
        url, pgbouncer=bool(app.config["DATABASE_PGBOUNCER"]), **pool_options(app.config))
    app.extensions["db_engine"] = engine
    # The same pool, its transactions DEFERRED on SQLite (no other effect elsewhere).
    app.extensions["db_read_engine"] = engine.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"})
    if url.startswith("sqlite"):
        event.listen(engine, "before_cursor_execute", _warn_write_in_read)
    # Every session carries the app's BPMN engine (engine.core.engine_of), its calendars and
    # the cache of the latest form versions in this database (formjs.version_cache) and the
    # staff notifications' settings (notifications.staff).
    app.extensions["form_versions"] = FormVersionCache(
        engine, in_caller_transaction=bool(app.config["DATABASE_PGBOUNCER"]))
    app.extensions["db_sessions"] = make_session_factory(
        engine, info={**app.extensions["bpmn_engine"].session_info(),
                      FORM_VERSIONS_KEY: app.extensions["form_versions"],
                      **DocumentStore(app.config).session_info(),
                      **StaffNoticeSettings(
                          quiet_kinds=parse_kinds(app.config["STAFF_QUIET_HOURS_KINDS"]),
                          due_soon_working_hours=float(app.config["STAFF_DUE_SOON_WORKING_HOURS"]),
                      ).session_info()})

    @app.teardown_appcontext
    def _close_session(exc):
        session = g.pop("db_session", None)
        if session is not None:
            if exc is not None:
                session.rollback()
            session.close()


_log = logging.getLogger(__name__)
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def _warn_write_in_read(conn, _cursor, statement, _parameters, _context, _executemany):
    # A GET that writes works while nobody else writes, and fails under contention: name it,
    # so it can join WRITING_READS.
    if (conn.get_execution_options().get(SQLITE_BEGIN_OPTION) == "DEFERRED"
            and statement.lstrip()[:7].upper().startswith(_WRITES)):
        _log.warning("A read request wrote in a DEFERRED transaction (add it to "
                     "app.db.WRITING_READS): %s %s: %s", request.method if has_request_context() else "-",
                     request.path if has_request_context() else "-", statement[:80])


def db_session():
    """The session of the current request (created on first use): a read-only request's
    begins DEFERRED on SQLite (is_read_request), any other's IMMEDIATE."""
    if "db_session" not in g:
        factory = current_app.extensions["db_sessions"]
        # Only a factory on the app's own engine reads DEFERRED (one bound elsewhere, e.g. to a
        # test's connection, keeps its bind).
        reads = is_read_request() and factory.kw.get("bind") is current_app.extensions["db_engine"]
        g.db_session = factory(bind=current_app.extensions["db_read_engine"]) if reads else factory()
    return g.db_session


def write_apart(work):
    """work(session)'s result: a small write a read request makes (an inbox visit, notices
    read). On SQLite, in a read request, it runs in a transaction of its own, IMMEDIATE and
    committed at once (the write lock is held for the write alone, and a DEFERRED read never
    turns into a write), after which the request's reads see it; elsewhere in the request's session."""
    session = db_session()
    if session.bind is not current_app.extensions["db_read_engine"]:
        return work(session)
    apart = current_app.extensions["db_sessions"]()
    try:
        result = work(apart)
        apart.commit()
    except BaseException:
        apart.rollback()
        raise
    finally:
        apart.close()
    # End the read's snapshot (it wrote nothing): its next query sees the write.
    session.commit()
    return result


def is_read_request() -> bool:
    """True for a request that writes nothing: GET, HEAD or OPTIONS, but not one of the GETs
    that write (WRITING_READS); False outside a request (CLI, jobs: their sessions may write)."""
    if not has_request_context() or request.method not in READ_METHODS:
        return False
    return not any(writes(request) for writes in WRITING_READS)


def _open311_with_api_key(req) -> bool:
    # Open311 records each use of an api_key (app/api_keys/keys.py key_for), GETs included.
    return req.blueprint == "open311" and bool(req.values.get("api_key"))


# Predicates on the request naming the GETs that write (each must take the write lock up
# front: a DEFERRED read turned write fails at once, SQLITE_BUSY_SNAPSHOT, when another
# writer committed meanwhile; the busy timeout does not help it).
WRITING_READS = [_open311_with_api_key]
