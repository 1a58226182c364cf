"""attachments: files attached to an instance, kept outside the database

Revision ID: 0018
Revises: 0015
Create Date: 2026-12-06 10:30:00

One row per file a citizen filed on the portal or staff attached in a form's file field
(form-js filepicker): the instance, the task (NULL for the citizen's), the field key, the
original name, the type read from the content, size, SHA-256, the key of the bytes in the
document storage (documents.storage), who uploaded it and when, and disposed_at when retention
destroyed the bytes. Photos filed before this revision stay in citizen_requests.photo and are
still served from there: nothing is moved, nothing can be lost.
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'attachments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=True),
        sa.Column('field_key', sa.String(length=120), nullable=False),
        sa.Column('original_name', sa.String(length=255), nullable=False),
        sa.Column('content_type', sa.String(length=80), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('storage_key', sa.String(length=200), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_at', sa.DateTime(), nullable=False),
        sa.Column('disposed_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['instance_id'], ['instances.id'],
                                name=op.f('fk_attachments_instance_id_instances'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['task_id'], ['human_tasks.id'],
                                name=op.f('fk_attachments_task_id_human_tasks')),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'],
                                name=op.f('fk_attachments_uploaded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments')),
        sa.UniqueConstraint('storage_key', name=op.f('uq_attachments_storage_key')),
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachments_task_id'), ['task_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_task_id'))
        batch_op.drop_index(batch_op.f('ix_attachments_instance_id'))
    op.drop_table('attachments')
