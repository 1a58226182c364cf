"""Mardom Salam: meetings, the requests written there, the monthly policy councils

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-25 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mardom_salam_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_date', sa.Date(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_mardom_salam_meetings_district_id_districts')),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_mardom_salam_meetings_instance_id_instances'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mardom_salam_meetings')),
    sa.UniqueConstraint('meeting_date', name=op.f('uq_mardom_salam_meetings_meeting_date'))
    )
    op.create_index(op.f('ix_mardom_salam_meetings_district_id'), 'mardom_salam_meetings', ['district_id'], unique=False)
    op.create_table('mardom_salam_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('message_instance_id', sa.Integer(), nullable=True),
    sa.Column('tracking_code', sa.String(length=32), nullable=True),
    sa.Column('citizen_name', sa.String(length=200), nullable=False),
    sa.Column('citizen_phone', sa.String(length=20), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=60), nullable=True),
    sa.Column('owner', sa.String(length=200), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['mardom_salam_meetings.id'], name=op.f('fk_mardom_salam_requests_meeting_id_mardom_salam_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_instance_id'], ['instances.id'], name=op.f('fk_mardom_salam_requests_message_instance_id_instances'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mardom_salam_requests')),
    sa.UniqueConstraint('tracking_code', name=op.f('uq_mardom_salam_requests_tracking_code'))
    )
    op.create_index(op.f('ix_mardom_salam_requests_meeting_id'), 'mardom_salam_requests', ['meeting_id'], unique=False)
    op.create_index(op.f('ix_mardom_salam_requests_message_instance_id'), 'mardom_salam_requests', ['message_instance_id'], unique=False)
    op.create_table('mardom_salam_councils',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_mardom_salam_councils_instance_id_instances'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mardom_salam_councils')),
    sa.UniqueConstraint('month', name='uq_mardom_salam_councils_month')
    )


def downgrade() -> None:
    op.drop_table('mardom_salam_councils')
    op.drop_index(op.f('ix_mardom_salam_requests_message_instance_id'), table_name='mardom_salam_requests')
    op.drop_index(op.f('ix_mardom_salam_requests_meeting_id'), table_name='mardom_salam_requests')
    op.drop_table('mardom_salam_requests')
    op.drop_index(op.f('ix_mardom_salam_meetings_district_id'), table_name='mardom_salam_meetings')
    op.drop_table('mardom_salam_meetings')
