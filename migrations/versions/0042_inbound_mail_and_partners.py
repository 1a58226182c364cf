"""inbound mail and partner systems: e-mails kept by Message-ID, partners, partner messages

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-06 19:05:00

- inbound_mails: each e-mail the mail-in listener kept, unique by Message-ID (a mail delivered
  twice makes one case), the sender as a keyed hash for the per-sender limit.
- inbound_partners: other systems that answer waiting instances through the signed endpoint.
- inbound_partner_messages: each partner message delivered, unique by (partner, message id).
"""
from alembic import op
import sqlalchemy as sa


revision = '0042'
down_revision = "0041"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'inbound_mails',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_key', sa.String(length=255), nullable=False),
        sa.Column('sender_token', sa.String(length=64), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=True),
        sa.Column('refused_attachments', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], ondelete='SET NULL',
                                name=op.f('fk_inbound_mails_instance_id_instances')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_mails')),
        sa.UniqueConstraint('message_key', name=op.f('uq_inbound_mails_message_key')),
    )
    op.create_index(op.f('ix_inbound_mails_sender_token'), 'inbound_mails', ['sender_token'])
    op.create_index(op.f('ix_inbound_mails_received_at'), 'inbound_mails', ['received_at'])
    op.create_table(
        'inbound_partners',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('secret_wrapped', sa.LargeBinary(), nullable=False),
        sa.Column('message_names', sa.Text(), nullable=False),
        sa.Column('correlation_variable', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('last_used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_inbound_partners_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_partners')),
        sa.UniqueConstraint('code', name=op.f('uq_inbound_partners_code')),
    )
    op.create_index(op.f('ix_inbound_partners_created_by_id'), 'inbound_partners', ['created_by_id'])
    op.create_table(
        'inbound_partner_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('partner_id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.String(length=200), nullable=False),
        sa.Column('message_name', sa.String(length=200), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=True),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['partner_id'], ['inbound_partners.id'],
                                name=op.f('fk_inbound_partner_messages_partner_id_inbound_partners')),
        sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], ondelete='SET NULL',
                                name=op.f('fk_inbound_partner_messages_instance_id_instances')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_partner_messages')),
        sa.UniqueConstraint('partner_id', 'message_id',
                            name=op.f('uq_inbound_partner_messages_partner_id')),
    )


def downgrade():
    op.drop_table('inbound_partner_messages')
    op.drop_index(op.f('ix_inbound_partners_created_by_id'), table_name='inbound_partners')
    op.drop_table('inbound_partners')
    op.drop_index(op.f('ix_inbound_mails_received_at'), table_name='inbound_mails')
    op.drop_index(op.f('ix_inbound_mails_sender_token'), table_name='inbound_mails')
    op.drop_table('inbound_mails')
