"""timers.waiting_since: when a timer began to wait (the statistics' time spent at a timer)

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-06 16:00:00

programmes/oversight/element_statistics.py measures the time an instance spent at a timer from
the moment it began to wait to the moment it fired. Rows of timers that waited before this
column existed keep NULL: they count as passed, not in the times.
"""
from alembic import op
import sqlalchemy as sa


revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('timers', sa.Column('waiting_since', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('timers') as batch:
        batch.drop_column('waiting_since')
