"""finding instances: search text (a tsvector on PostgreSQL), channel, category, period indexes

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-06 16:00:00

instances.search_text holds the normalised words an instance is found by, its citizen's
personal values only as keyed tokens (engine/runtime/search_index.py writes it at every step);
on PostgreSQL search_vector is its tsvector ('simple'), a stored generated column with a GIN
index (on SQLite a plain column nothing writes: the search falls back to LIKE). channel and
category are copied from the data for the filters; human_tasks.completed_by_id gets the index
the instance scope of a district's staff asks (people.access). Existing rows are filled here, with the
tokens of the PERSONAL_DATA_KEY in the environment (the app's own, as `flask db upgrade` runs
with it).
"""
import json
import os

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None

_CATEGORY_KEY = {"complaints": "complaint_type"}  # programmes/complaints: Hooks.search_keys


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    with op.batch_alter_table('instances', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('channel', sa.String(40), nullable=True))
        batch_op.add_column(sa.Column('category', sa.String(60), nullable=True))
        if not postgres:
            batch_op.add_column(sa.Column('search_vector', sa.Text(), nullable=True))
    _fill(bind)
    if postgres:  # after the fill: the generated column is computed once per row
        op.add_column('instances', sa.Column(
            'search_vector', postgresql.TSVECTOR(),
            sa.Computed("to_tsvector('simple'::regconfig, coalesce(search_text, ''))",
                        persisted=True)))
    op.create_index('ix_instances_search_vector', 'instances', ['search_vector'],
                    postgresql_using='gin')
    op.create_index('ix_instances_channel', 'instances', ['channel'])
    op.create_index('ix_instances_category', 'instances', ['category'])
    op.create_index('ix_instances_started_at', 'instances', ['started_at'])
    op.create_index('ix_instances_completed_at', 'instances', ['completed_at'])
    op.create_index('ix_human_tasks_completed_by', 'human_tasks', ['completed_by_id'])


def _fill(bind) -> None:
    # The code of the time: the search text is derived data, rewritten at the instance's next step.
    from engine.runtime.search_index import COLUMN_CHARS, search_document
    from models.shredding import DEVELOPMENT_KEY, KeyRing

    keys = KeyRing(os.environ.get("PERSONAL_DATA_KEY") or DEVELOPMENT_KEY)
    last = 0
    while True:  # in batches of ids: a city's 100,000 instances' data never all in memory
        rows = bind.execute(sa.text(
            "SELECT id, process_key, title, tracking_code, data FROM instances WHERE id > :last "
            "ORDER BY id LIMIT 1000"), {"last": last}).fetchall()
        if not rows:
            return
        last = rows[-1].id
        updates = []
        for row in rows:
            data = row.data if isinstance(row.data, dict) else json.loads(row.data or "{}")
            data = data if isinstance(data, dict) else {}
            values = {}
            for column, key in (("channel", "channel"),
                                ("category", _CATEGORY_KEY.get(row.process_key, "category"))):
                value = data.get(key)
                values[column] = (str(value)[:COLUMN_CHARS[column]]
                                  if isinstance(value, (str, int)) and not isinstance(value, bool)
                                  and value != "" else None)
            updates.append({"id": row.id, **values,
                            "text": search_document(keys, row.title, row.tracking_code, data)})
        bind.execute(sa.text("UPDATE instances SET search_text = :text, channel = :channel, "
                             "category = :category WHERE id = :id"), updates)


def downgrade() -> None:
    op.drop_index('ix_human_tasks_completed_by', table_name='human_tasks')
    for name in ('ix_instances_completed_at', 'ix_instances_started_at', 'ix_instances_category',
                 'ix_instances_channel', 'ix_instances_search_vector'):
        op.drop_index(name, table_name='instances')
    with op.batch_alter_table('instances', schema=None, recreate='never') as batch_op:
        for column in ('search_vector', 'category', 'channel', 'search_text'):
            batch_op.drop_column(column)
