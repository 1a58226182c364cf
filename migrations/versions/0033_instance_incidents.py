"""instances: the incident of an instance in error (failing element, when, how many times)

Revision ID: 0033
Revises: 0032
already at 0034 still gets it)
Create Date: 2026-12-06 16:00:00

An instance whose step fails keeps the BPMN id and name of the element that failed, when it
failed last and how many times in a row (engine.runtime.incidents): the incidents page lists
them, retry counts up on a new failure and resets on success. Instance.status may now also be
"suspended" or "cancelled" (a plain string column: no constraint to change).
"""
from alembic import op
import sqlalchemy as sa


revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('instances', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('failed_element', sa.String(200), nullable=True))
        batch_op.add_column(sa.Column('failed_element_name', sa.String(300), nullable=True))
        batch_op.add_column(sa.Column('failed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('failure_count', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('instances', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('failure_count')
        batch_op.drop_column('failed_at')
        batch_op.drop_column('failed_element_name')
        batch_op.drop_column('failed_element')
