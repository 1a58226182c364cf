"""operator_events and signed chain digests: the city-wide chain of operator actions

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 14:10:00

operator_events is the city-wide hash chain of what operators did (legal holds, disposals, the
records committee's approvals, deploys, migrations, grants, calendar entries, API keys), hashed
like an instance's events. chain_digests gains the city chain's head of the day and the
Ed25519 signature of the digest (audit/signing.py), whose private key is kept outside the
database; digests made before have none (NULL) and are reported as unsigned.
"""
from alembic import op
import sqlalchemy as sa


revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'operator_events',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('seq', sa.Integer(), nullable=False, unique=True),
        sa.Column('type', sa.String(64), nullable=False, index=True),
        sa.Column('actor_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('prev_sha256', sa.String(64), nullable=False),
        sa.Column('sha256', sa.String(64), nullable=False),
    )
    with op.batch_alter_table('chain_digests', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('city_seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('city_sha256', sa.String(64), nullable=True))
        batch_op.add_column(sa.Column('signature', sa.String(128), nullable=True))
        batch_op.add_column(sa.Column('key_id', sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('chain_digests', schema=None, recreate='never') as batch_op:
        for column in ('key_id', 'signature', 'city_sha256', 'city_seq'):
            batch_op.drop_column(column)
    op.drop_table('operator_events')
