"""draft regulations for public comment: sections, comments, amendments

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-25 12:00:00

draft_regulations (a draft, its comment deadline and publication, its process instance),
draft_sections (numbered text as published and as amended), draft_comments (a citizen's
comment on a section, pending / approved / rejected with a reason), draft_amendments (one
change of a section's text and the comments behind it). programmes/drafts/comments.py.
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('draft_regulations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('intro', sa.Text(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('opens_at', sa.DateTime(), nullable=False),
    sa.Column('closes_at', sa.DateTime(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_draft_regulations_district_id_districts')),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_draft_regulations_instance_id_instances')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_draft_regulations_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draft_regulations'))
    )
    op.create_table('draft_sections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('original_text', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['draft_id'], ['draft_regulations.id'], name=op.f('fk_draft_sections_draft_id_draft_regulations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draft_sections')),
    sa.UniqueConstraint('draft_id', 'number', name=op.f('uq_draft_sections_draft_id'))
    )
    op.create_table('draft_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('author_name', sa.String(length=120), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('moderated_by_id', sa.Integer(), nullable=True),
    sa.Column('moderated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['draft_id'], ['draft_regulations.id'], name=op.f('fk_draft_comments_draft_id_draft_regulations')),
    sa.ForeignKeyConstraint(['section_id'], ['draft_sections.id'], name=op.f('fk_draft_comments_section_id_draft_sections')),
    sa.ForeignKeyConstraint(['moderated_by_id'], ['users.id'], name=op.f('fk_draft_comments_moderated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draft_comments'))
    )
    op.create_index('ix_draft_comments_draft_status', 'draft_comments', ['draft_id', 'status'], unique=False)
    op.create_table('draft_amendments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('old_text', sa.Text(), nullable=False),
    sa.Column('new_text', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('comment_ids', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['draft_id'], ['draft_regulations.id'], name=op.f('fk_draft_amendments_draft_id_draft_regulations')),
    sa.ForeignKeyConstraint(['section_id'], ['draft_sections.id'], name=op.f('fk_draft_amendments_section_id_draft_sections')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_draft_amendments_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draft_amendments'))
    )


def downgrade() -> None:
    op.drop_table('draft_amendments')
    op.drop_index('ix_draft_comments_draft_status', table_name='draft_comments')
    op.drop_table('draft_comments')
    op.drop_table('draft_sections')
    op.drop_table('draft_regulations')
