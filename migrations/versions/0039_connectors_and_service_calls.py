"""connectors and service_calls: service tasks that call other city systems

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-06 19:00:00

connectors: what administrators configure at /admin/connectors (no secret values: headers name
${secret:NAME}, read from the settings). service_calls: one row per execution of a service task,
claimed by the scheduler (status, due_at) and performed after the step's commit.
"""
from alembic import op
import sqlalchemy as sa


revision = '0039'
down_revision = "0038"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'connectors',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(60), nullable=False, unique=True),
        sa.Column('kind', sa.String(8), nullable=False),
        sa.Column('title', sa.String(200), nullable=False, server_default=''),
        sa.Column('parameters', sa.String(500), nullable=False, server_default=''),
        sa.Column('method', sa.String(8), nullable=False, server_default='POST'),
        sa.Column('base_url', sa.String(500), nullable=False, server_default=''),
        sa.Column('path_template', sa.String(500), nullable=False, server_default=''),
        sa.Column('headers', sa.JSON(), nullable=False),
        sa.Column('body_template', sa.Text(), nullable=False, server_default=''),
        sa.Column('expected_statuses', sa.String(100), nullable=False, server_default='200,201,202,204'),
        sa.Column('response_mapping', sa.Text(), nullable=False, server_default=''),
        sa.Column('timeout_seconds', sa.Float(), nullable=False, server_default='10'),
        sa.Column('enabled', sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
    )
    op.create_table(
        'service_calls',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('instance_id', sa.Integer(), sa.ForeignKey('instances.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('spiff_task_id', sa.String(36), nullable=False),
        sa.Column('task_spec', sa.String(200), nullable=False),
        sa.Column('connector', sa.String(60), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('idempotency_key', sa.String(80), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('due_at', sa.DateTime(), nullable=False),
        sa.Column('claimed_until', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('completed_at', sa.DateTime(), nullable=True),
        sa.UniqueConstraint('instance_id', 'spiff_task_id'),
    )
    op.create_index('ix_service_calls_instance_id', 'service_calls', ['instance_id'])
    op.create_index('ix_service_calls_due', 'service_calls', ['status', 'due_at'])


def downgrade() -> None:
    op.drop_index('ix_service_calls_due', table_name='service_calls')
    op.drop_index('ix_service_calls_instance_id', table_name='service_calls')
    op.drop_table('service_calls')
    op.drop_table('connectors')
