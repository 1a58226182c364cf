"""draft_comments.contact_phone: told when the final text is published

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 13:30:00

A citizen commenting on a draft regulation may leave a mobile number to be told by SMS when
the final text is approved and published (the notice draft_published). Never shown on the
portal; NULL when none was given.
"""
from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (nullable, no default): batch mode on SQLite would copy the table.
    with op.batch_alter_table('draft_comments', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('contact_phone', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('draft_comments', schema=None) as batch_op:
        batch_op.drop_column('contact_phone')
