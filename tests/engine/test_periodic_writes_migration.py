"""Migration 0038 on a database that holds duplicates two schedulers could have made: complaint
reports of one district and period, disposals of one record; then the unique indexes hold."""
import json
from datetime import datetime

import pytest
import sqlalchemy as sa
from alembic import command

from app.migrate import alembic_config
from models import make_engine
from tests.engine.test_migrations import scratch_url  # noqa: F401 - a fixture

AT = datetime(2026, 11, 1, 6, 0)
PERIOD = {"start": "2026-09-23", "end": "2026-10-22", "label": "1405/07"}


def _report(conn, record_id, district_id, disposed=False):
    conn.execute(sa.text(
        "INSERT INTO quality_records (id, code, district_id, data, created_at, legal_hold, revision, "
        "disposed_at) VALUES (:id, 'F-__-0-5-02', :d, :data, :at, :f, 1, :disposed)"),
        {"id": record_id, "d": district_id, "data": json.dumps({"period": PERIOD}), "at": AT,
         "f": False, "disposed": AT if disposed else None})


@pytest.mark.slow
def test_0038_keeps_one_report_per_district_and_period_and_one_disposal_per_record(scratch_url):  # noqa: F811
    config = alembic_config(scratch_url)
    command.upgrade(config, "0037")
    engine = make_engine(scratch_url)
    try:
        with engine.begin() as conn:
            for district_id in (1, 2):
                conn.execute(sa.text("INSERT INTO districts (id, code, name_fa, name_en) "
                                     "VALUES (:id, :code, 'ناحیه', 'District')"),
                             {"id": district_id, "code": f"d{district_id}"})
            for record_id in (1, 2, 3):
                _report(conn, record_id, 1)  # three schedulers made district 1's report
            _report(conn, 4, 2)
            _report(conn, 5, 1, disposed=True)  # an earlier one, archived
            conn.execute(sa.text("INSERT INTO disposal_proposals (record_id, proposed_at) VALUES (2, :at)"),
                         {"at": AT})
            for _ in range(2):
                conn.execute(sa.text(
                    "INSERT INTO record_disposals (record_id, record_code, action, rule, disposed_at, by) "
                    "VALUES (5, 'F-__-0-5-02', 'archived', 'r', :at, 'retention job')"), {"at": AT})

        command.upgrade(config, "0038")
        with engine.connect() as conn:
            keys = dict(conn.execute(sa.text("SELECT id, period_key FROM quality_records")).all())
            key = "2026-09-23/2026-10-22"
            # The first stays keyed; a duplicate referred to stays without a key; the other goes.
            assert keys == {1: key, 2: None, 4: key, 5: key}
            assert conn.scalar(sa.text("SELECT count(*) FROM record_disposals")) == 1
            assert conn.scalar(sa.text("SELECT version FROM cache_versions WHERE name = 'calendar'")) == 0
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            _report(conn, 6, 1)
            conn.execute(sa.text("UPDATE quality_records SET period_key = :k WHERE id = 6"), {"k": key})
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO record_disposals (record_id, record_code, action, rule, disposed_at, by) "
                "VALUES (5, 'F-__-0-5-02', 'archived', 'r', :at, 'retention job')"), {"at": AT})

        command.downgrade(config, "0037")
        command.upgrade(config, "head")
    finally:
        engine.dispose()
