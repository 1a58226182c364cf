"""district_boundaries and citizen_requests.description_public: the portal's map and privacy

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 13:20:00

A district's boundary is the GeoJSON polygon an administrator uploaded (/admin/boundaries);
the portal and Open311 find a filed point's district in them and refuse a point outside the
city. description_public records the citizen's consent, given on the portal after the warning
that a public service's description is shown publicly; every request filed before it has none
(its description is withheld from public listings). Plain ADD COLUMN with a server default.
"""
from alembic import op
import sqlalchemy as sa


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'district_boundaries',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('district_id', sa.Integer(), sa.ForeignKey('districts.id', ondelete='CASCADE'),
                  nullable=False, unique=True),
        sa.Column('geojson', sa.Text(), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
    )
    with op.batch_alter_table('citizen_requests', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('description_public', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('citizen_requests', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('description_public')
    op.drop_table('district_boundaries')
