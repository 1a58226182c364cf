"""citizen requests filed through the portal or Open311

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 08:00:00

citizen_requests: one row per instance a citizen filed from outside (portal, Open311): contact,
place, photo, the hash of the follow-up key and the satisfaction-check token (models/citizen.py).
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('citizen_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('tracking_code', sa.String(length=32), nullable=False),
    sa.Column('service_code', sa.String(length=60), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('contact_name', sa.String(length=200), nullable=True),
    sa.Column('contact_phone', sa.String(length=20), nullable=True),
    sa.Column('contact_email', sa.String(length=255), nullable=True),
    sa.Column('follow_key_sha256', sa.String(length=64), nullable=False),
    sa.Column('photo', sa.LargeBinary(), nullable=True),
    sa.Column('photo_type', sa.String(length=40), nullable=True),
    sa.Column('media_url', sa.String(length=500), nullable=True),
    sa.Column('api_token', sa.String(length=64), nullable=False),
    sa.Column('api_key_id', sa.Integer(), nullable=True),
    sa.Column('satisfaction_token', sa.String(length=64), nullable=True),
    sa.Column('satisfaction_answered', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_citizen_requests_district_id_districts')),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_citizen_requests_instance_id_instances'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_citizen_requests')),
    sa.UniqueConstraint('instance_id', name=op.f('uq_citizen_requests_instance_id')),
    sa.UniqueConstraint('tracking_code', name=op.f('uq_citizen_requests_tracking_code')),
    sa.UniqueConstraint('api_token', name=op.f('uq_citizen_requests_api_token')),
    sa.UniqueConstraint('satisfaction_token', name=op.f('uq_citizen_requests_satisfaction_token'))
    )
    with op.batch_alter_table('citizen_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_citizen_requests_service_code'), ['service_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_citizen_requests_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_citizen_requests_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('citizen_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_citizen_requests_created_at'))
        batch_op.drop_index(batch_op.f('ix_citizen_requests_district_id'))
        batch_op.drop_index(batch_op.f('ix_citizen_requests_service_code'))
    op.drop_table('citizen_requests')
