"""Migration 0035 fills the search text, channel and category of the instances already there
(personal values as keyed tokens), on SQLite and PostgreSQL alike."""
import json
from datetime import datetime

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import make_url

from app.migrate import alembic_config
from models import make_engine
from models.shredding import DEVELOPMENT_KEY, KeyRing

AT = datetime(2026, 12, 1, 8, 0)


@pytest.fixture
def scratch_url(database_url, tmp_path):
    """An empty database of the same kind as the test database."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'search.sqlite'}"
        return
    url = make_url(database_url)
    name = f"{url.database}_search_migration"
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


def test_0035_fills_the_search_text_of_existing_instances(scratch_url, monkeypatch):
    monkeypatch.delenv("PERSONAL_DATA_KEY", raising=False)
    config = alembic_config(scratch_url)
    command.upgrade(config, "0032")
    engine = make_engine(scratch_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO districts (id, code, name_fa, name_en) VALUES (1, 'd1', 'ناحیه ۱', 'D1')"))
            conn.execute(sa.text(
                "INSERT INTO process_versions (id, process_key, version, name, content_sha256, bpmn_xml, "
                "lanes, forms, deployed_at) VALUES (1, 'complaints', 1, 'P', :sha, '<xml/>', '{}', '{}', :at)"),
                {"sha": "a" * 64, "at": AT})
            data = {"channel": "phone", "complaint_type": "service", "description": "چراغ كوچه",
                    "phone": "09123456789", "complainant_name": "مریم"}
            conn.execute(sa.text(
                "INSERT INTO instances (id, process_version_id, process_key, district_id, status, title, "
                "tracking_code, state_json, data, started_at, updated_at, row_version, confidential) "
                "VALUES (1, 1, 'complaints', 1, 'running', 'شکایت', '101-050910-ABCDEF', '{}', :data, "
                ":at, :at, 1, :f)"), {"data": json.dumps(data), "at": AT, "f": False})
        command.upgrade(config, "head")
        with engine.connect() as conn:
            row = conn.execute(sa.text("SELECT search_text, channel, category FROM instances")).one()
        keys = KeyRing(DEVELOPMENT_KEY)
        words = row.search_text.split()
        assert {"چراغ", "کوچه", "شکایت", "101", "abcdef"} <= set(words)
        assert keys.search_token("phone:9123456789") in words
        assert keys.search_token("word:مریم") in words and "مریم" not in words
        assert (row.channel, row.category) == ("phone", "service")
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                assert conn.scalar(sa.text(
                    "SELECT search_vector @@ to_tsquery('simple', 'کوچه') FROM instances"))
    finally:
        engine.dispose()
