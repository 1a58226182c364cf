"""Declarative base, time helpers and the session factory."""
from datetime import datetime

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, sessionmaker

from . import clock

# Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    """Naive UTC now (the settable clock): every *_at column in the database holds naive UTC."""
    return clock.utcnow()


# How a SQLite transaction begins, per connection (execution option "sqlite_begin"): IMMEDIATE
# (the default: the write lock up front) or DEFERRED (a read; app/db.py for GET requests).
SQLITE_BEGIN_OPTION = "sqlite_begin"

# The pool's settings (app/config.py: DB_POOL_*), as create_engine keywords.
POOL_SETTINGS = {"DB_POOL_SIZE": "pool_size", "DB_MAX_OVERFLOW": "max_overflow",
                 "DB_POOL_TIMEOUT_SECONDS": "pool_timeout", "DB_POOL_RECYCLE_SECONDS": "pool_recycle"}


# The pool when no setting says otherwise (app/config.py DB_POOL_*: the settings' defaults).
POOL_DEFAULTS = {"DB_POOL_SIZE": 5, "DB_MAX_OVERFLOW": 5, "DB_POOL_TIMEOUT_SECONDS": 10.0,
                 "DB_POOL_RECYCLE_SECONDS": 1800}


def pool_options(config) -> dict:
    """The create_engine keywords of the pool settings present in config (a dict of settings)."""
    return {keyword: config[name] for name, keyword in POOL_SETTINGS.items() if name in config}


def make_engine(database_url: str, pgbouncer: bool = False, **kwargs):
    """Create an engine; SQLite gets WAL, a busy timeout and foreign keys; a server database a
    pool recycled after DB_POOL_RECYCLE_SECONDS (pool_options), not pinged before each use, and
    no prepared statements behind PgBouncer in transaction mode (pgbouncer)."""
    if database_url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(database_url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # Let SQLAlchemy issue BEGIN itself so a write transaction can be IMMEDIATE.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # IMMEDIATE takes the write lock up front: two writers queue on the
            # busy timeout instead of failing later with a stale snapshot. A read (DEFERRED)
            # takes no lock: under WAL it sees a snapshot and never waits for a writer.
            mode = conn.get_execution_options().get(SQLITE_BEGIN_OPTION, "IMMEDIATE")
            conn.exec_driver_sql("BEGIN DEFERRED" if mode == "DEFERRED" else "BEGIN IMMEDIATE")

        return engine
    for name, keyword in POOL_SETTINGS.items():
        kwargs.setdefault(keyword, POOL_DEFAULTS[name])
    if pgbouncer:
        # psycopg prepares a statement run 5 times on a connection; in transaction mode the
        # next transaction may get another server connection, where it is unknown or named
        # the same as another client's ("_pg3_0" already exists). PgBouncer before 1.21
        # cannot track them: never prepare.
        kwargs["connect_args"] = {**kwargs.get("connect_args", {}), "prepare_threshold": None}
    return create_engine(database_url, **kwargs)



def make_session_factory(engine, info: dict | None = None):
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False, info=dict(info or {}))
