"""migration_jobs: bulk moves of instances to another version, done in batches

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-06 16:00:00

A bulk move (engine.migration_jobs) keeps the chosen instances, the activity mapping and its
progress (done of total, moved, refused with reasons) so the page can show it and successive
requests or the CLI can carry it on batch by batch.
"""
from alembic import op
import sqlalchemy as sa


revision = '0037'
down_revision = '0036'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'migration_jobs',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('process_key', sa.String(120), nullable=False, index=True),
        sa.Column('target_version_id', sa.Integer(), sa.ForeignKey('process_versions.id'), nullable=False),
        sa.Column('mapping', sa.JSON(), nullable=False),
        sa.Column('filters', sa.JSON(), nullable=False),
        sa.Column('instance_ids', sa.JSON(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('moved', sa.JSON(), nullable=False),
        sa.Column('refused', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('created_by_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table('migration_jobs')
