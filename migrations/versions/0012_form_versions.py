"""form versions saved in the form editor; the form version of each task

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25 10:00:00

form_versions: each saved version of a form-js schema (forms/<key>.form.json is version 1,
stored on the form's first use; the editor adds N+1). human_tasks.form_version: the version
a task was created with, so a running task keeps its form (NULL for older rows: the latest).
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('form_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_key', sa.String(length=120), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('schema', sa.JSON(), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('saved_by_id', sa.Integer(), nullable=True),
    sa.Column('saved_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['saved_by_id'], ['users.id'], name=op.f('fk_form_versions_saved_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_versions')),
    sa.UniqueConstraint('form_key', 'version', name=op.f('uq_form_versions_form_key'))
    )
    # A plain ADD COLUMN (no batch copy of human_tasks on SQLite).
    op.add_column('human_tasks', sa.Column('form_version', sa.Integer(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # ALTER TABLE ... DROP COLUMN (SQLite >= 3.35) instead of batch mode's table copy.
        op.execute("ALTER TABLE human_tasks DROP COLUMN form_version")
    else:
        op.drop_column('human_tasks', 'form_version')
    op.drop_table('form_versions')
