"""login_failures: failed logins per account and per client address (throttling)

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 14:00:00

people/throttle.py counts failed logins here so that every worker and node shares the counts
and the back-off they lead to. A new table; nothing existing changes.
"""
from alembic import op
import sqlalchemy as sa


revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'login_failures',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('scope', sa.String(length=16), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_failure_at', sa.DateTime(), nullable=False),
        sa.Column('blocked_until', sa.DateTime(), nullable=True),
        sa.UniqueConstraint('scope', 'key', name='uq_login_failures_scope_key'),
    )


def downgrade() -> None:
    op.drop_table('login_failures')
