"""drafts of process diagrams edited in the studio

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25 10:00:00

process_drafts: every save of a diagram in the studio (editor or import), who and when; the
row with is_current is the process's draft until a newer save or a deploy clears it, and a
deployed draft points to the version it became (modeling/studio.py).
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('process_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_key', sa.String(length=120), nullable=False),
    sa.Column('bpmn_xml', sa.Text(), nullable=False),
    sa.Column('saved_by_id', sa.Integer(), nullable=True),
    sa.Column('saved_at', sa.DateTime(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('problem_count', sa.Integer(), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('deployed_version_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['deployed_version_id'], ['process_versions.id'], name=op.f('fk_process_drafts_deployed_version_id_process_versions')),
    sa.ForeignKeyConstraint(['saved_by_id'], ['users.id'], name=op.f('fk_process_drafts_saved_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_drafts'))
    )
    with op.batch_alter_table('process_drafts', schema=None) as batch_op:
        batch_op.create_index('ix_process_drafts_key_current', ['process_key', 'is_current'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('process_drafts', schema=None) as batch_op:
        batch_op.drop_index('ix_process_drafts_key_current')
    op.drop_table('process_drafts')
