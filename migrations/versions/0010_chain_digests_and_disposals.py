"""daily digests of chain heads, the disposal log of quality records, legal hold changes

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 09:00:00

chain_digests: one row a day with the SHA-256 over every instance's chain head (instance id,
last event seq and hash) and the heads themselves, so an auditor can keep a copy elsewhere and
later show the history was not rewritten (audit/integrity.py).
record_disposals: each quality record archived or destroyed at the end of its retention period,
with the register rule applied; legal_hold_changes: who placed or released a hold, when, why
(records/retention.py).
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('chain_digests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('made_at', sa.DateTime(), nullable=False),
    sa.Column('instance_count', sa.Integer(), nullable=False),
    sa.Column('digest_sha256', sa.String(length=64), nullable=False),
    sa.Column('heads', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chain_digests')),
    sa.UniqueConstraint('day', name=op.f('uq_chain_digests_day'))
    )
    op.create_table('record_disposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('record_code', sa.String(length=32), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('rule', sa.String(length=200), nullable=False),
    sa.Column('retention_until', sa.Date(), nullable=True),
    sa.Column('disposed_at', sa.DateTime(), nullable=False),
    sa.Column('by', sa.String(length=80), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_record_disposals_by_id_users')),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_record_disposals_district_id_districts')),
    sa.ForeignKeyConstraint(['record_id'], ['quality_records.id'], name=op.f('fk_record_disposals_record_id_quality_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_disposals'))
    )
    with op.batch_alter_table('record_disposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_disposals_disposed_at'), ['disposed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_record_disposals_record_code'), ['record_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_record_disposals_record_id'), ['record_id'], unique=False)
    op.create_table('legal_hold_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('hold', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_legal_hold_changes_by_id_users')),
    sa.ForeignKeyConstraint(['record_id'], ['quality_records.id'], name=op.f('fk_legal_hold_changes_record_id_quality_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_hold_changes'))
    )
    with op.batch_alter_table('legal_hold_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_hold_changes_record_id'), ['record_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('legal_hold_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legal_hold_changes_record_id'))
    op.drop_table('legal_hold_changes')
    with op.batch_alter_table('record_disposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_disposals_record_id'))
        batch_op.drop_index(batch_op.f('ix_record_disposals_record_code'))
        batch_op.drop_index(batch_op.f('ix_record_disposals_disposed_at'))
    op.drop_table('record_disposals')
    op.drop_table('chain_digests')
