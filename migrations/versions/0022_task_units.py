"""human_tasks.unit_id: the unit a task was routed to (its candidateUnit)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 11:00:00

A user task may name the unit that must do it (the BPMN property candidateUnit, an expression
over the case data); the task index keeps the unit it resolved to, so the inbox offers the task
to that unit's members and head only. NULL: routed by the lane's role in the district, as before.
A plain indexed column (no foreign key: adding one would copy the task table on SQLite; units
are edited, never deleted, while tasks name them).
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('human_tasks', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_human_tasks_unit_id'), ['unit_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('human_tasks', schema=None, recreate='never') as batch_op:
        batch_op.drop_index(batch_op.f('ix_human_tasks_unit_id'))
        batch_op.drop_column('unit_id')
