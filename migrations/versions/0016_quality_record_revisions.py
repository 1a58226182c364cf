"""quality_records.revision, superseded_at, superseded_by_id: a rework revises a record

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 10:30:00

A form completed again in the same instance (a rework after "return for correction") no longer
adds a second record: it adds a revision (records.quality.keep_record). Every row is one
revision; the current one has superseded_at NULL, an earlier one names the row that superseded
it. Existing rows become revision 1; where an instance already holds several records of a code
that is revised (every code but the survey forms F-__-0-2-01/02, typed in many times per
instance), they are numbered by age, all but the newest marked superseded, and all kept as
long as the newest. Nothing is deleted.
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

# Forms collected many times per instance: their rows are records of their own, not revisions
# (records.quality.RecordType.revised). A copy: migrations do not import the application.
NOT_REVISED = ("F-__-0-2-01", "F-__-0-2-02")

records = sa.table("quality_records", sa.column("id", sa.Integer), sa.column("code", sa.String),
                   sa.column("instance_id", sa.Integer), sa.column("created_at", sa.DateTime),
                   sa.column("retention_until", sa.Date), sa.column("revision", sa.Integer),
                   sa.column("superseded_at", sa.DateTime),
                   sa.column("superseded_by_id", sa.Integer))


def upgrade() -> None:
    # Plain ADD COLUMNs: no table copy on SQLite, which takes a REFERENCES clause on a NULL
    # column only when written inline (Alembic refuses to add the constraint separately).
    fk_name = op.f('fk_quality_records_superseded_by_id_quality_records')
    with op.batch_alter_table('quality_records', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('superseded_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_quality_records_superseded_at'), ['superseded_at'], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE quality_records ADD COLUMN superseded_by_id INTEGER "
                   f"CONSTRAINT {fk_name} REFERENCES quality_records (id)")
    else:
        op.add_column('quality_records', sa.Column('superseded_by_id', sa.Integer(), nullable=True))
        op.create_foreign_key(fk_name, 'quality_records', 'quality_records', ['superseded_by_id'], ['id'])
    _number_existing_revisions(op.get_bind())


def _number_existing_revisions(conn) -> None:
    groups = conn.execute(
        sa.select(records.c.instance_id, records.c.code)
        .where(records.c.instance_id.is_not(None), records.c.code.not_in(NOT_REVISED))
        .group_by(records.c.instance_id, records.c.code).having(sa.func.count() > 1)).all()
    for instance_id, code in groups:
        rows = conn.execute(
            sa.select(records.c.id, records.c.created_at, records.c.retention_until)
            .where(records.c.instance_id == instance_id, records.c.code == code)
            .order_by(records.c.created_at, records.c.id)).all()
        keep_until = max((row.retention_until for row in rows if row.retention_until), default=None)
        for number, row in enumerate(rows, start=1):
            values = {"revision": number, "retention_until": keep_until or row.retention_until}
            if number < len(rows):
                later = rows[number]
                values.update(superseded_at=later.created_at, superseded_by_id=later.id)
            conn.execute(records.update().where(records.c.id == row.id).values(**values))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f('fk_quality_records_superseded_by_id_quality_records'),
                           'quality_records', type_='foreignkey')
    with op.batch_alter_table('quality_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quality_records_superseded_at'))
        batch_op.drop_column('superseded_by_id')
        batch_op.drop_column('superseded_at')
        batch_op.drop_column('revision')
