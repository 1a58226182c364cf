"""index of instances by process and start

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 18:00:00

The district scores of the 137 cycle (programmes/messages137/scores.py) read the messages received in a
period: instances of one process by started_at, one range of this index.
"""
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.create_index('ix_instances_process_started', ['process_key', 'started_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.drop_index('ix_instances_process_started')
