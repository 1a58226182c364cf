"""The test database: one per test session (per pytest-xdist worker), migrated and filled with
the demo data once, and the transaction a test runs in (tests/conftest.py has the fixtures).

Savepoint mode (the default): a test gets one connection with an outer transaction; every
session the test or the app opens (requests, `db`, deploy_file, Arrange, scheduler functions
called directly, a second app the test builds with create_app) joins it through a SAVEPOINT
(SQLAlchemy's "Joining a Session into an External Transaction", join_transaction_mode=
"create_savepoint"), so `session.commit()` releases a savepoint and the test's work is rolled
back at its end. SQLite needs no more than models.base.make_engine already does: pysqlite's
own transaction handling is off (isolation_level None) and SQLAlchemy emits BEGIN itself, so
SAVEPOINT works.

Committed mode (tests marked `committed`): what every test did before, for tests whose data
must be seen by other connections, threads or processes (a live server, a subprocess, two
sessions racing): the tables are emptied, the demo data committed, and a fresh app uses real
connections. The next savepoint-mode test puts the demo data back first.

This is a module of its own (imported as tests.database_support, never by another name) so
that the state below exists once: pytest imports tests/conftest.py as `conftest`, and
`from tests.conftest import ...` would make a second copy.
"""
import atexit
import os
import shutil
import tempfile

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

import app.db as app_db
from app.demo import load_demo_data
from app.migrate import upgrade_database
from formjs.version_cache import SESSION_KEY as FORM_VERSIONS_KEY
from formjs.version_cache import FormVersionCache
from models import Base, make_engine

# The configuration of the app the tests share (a test may build others with create_app).
TEST_CONFIG = {"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test",
               # attachments' bytes go to a directory of this test run, never instance/
               "DOCUMENTS_DIR": tempfile.mkdtemp(prefix="documents-"),
               # the portal map's tiles from this site (absent: blank tiles), never the internet
               "MAP_TILE_URL": "/test-tiles/{z}/{x}/{y}.png",
               # Python's logging as pytest set it (no handler of ours on the root logger)
               "LOG_FORMAT": ""}
atexit.register(shutil.rmtree, TEST_CONFIG["DOCUMENTS_DIR"], True)

# Whether the committed rows are the demo data and nothing else.
_baseline = {"clean": False}


# ---------------------------------------------------------------- one database per worker

def _worker() -> str | None:
    """The pytest-xdist worker's id (gw0, gw1, ...), or None without xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER")


def _admin_engine(url):
    """An autocommit engine on the server's `postgres` database (CREATE/DROP DATABASE)."""
    return sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


def create_test_database(tmp_dir) -> str:
    """The URL of this worker's test database, migrated to the newest revision.

    SQLite: a file in this worker's temporary folder. TEST_DATABASE_URL: that database without
    xdist; under xdist, a database of its own per worker (<name>_gw0, ...) on the same server,
    created here (after dropping one left over) and dropped by drop_test_database."""
    given = os.environ.get("TEST_DATABASE_URL")
    if not given:
        url = f"sqlite:///{tmp_dir / 'test.sqlite'}"
    elif _worker() is None or not given.startswith("postgresql"):
        url = given
    else:
        base = make_url(given)
        name = f"{base.database}_{_worker()}"
        admin = _admin_engine(base)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = base.set(database=name).render_as_string(hide_password=False)
    upgrade_database(url)
    return url


def drop_test_database(url: str) -> None:
    """Drop a per-worker PostgreSQL database that create_test_database made."""
    given = os.environ.get("TEST_DATABASE_URL")
    if not given or url == given or not url.startswith("postgresql"):
        return
    admin = _admin_engine(make_url(url))
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


# ---------------------------------------------------------------- committed data

def empty_all_tables(url):
    """Delete every row of every table (the schema stays), committed."""
    _baseline["clean"] = False
    engine = make_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
    engine.dispose()


def load_demo(session_factory) -> None:
    """Commit the demo data (districts, one user per role) through a session of this factory."""
    session = session_factory()
    try:
        load_demo_data(session)
        session.commit()
    finally:
        session.close()


def reset_to_demo_data(url, session_factory) -> None:
    """Empty the tables and commit the demo data: what a test starts from."""
    empty_all_tables(url)
    load_demo(session_factory)


def ensure_demo_data(url, session_factory) -> None:
    """The committed rows are the demo data and nothing else (reset if a test changed them)."""
    if not _baseline["clean"]:
        reset_to_demo_data(url, session_factory)
        _baseline["clean"] = True


def committed_rows_changed() -> None:
    """A test committed rows: the next savepoint-mode test resets the demo data first."""
    _baseline["clean"] = False


# ---------------------------------------------------------------- savepoint mode

class _BorrowedConnection:
    """The test's DBAPI connection lent to formjs.version_cache, whose reads run on a
    DBAPI connection of their own (`engine.raw_connection()`), then roll back and close it:
    here the read sees the test's uncommitted rows, and neither rollback nor close ends the
    test's transaction."""

    def __init__(self, dbapi_connection):
        self._dbapi_connection = dbapi_connection

    def cursor(self):
        return self._dbapi_connection.cursor()

    def rollback(self):
        pass

    def close(self):
        pass


class _ThroughTestConnection:
    """What formjs.version_cache.use_database gets instead of the test database's engine:
    the same dialect, and the test's connection as its raw connection."""

    def __init__(self, connection):
        self.dialect = connection.dialect
        self._connection = connection

    def raw_connection(self):
        return _BorrowedConnection(self._connection.connection.dbapi_connection)


class TestTransaction:
    """One connection and its outer transaction, which every session of the test joins.

    While it is open, an app built with create_app on the test database (the shared one, or
    one a test builds with its own settings) gets this session factory, and the process-wide
    cache of form versions reads through this connection."""

    __test__ = False  # not a test class, whatever its name

    def __init__(self, engine):
        self.url = engine.url
        self.connection = engine.connect()
        self._outer = self.connection.begin()
        # The apps' cache of form versions reads through the test's connection instead.
        self.form_versions = FormVersionCache(_ThroughTestConnection(self.connection))
        self._patches = [(app_db, "make_session_factory", app_db.make_session_factory)]
        real_factory = app_db.make_session_factory
        app_db.make_session_factory = lambda e, info=None: (
            self.sessions(info) if self._ours(e) else real_factory(e, info))

    def sessions(self, info=None):
        """A session factory on the test's connection; info: what the app's sessions carry
        (its Engine and calendars, engine.core.Engine.session_info)."""
        info = dict(info or {})
        if FORM_VERSIONS_KEY in info:
            info[FORM_VERSIONS_KEY] = self.form_versions
        return sessionmaker(bind=self.connection, expire_on_commit=False,
                            join_transaction_mode="create_savepoint", info=info)

    def _ours(self, engine) -> bool:
        return engine is not None and getattr(engine, "url", None) == self.url

    def join(self, application) -> None:
        """Point an app already built at this transaction (sessions and form versions)."""
        # Whatever the app's own sessions carry (its document store too), on this connection.
        application.extensions["db_sessions"] = self.sessions(
            {**application.extensions["db_sessions"].kw.get("info", {}),
             **application.extensions["bpmn_engine"].session_info(),
             FORM_VERSIONS_KEY: self.form_versions})

    def rollback(self) -> None:
        """Undo everything the test did in the database and put create_app back."""
        for module, name, value in reversed(self._patches):
            setattr(module, name, value)
        try:
            self._outer.rollback()
        finally:
            self.connection.close()
