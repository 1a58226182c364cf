"""instances.confidential: a case only inspection and the auditor may read

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 12:00:00

A complaint about staff stays with the inspection unit: the instance is marked confidential when
it is known to be one (programmes.complaints), and people.access shows it only to holders of
the permission view_confidential_cases and to whoever may act on one of its open tasks. Plain
ADD COLUMN with a server default (every existing instance is not confidential); batch mode on
SQLite would copy the table.
"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('instances', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('confidential', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('instances', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('confidential')
