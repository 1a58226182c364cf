"""citizen_requests.media_token: the public address of a request's photo

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-26 12:00:00

citizen_requests.media_token names the photo a citizen filed at its public address
(/p/media/<token>.jpg or .png), which Open311 gives as the request's media_url: unguessable, so
the address reveals nothing a client could walk. Unique; NULL for a request without a photo.
Backfilled with a fresh random token for every request that already has a photo.
"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

citizen_requests = sa.table("citizen_requests", sa.column("id", sa.Integer),
                            sa.column("photo_type", sa.String),
                            sa.column("media_token", sa.String))


def upgrade() -> None:
    # Plain ADD COLUMN (nullable, no default): batch mode on SQLite would copy the table.
    with op.batch_alter_table('citizen_requests', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('media_token', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_citizen_requests_media_token'), ['media_token'], unique=True)
    conn = op.get_bind()
    with_photo = conn.execute(sa.select(citizen_requests.c.id)
                              .where(citizen_requests.c.photo_type.is_not(None))).scalars().all()
    for request_id in with_photo:
        conn.execute(citizen_requests.update().where(citizen_requests.c.id == request_id)
                     .values(media_token=secrets.token_urlsafe(24)))


def downgrade() -> None:
    with op.batch_alter_table('citizen_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_citizen_requests_media_token'))
        batch_op.drop_column('media_token')
