"""case_keys: each case's key for its citizens' personal data; disposal_proposals: the records
committee approves each destruction

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 14:00:00

case_keys: one row per case (instance) with its random key wrapped by the master key
(PERSONAL_DATA_KEY); destroying a record destroys the key (wrapped_key NULL, destroyed_at set),
and with it every sealed personal value of the case (models/shredding.py).
disposal_proposals: the retention job proposes each record due for destruction; it is destroyed
only after a member of the records committee approved it (records/retention.py).
citizen_requests: the citizen's contact and place are kept sealed with the case's key, longer
than the plain text: Text.
"""
from alembic import op
import sqlalchemy as sa


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_keys',
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('wrapped_key', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('destroyed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_case_keys_instance_id_instances'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('instance_id', name=op.f('pk_case_keys'))
    )
    op.create_table('disposal_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('proposed_at', sa.DateTime(), nullable=False),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_disposal_proposals_approved_by_id_users')),
    sa.ForeignKeyConstraint(['record_id'], ['quality_records.id'], name=op.f('fk_disposal_proposals_record_id_quality_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disposal_proposals')),
    sa.UniqueConstraint('record_id', name=op.f('uq_disposal_proposals_record_id'))
    )
    with op.batch_alter_table('disposal_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disposal_proposals_approved_at'), ['approved_at'], unique=False)
    # A sealed value is longer than the plain one: the citizen's contact and place become Text
    # (existing plain values stay readable: only values written from now on are sealed).
    with op.batch_alter_table('citizen_requests', schema=None) as batch_op:
        for column, length in (('address', 500), ('contact_name', 200), ('contact_phone', 20),
                               ('contact_email', 255)):
            batch_op.alter_column(column, existing_type=sa.String(length=length), type_=sa.Text(),
                                  existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('citizen_requests', schema=None) as batch_op:
        for column, length in (('address', 500), ('contact_name', 200), ('contact_phone', 20),
                               ('contact_email', 255)):
            batch_op.alter_column(column, existing_type=sa.Text(), type_=sa.String(length=length),
                                  existing_nullable=True)
    with op.batch_alter_table('disposal_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disposal_proposals_approved_at'))
    op.drop_table('disposal_proposals')
    op.drop_table('case_keys')
