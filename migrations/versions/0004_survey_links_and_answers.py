"""public survey links and the answers of opinion polls

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 12:00:00

survey_links: the unguessable public address of one form of one survey or poll instance
(open while the instance collects answers). survey_answers: one respondent's answers to a
questionnaire that is not a register record (opinion-poll answers), on paper or public.
Citizen and visitor survey answers stay quality records (models/surveys.py says why).
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('survey_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('form_key', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_survey_links_created_by_id_users')),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_survey_links_instance_id_instances')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_links')),
    sa.UniqueConstraint('instance_id', 'form_key', name=op.f('uq_survey_links_instance_id')),
    sa.UniqueConstraint('token', name=op.f('uq_survey_links_token'))
    )
    op.create_table('survey_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('form_key', sa.String(length=120), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_survey_answers_created_by_id_users')),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_survey_answers_district_id_districts')),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_survey_answers_instance_id_instances')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answers'))
    )
    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_answers_district_id'), ['district_id'], unique=False)
        batch_op.create_index('ix_survey_answers_instance_form', ['instance_id', 'form_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_answers_instance_form')
        batch_op.drop_index(batch_op.f('ix_survey_answers_district_id'))
    op.drop_table('survey_answers')
    op.drop_table('survey_links')
