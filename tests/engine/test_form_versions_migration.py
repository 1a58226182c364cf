"""Migration 0012: the form_versions table and human_tasks.form_version, up and down (SQLite
scratch database; the PostgreSQL run of tests/engine/test_migrations.py covers the dialect)."""
import sqlalchemy as sa
from alembic import command

from app.migrate import alembic_config
from models import make_engine


def _columns(conn, table):
    return {c["name"] for c in sa.inspect(conn).get_columns(table)}


def test_0012_adds_form_versions_and_the_task_column_and_removes_them(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    config = alembic_config(url)
    command.upgrade(config, "0011")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert "form_versions" not in sa.inspect(conn).get_table_names()
            assert "form_version" not in _columns(conn, "human_tasks")
        command.upgrade(config, "0012")
        with engine.connect() as conn:
            assert _columns(conn, "form_versions") == {
                "id", "form_key", "version", "schema", "content_sha256", "saved_by_id", "saved_at"}
            assert "form_version" in _columns(conn, "human_tasks")
            uniques = sa.inspect(conn).get_unique_constraints("form_versions")
            assert [u["column_names"] for u in uniques] == [["form_key", "version"]]
        command.downgrade(config, "0011")
        with engine.connect() as conn:
            assert "form_versions" not in sa.inspect(conn).get_table_names()
            assert "form_version" not in _columns(conn, "human_tasks")
        command.upgrade(config, "head")
    finally:
        engine.dispose()
