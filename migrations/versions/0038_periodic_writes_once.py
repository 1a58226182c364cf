"""periodic writes once: a complaint report per district and period, a disposal per record, cache versions

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-06 16:40:00

Several scheduler processes (`flask scheduler run`, N of them) may run a cron job at once; each
job takes an advisory lock, and a unique constraint makes a second run's row a no-op:
- quality_records.period_key ("2026-10-23/2026-11-21") with a unique index on (code,
  district_id, period_key) among kept records: the monthly complaint report F-__-0-5-02 had
  none. Existing reports get their key from data["period"]; of duplicates (same district and
  period, not disposed of) the first stays, the others are deleted when nothing refers to them,
  else kept without a key (outside the constraint).
- record_disposals.record_id unique: a record is disposed of once (later duplicates deleted).
- cache_versions: name -> counter, bumped in the transaction of a change to cached data (the
  working calendar), so every process sees the change on its next request.
"""
from alembic import op
import sqlalchemy as sa


revision = '0038'
down_revision = '0037'
branch_labels = None
depends_on = None

REPORT_CODE = 'F-__-0-5-02'
# (table, column) of every reference to a quality record: a duplicate referred to is kept.
REFERENCES = (('letters', 'record_id'), ('record_disposals', 'record_id'),
              ('legal_hold_changes', 'record_id'), ('disposal_proposals', 'record_id'),
              ('quality_records', 'superseded_by_id'))

records = sa.table('quality_records', sa.column('id', sa.Integer), sa.column('code', sa.String),
                   sa.column('instance_id', sa.Integer), sa.column('district_id', sa.Integer),
                   sa.column('data', sa.JSON), sa.column('disposed_at', sa.DateTime),
                   sa.column('period_key', sa.String))
disposals = sa.table('record_disposals', sa.column('id', sa.Integer), sa.column('record_id', sa.Integer))


def _period_key(data) -> str | None:
    period = (data or {}).get('period') or {}
    if period.get('start') and period.get('end'):
        return f"{period['start']}/{period['end']}"
    return None


def _referred(conn, record_id: int) -> bool:
    for table, column in REFERENCES:
        t = sa.table(table, sa.column(column, sa.Integer))
        if conn.execute(sa.select(sa.func.count()).select_from(t)
                        .where(t.c[column] == record_id)).scalar():
            return True
    return False


def _key_reports(conn) -> None:
    rows = conn.execute(sa.select(records.c.id, records.c.district_id, records.c.data,
                                  records.c.disposed_at)
                        .where(records.c.code == REPORT_CODE, records.c.instance_id.is_(None))
                        .order_by(records.c.id)).all()
    kept = set()
    for row in rows:
        key = _period_key(row.data)
        if key is None:
            continue
        if row.disposed_at is None:
            if (row.district_id, key) in kept:
                if not _referred(conn, row.id):
                    conn.execute(records.delete().where(records.c.id == row.id))
                continue  # referred to: stays, without a key
            kept.add((row.district_id, key))
        conn.execute(records.update().where(records.c.id == row.id).values(period_key=key))


def _dedupe_disposals(conn) -> None:
    first = sa.select(sa.func.min(disposals.c.id)).group_by(disposals.c.record_id)
    conn.execute(disposals.delete().where(disposals.c.id.notin_(first)))


def upgrade() -> None:
    conn = op.get_bind()
    with op.batch_alter_table('quality_records') as batch_op:
        batch_op.add_column(sa.Column('period_key', sa.String(32), nullable=True))
    _key_reports(conn)
    op.create_index('uq_quality_records_period', 'quality_records',
                    ['code', 'district_id', 'period_key'], unique=True,
                    sqlite_where=sa.text('period_key IS NOT NULL AND disposed_at IS NULL'),
                    postgresql_where=sa.text('period_key IS NOT NULL AND disposed_at IS NULL'))
    _dedupe_disposals(conn)
    with op.batch_alter_table('record_disposals') as batch_op:
        batch_op.drop_index('ix_record_disposals_record_id')
        batch_op.create_index('ix_record_disposals_record_id', ['record_id'], unique=True)
    op.create_table(
        'cache_versions',
        sa.Column('name', sa.String(64), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False, server_default='0'),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_cache_versions')),
    )
    op.bulk_insert(sa.table('cache_versions', sa.column('name', sa.String), sa.column('version', sa.Integer)),
                   [{'name': 'calendar', 'version': 0}])


def downgrade() -> None:
    op.drop_table('cache_versions')
    with op.batch_alter_table('record_disposals') as batch_op:
        batch_op.drop_index('ix_record_disposals_record_id')
        batch_op.create_index('ix_record_disposals_record_id', ['record_id'], unique=False)
    op.drop_index('uq_quality_records_period', table_name='quality_records')
    if op.get_bind().dialect.name == 'sqlite':
        # ALTER TABLE ... DROP COLUMN (SQLite >= 3.35): batch mode's table copy would drop a
        # table other tables refer to.
        op.execute('ALTER TABLE quality_records DROP COLUMN period_key')
        return
    op.drop_column('quality_records', 'period_key')
