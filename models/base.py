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


def make_engine(database_url: str, pgbouncer: bool = False, **kwargs):
    """Create an engine; SQLite gets WAL, a busy timeout and foreign keys; PostgreSQL behind
    PgBouncer in transaction mode (pgbouncer) gets no prepared statements."""
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
            # busy timeout instead of failing later with a stale snapshot.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
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
