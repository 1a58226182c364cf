"""instances keep the head of their event chain and their count of waiting timers

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 10:00:00

instances.last_event_seq / last_event_sha256: the seq and hash of the instance's newest event,
so engine.events.append_event needs no query; backfilled from events (0 and the genesis hash
for an instance without events). instances.waiting_timer_count: its timers rows with status
"waiting", so a step that leaves no timer waiting skips the timers query; backfilled from timers.
NULL in any of them means "not known" and the engine looks it up.
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

GENESIS_SHA256 = "0" * 64  # engine.events.GENESIS_SHA256 (migrations do not import the engine)

instances = sa.table("instances", sa.column("id", sa.Integer),
                     sa.column("last_event_seq", sa.Integer),
                     sa.column("last_event_sha256", sa.String),
                     sa.column("waiting_timer_count", sa.Integer))
events = sa.table("events", sa.column("instance_id", sa.Integer), sa.column("seq", sa.Integer),
                  sa.column("sha256", sa.String))
timers = sa.table("timers", sa.column("instance_id", sa.Integer), sa.column("status", sa.String))


def upgrade() -> None:
    # Plain ADD COLUMN on both databases (nullable, no server default: batch mode on SQLite
    # does not copy the table, whose drop would cascade to events, tasks and timers).
    with op.batch_alter_table('instances', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('last_event_seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('last_event_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('waiting_timer_count', sa.Integer(), nullable=True))

    # One statement each, correlated on the (instance_id, seq) unique index.
    newest = (sa.select(events.c.seq, events.c.sha256)
              .where(events.c.instance_id == instances.c.id)
              .order_by(events.c.seq.desc()).limit(1))
    waiting = (sa.select(sa.func.count()).select_from(timers)
               .where(timers.c.instance_id == instances.c.id, timers.c.status == "waiting"))
    op.execute(instances.update().values(
        last_event_seq=sa.func.coalesce(newest.with_only_columns(events.c.seq).scalar_subquery(), 0),
        last_event_sha256=sa.func.coalesce(
            newest.with_only_columns(events.c.sha256).scalar_subquery(), GENESIS_SHA256),
        waiting_timer_count=waiting.scalar_subquery()))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # ALTER TABLE ... DROP COLUMN (SQLite >= 3.35) instead of batch mode's table copy.
        for column in ('waiting_timer_count', 'last_event_sha256', 'last_event_seq'):
            op.execute(f"ALTER TABLE instances DROP COLUMN {column}")
        return
    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.drop_column('waiting_timer_count')
        batch_op.drop_column('last_event_sha256')
        batch_op.drop_column('last_event_seq')
