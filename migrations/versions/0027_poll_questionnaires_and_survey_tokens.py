"""poll questionnaires made from the plan; one survey answer per personal token

Revision ID: 0027
Revises: 0025
Create Date: 2026-12-06 14:00:00

poll_questionnaires: each version of an opinion poll's questionnaire, the form-js schema made
from the questions of its plan (F-04); survey_answers.questionnaire_version: the version a poll
answer answered. survey_links.signing_key: the secret that signs a link's personal tokens;
survey_token_uses: the personal tokens answered with (a second answer with one is refused).
Plain ADD COLUMN (nullable) so that SQLite's batch mode does not copy the tables.
"""
from alembic import op
import sqlalchemy as sa


revision = '0027'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('poll_questionnaires',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('schema', sa.JSON(), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('human_task_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_poll_questionnaires_created_by_id_users')),
    sa.ForeignKeyConstraint(['human_task_id'], ['human_tasks.id'], name=op.f('fk_poll_questionnaires_human_task_id_human_tasks')),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_poll_questionnaires_instance_id_instances')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_questionnaires')),
    sa.UniqueConstraint('instance_id', 'version', name=op.f('uq_poll_questionnaires_instance_id'))
    )
    op.create_table('survey_token_uses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=32), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['survey_links.id'], name=op.f('fk_survey_token_uses_link_id_survey_links')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_token_uses')),
    sa.UniqueConstraint('link_id', 'nonce', name=op.f('uq_survey_token_uses_link_id'))
    )
    with op.batch_alter_table('survey_answers', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('questionnaire_version', sa.Integer(), nullable=True))
    with op.batch_alter_table('survey_links', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('signing_key', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('survey_links', schema=None) as batch_op:
        batch_op.drop_column('signing_key')
    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.drop_column('questionnaire_version')
    op.drop_table('survey_token_uses')
    op.drop_table('poll_questionnaires')
