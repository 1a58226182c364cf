"""staff notifications: in-app notifications, channels per kind, inbox visits

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 11:00:00

staff_notifications: what a staff member was told (a task offered, an escalation, due soon,
overdue, the daily digest), one row per (user, event_key) so nothing is told twice;
notification_preferences: a user's e-mail / SMS choice per kind (no row: the defaults);
inbox_visits: when a user last opened the inbox (tasks created since are marked new).
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'staff_notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('event_key', sa.String(length=120), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=True),
        sa.Column('instance_id', sa.Integer(), nullable=True),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_staff_notifications_user_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['task_id'], ['human_tasks.id'],
                                name=op.f('fk_staff_notifications_task_id_human_tasks'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['instance_id'], ['instances.id'],
                                name=op.f('fk_staff_notifications_instance_id_instances'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_notifications')),
        sa.UniqueConstraint('user_id', 'event_key', name=op.f('uq_staff_notifications_user_id')),
    )
    with op.batch_alter_table('staff_notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_notifications_task_id'), ['task_id'], unique=False)
        batch_op.create_index('ix_staff_notifications_user_read', ['user_id', 'read_at'], unique=False)
        batch_op.create_index('ix_staff_notifications_user_created', ['user_id', 'created_at'], unique=False)
    op.create_table(
        'notification_preferences',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('email', sa.Boolean(), nullable=False),
        sa.Column('sms', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_notification_preferences_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_notification_preferences')),
    )
    op.create_table(
        'inbox_visits',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('seen_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_inbox_visits_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_inbox_visits')),
    )


def downgrade() -> None:
    op.drop_table('inbox_visits')
    op.drop_table('notification_preferences')
    with op.batch_alter_table('staff_notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_notifications_user_created')
        batch_op.drop_index('ix_staff_notifications_user_read')
        batch_op.drop_index(batch_op.f('ix_staff_notifications_task_id'))
    op.drop_table('staff_notifications')
