"""decision tables: deployed DMN decision versions and each instance's pin

Revision ID: 0043
Revises: 0038
Create Date: 2026-12-06 19:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0043'
down_revision = '0042'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'decision_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('decision_key', sa.String(length=120), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('content_sha256', sa.String(length=64), nullable=False),
        sa.Column('dmn_xml', sa.Text(), nullable=False),
        sa.Column('file_name', sa.String(length=300), nullable=True),
        sa.Column('table', sa.JSON(), nullable=False),
        sa.Column('deployed_at', sa.DateTime(), nullable=False),
        sa.Column('deployed_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['deployed_by_id'], ['users.id'],
                                name=op.f('fk_decision_versions_deployed_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_versions')),
        sa.UniqueConstraint('decision_key', 'version', name=op.f('uq_decision_versions_decision_key')))
    op.create_index(op.f('ix_decision_versions_decision_key'), 'decision_versions', ['decision_key'])
    op.create_table(
        'decision_pins',
        sa.Column('instance_id', sa.Integer(), nullable=False),
        sa.Column('last_version_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], ondelete='CASCADE',
                                name=op.f('fk_decision_pins_instance_id_instances')),
        sa.PrimaryKeyConstraint('instance_id', name=op.f('pk_decision_pins')))


def downgrade():
    op.drop_table('decision_pins')
    op.drop_index(op.f('ix_decision_versions_decision_key'), table_name='decision_versions')
    op.drop_table('decision_versions')
