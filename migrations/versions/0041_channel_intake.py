"""inbound_messages and bot_conversations: 137 messages by SMS and a messenger bot

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-06 19:00:00

inbound_messages keeps each delivery of the SMS and bot doors once: (door,
provider_message_id) is unique, so a provider's repeated delivery (or a Bot API update
delivered twice) never files a second message. bot_conversations keeps where each bot chat is
in the filing conversation (category, district or location, description).
"""
from alembic import op
import sqlalchemy as sa


revision = '0041'
down_revision = "0040"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'inbound_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('door', sa.String(length=20), nullable=False),
        sa.Column('provider_message_id', sa.String(length=100), nullable=False),
        sa.Column('sender', sa.String(length=100), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=True),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['instance_id'], ['instances.id'],
                                name=op.f('fk_inbound_messages_instance_id_instances'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_messages')),
        sa.UniqueConstraint('door', 'provider_message_id',
                            name='uq_inbound_messages_door_provider_message_id'),
    )
    op.create_index(op.f('ix_inbound_messages_sender'), 'inbound_messages', ['sender'])
    op.create_index(op.f('ix_inbound_messages_instance_id'), 'inbound_messages', ['instance_id'])
    op.create_table(
        'bot_conversations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('chat_id', sa.String(length=40), nullable=False),
        sa.Column('step', sa.String(length=20), nullable=False),
        sa.Column('service_code', sa.String(length=40), nullable=True),
        sa.Column('district_code', sa.String(length=40), nullable=True),
        sa.Column('lat', sa.Float(), nullable=True),
        sa.Column('lon', sa.Float(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bot_conversations')),
        sa.UniqueConstraint('chat_id', name=op.f('uq_bot_conversations_chat_id')),
    )


def downgrade() -> None:
    op.drop_table('bot_conversations')
    op.drop_index(op.f('ix_inbound_messages_instance_id'), table_name='inbound_messages')
    op.drop_index(op.f('ix_inbound_messages_sender'), table_name='inbound_messages')
    op.drop_table('inbound_messages')
