"""administrators' entries in the working calendar

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 14:00:00

calendar_days: a closure (a city or district closed for pollution, whole day or from/until a
time) or a day declared working (a holiday moved or removed), entered on /calendar. Official
holidays are not stored: they come from the `holidays` package (workcal/store.py).
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=True),
    sa.Column('end_time', sa.Time(), nullable=True),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_calendar_days_created_by_id_users')),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_calendar_days_district_id_districts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_days'))
    )
    with op.batch_alter_table('calendar_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_days_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_calendar_days_district_id'), ['district_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('calendar_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_days_district_id'))
        batch_op.drop_index(batch_op.f('ix_calendar_days_day'))
    op.drop_table('calendar_days')
