"""timers.attempts and timers.last_error: failed steps after a timer are tried again

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06 16:00:00

A step started by a timer that fails is tried again with backoff (engine/runtime/timers.py):
the timer row stays waiting with a later due_at, counts the failed attempts and keeps the last
failure's message. Existing rows have had no failed attempt (0).
"""
from alembic import op
import sqlalchemy as sa


revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('timers', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('last_error', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('timers', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('last_error')
        batch_op.drop_column('attempts')
