"""Migration 0016 on a database that already holds records: every row is kept; duplicates a
rework made before it (same instance and revised code) become revisions, all but the newest
superseded; survey forms typed in many times per instance stay records of their own."""
from datetime import date, datetime

import sqlalchemy as sa
from alembic import command

from app.migrate import alembic_config
from tests.engine.test_migrations import _fill_0001, scratch_url  # noqa: F401 (fixture)

AT = datetime(2026, 1, 5, 8, 30)


def _record(conn, record_id, code, instance_id, minutes, keep_until):
    conn.execute(sa.text(
        "INSERT INTO quality_records (id, code, instance_id, district_id, data, created_at, "
        "created_by_id, retention_until, legal_hold) VALUES (:id, :code, :instance, 1, '{}', :at, 1, "
        ":keep, :hold)"),
        {"id": record_id, "code": code, "instance": instance_id, "hold": False, "keep": keep_until,
         "at": AT.replace(minute=minutes)})


def test_0016_makes_earlier_duplicates_superseded_revisions_and_keeps_every_row(scratch_url):  # noqa: F811
    config = alembic_config(scratch_url)
    command.upgrade(config, "0015")
    engine = sa.create_engine(scratch_url)
    try:
        with engine.begin() as conn:
            _fill_0001(conn)
            _record(conn, 1, "F-__-0-2-13", 1, 31, date(2028, 1, 5))
            _record(conn, 2, "F-__-0-2-13", 1, 40, date(2028, 1, 6))
            _record(conn, 3, "F-__-0-2-13", 1, 45, date(2028, 1, 7))
            _record(conn, 4, "F-__-0-2-13", 2, 50, date(2028, 1, 5))   # another instance
            _record(conn, 5, "F-__-0-2-01", 1, 51, date(2027, 1, 5))   # survey forms: apart
            _record(conn, 6, "F-__-0-2-01", 1, 52, date(2027, 1, 5))
        command.upgrade(config, "0016")
        with engine.connect() as conn:
            rows = {row.id: row for row in conn.execute(sa.text(
                "SELECT id, revision, superseded_at, superseded_by_id, retention_until "
                "FROM quality_records ORDER BY id"))}
    finally:
        engine.dispose()
    assert len(rows) == 6
    assert [(rows[i].revision, rows[i].superseded_by_id) for i in (1, 2, 3)] == [(1, 2), (2, 3), (3, None)]
    assert rows[3].superseded_at is None and rows[1].superseded_at is not None
    assert {str(rows[i].retention_until) for i in (1, 2, 3)} == {"2028-01-07"}
    assert [(rows[i].revision, rows[i].superseded_at) for i in (4, 5, 6)] == [(1, None)] * 3
