"""users.session_version: logging out, a new password and deactivation end old sessions

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 14:10:00

A login session carries "user id:session version" (signed in Flask's session cookie); every
request compares the version with this column, and logging out, a password change or
deactivating the user moves it on, so a copied or stolen cookie stops working. Plain ADD
COLUMN with a server default: every existing session (which carries the bare id) ends once.
"""
from alembic import op
import sqlalchemy as sa


revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False,
                                      server_default=sa.text('0')))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('session_version')

