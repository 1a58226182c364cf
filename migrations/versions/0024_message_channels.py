"""message_channels: the channels a 137 message comes in by, kept by administrators

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 13:30:00

Mashhad's 137 centre receives messages through thirteen channels (source 003, "دریافت پیام از
سیزده درگاه ارتباط مردمی"); the source gives their number, not their names, so the seed is
this system's thirteen (the intake form's eight and five more), which an administrator
extends at /admin/channels. The intake form's channel choices come from this table.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

# A copy of programmes/messages137/channels.py's BUILT_IN_CHANNELS at this revision:
# migrations do not import the application.
CHANNELS = (
    ("phone", "تماس تلفنی با ۱۳۷", "Phone call to 137"),
    ("web", "پورتال اینترنتی", "Web portal"),
    ("app", "اپلیکیشن همراه", "Mobile app"),
    ("sms", "پیامک", "SMS"),
    ("social", "شبکه‌های اجتماعی", "Social networks"),
    ("messenger", "پیام‌رسان‌های داخلی (ایتا، بله، روبیکا)", "Messenger apps"),
    ("email", "پست الکترونیک", "E-mail"),
    ("in_person", "مراجعه حضوری", "In person"),
    ("letter", "نامه و مکاتبات اداری", "Letter"),
    ("mardom_salam", "دیدار مردمی (مردم سلام)", "Mardom Salam meeting"),
    ("media", "رسانه‌ها و مطبوعات", "Press and media"),
    ("field", "گزارش ناظران و بازرسان میدانی", "Field inspectors' report"),
    ("api", "سامانه‌های دیگر (API)", "Other systems (API)"),
)


def upgrade() -> None:
    channels = op.create_table(
        'message_channels',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('title_fa', sa.String(length=200), nullable=False),
        sa.Column('title_en', sa.String(length=200), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_message_channels')),
        sa.UniqueConstraint('code', name=op.f('uq_message_channels_code')),
    )
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    op.bulk_insert(channels, [{"code": code, "title_fa": fa, "title_en": en, "position": i,
                               "created_at": now} for i, (code, fa, en) in enumerate(CHANNELS, start=1)])


def downgrade() -> None:
    op.drop_table('message_channels')
