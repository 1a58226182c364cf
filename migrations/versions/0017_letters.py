"""letters and letter_counters: printed official letters and their per-district yearly numbers

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 11:00:00

letters: one row per official document printed from a case (the answer to a complainant, a
rebuttal or an invitation to the press, a quality record), numbered once: <district code>/
<Solar Hijri year>/<n>; unique per (kind, source) so printing again shows the same number.
letter_counters: the last n given in a district and year, locked and incremented in the
transaction that stores the letter (records/letters.py): no gaps, no repeats.
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('letter_counters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_serial', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_letter_counters_district_id_districts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_counters')),
    sa.UniqueConstraint('district_id', 'year', name=op.f('uq_letter_counters_district_id'))
    )
    op.create_table('letters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('serial', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_letters_district_id_districts')),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], name=op.f('fk_letters_instance_id_instances')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_letters_issued_by_id_users')),
    sa.ForeignKeyConstraint(['record_id'], ['quality_records.id'], name=op.f('fk_letters_record_id_quality_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letters')),
    sa.UniqueConstraint('district_id', 'year', 'serial', name=op.f('uq_letters_district_id')),
    sa.UniqueConstraint('kind', 'source', name=op.f('uq_letters_kind'))
    )
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letters_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_letters_record_id'), ['record_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letters_record_id'))
        batch_op.drop_index(batch_op.f('ix_letters_instance_id'))
    op.drop_table('letters')
    op.drop_table('letter_counters')
