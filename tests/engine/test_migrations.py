"""Alembic migrations: the schema they build is the one the models declare, and they run on a
database that already holds data (SQLite, or PostgreSQL when TEST_DATABASE_URL points there: a
scratch database next to it is created and dropped).

0002 adds instances.last_event_seq / last_event_sha256 / waiting_timer_count and fills them
from events and timers.
"""
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import make_url

from app.migrate import alembic_config
from engine.events import GENESIS_SHA256, append_event, event_digest, list_events, verify_chain
from models import Instance, make_engine, make_session_factory

AT = datetime(2026, 1, 5, 8, 30)


@pytest.fixture
def scratch_url(database_url, tmp_path):
    """An empty database of the same kind as the test database."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    url = make_url(database_url)
    name = f"{url.database}_migrations"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _chain(instance_id, types, actor_id):
    """Event rows of a valid hash chain, as engine.events writes them."""
    rows, prev = [], GENESIS_SHA256
    for seq, type_ in enumerate(types, start=1):
        at = AT + timedelta(minutes=seq)
        sha = event_digest(prev, instance_id, seq, type_, None, None, actor_id, at, {})
        rows.append({"instance_id": instance_id, "seq": seq, "type": type_, "task_spec": None,
                     "spiff_task_id": None, "actor_id": actor_id, "at": at, "data": "{}",
                     "prev_sha256": prev, "sha256": sha})
        prev = sha
    return rows


def _fill_0001(conn):
    """Rows as a database at revision 0001 holds them: three instances, events, timers."""
    conn.execute(sa.text("INSERT INTO districts (id, code, name_fa, name_en) VALUES (1, 'd1', 'ناحیه ۱', 'District 1')"))
    conn.execute(sa.text(
        "INSERT INTO users (id, username, password_hash, full_name, locale, is_active, created_at) "
        "VALUES (1, 'u1', 'x', 'User', 'fa', :t, :at)"), {"t": True, "at": AT})
    conn.execute(sa.text(
        "INSERT INTO process_versions (id, process_key, version, name, content_sha256, bpmn_xml, "
        "lanes, forms, deployed_at) VALUES (1, 'p', 1, 'P', :sha, '<xml/>', '{}', '{}', :at)"),
        {"sha": "a" * 64, "at": AT})
    for instance_id in (1, 2, 3):
        conn.execute(sa.text(
            "INSERT INTO instances (id, process_version_id, process_key, district_id, status, title, "
            "state_json, data, started_at, updated_at, row_version) "
            "VALUES (:id, 1, 'p', 1, 'running', 't', '{}', '{}', :at, :at, 1)"), {"id": instance_id, "at": AT})
    events = (_chain(1, ["instance_started", "task_completed", "task_claimed"], 1)
              + _chain(3, ["instance_started"], 1))  # instance 2 has none
    conn.execute(sa.text(
        "INSERT INTO events (instance_id, seq, type, task_spec, spiff_task_id, actor_id, at, data, "
        "prev_sha256, sha256) VALUES (:instance_id, :seq, :type, :task_spec, :spiff_task_id, "
        ":actor_id, :at, :data, :prev_sha256, :sha256)"), events)
    conn.execute(sa.text(
        "INSERT INTO timers (instance_id, spiff_task_id, task_spec, due_at, status) VALUES "
        "(3, 'a', 'Timer_a', :at, 'waiting'), (3, 'b', 'Timer_b', :at, 'fired'), "
        "(3, 'c', 'Timer_c', :at, 'waiting'), (1, 'd', 'Timer_d', :at, 'cancelled')"), {"at": AT})
    return {e["instance_id"]: (e["seq"], e["sha256"]) for e in events}  # the last of each


def _heads(conn):
    return {row.id: (row.last_event_seq, row.last_event_sha256, row.waiting_timer_count)
            for row in conn.execute(sa.text(
                "SELECT id, last_event_seq, last_event_sha256, waiting_timer_count FROM instances"))}


@pytest.mark.slow
def test_0002_fills_the_chain_head_and_timer_count_of_existing_instances(scratch_url):
    config = alembic_config(scratch_url)
    command.upgrade(config, "0001")
    engine = make_engine(scratch_url)
    try:
        with engine.begin() as conn:
            last = _fill_0001(conn)

        command.upgrade(config, "head")
        with engine.connect() as conn:
            assert _heads(conn) == {1: (*last[1], 0), 2: (0, GENESIS_SHA256, 0), 3: (*last[3], 2)}
            assert conn.scalar(sa.text("SELECT count(*) FROM events")) == 4

        # The engine appends from the stored head: the chain goes on unbroken.
        with make_session_factory(engine)() as session:
            instance = session.get(Instance, 1)
            append_event(session, instance, "task_unclaimed")
            session.flush()
            append_event(session, session.get(Instance, 2), "instance_started")
            session.commit()
            events = list_events(session, 1)
            assert [e.seq for e in events] == [1, 2, 3, 4]
            assert verify_chain(events) is None
            assert (instance.last_event_seq, instance.last_event_sha256) == (4, events[-1].sha256)
            assert verify_chain(list_events(session, 2)) is None

        # Down and up again: no data is lost on the way (SQLite must not copy the table, whose
        # drop would cascade to events, tasks and timers).
        command.downgrade(config, "0001")
        with engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT count(*) FROM events")) == 6
            assert conn.scalar(sa.text("SELECT count(*) FROM timers")) == 4
            columns = {c["name"] for c in sa.inspect(conn).get_columns("instances")}
            assert "last_event_seq" not in columns
        command.upgrade(config, "head")
        with engine.connect() as conn:
            heads = _heads(conn)
            assert heads[1][0] == 4 and heads[2][:2] == (1, list_events_sha(conn, 2)) and heads[3][2] == 2
    finally:
        engine.dispose()


def list_events_sha(conn, instance_id):
    return conn.scalar(sa.text("SELECT sha256 FROM events WHERE instance_id = :i ORDER BY seq DESC"),
                       {"i": instance_id})


def test_the_migrations_build_every_table_column_and_index_the_models_declare(scratch_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from models import Base
    command.upgrade(alembic_config(scratch_url), "head")
    engine = make_engine(scratch_url)
    try:
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        engine.dispose()
