"""One database session per request; the request boundary commits once."""
from flask import current_app, g

from formjs.version_cache import SESSION_KEY as FORM_VERSIONS_KEY
from formjs.version_cache import FormVersionCache
from documents import DocumentStore
from notifications.staff import StaffNoticeSettings, parse_kinds
from models import make_engine, make_session_factory


def init_db(app) -> None:
    """Create the engine and session factory and close sessions at the end of a request."""
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        from pathlib import Path
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url, pgbouncer=bool(app.config["DATABASE_PGBOUNCER"]))
    app.extensions["db_engine"] = engine
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


def db_session():
    """The session of the current request (created on first use)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessions"]()
    return g.db_session
