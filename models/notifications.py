"""The notification outbox: e-mails and text messages queued in the transaction of the event
that causes them, sent afterwards by notifications.sender (with retries and backoff).

The body is rendered when the row is queued, so the row keeps exactly what was sent.
"""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

CHANNELS = ("email", "sms", "bot")  # bot: a Bot API sendMessage (notifications.transports)
STATUSES = ("pending", "sending", "sent", "failed")


class OutboxMessage(Base):
    """One e-mail or SMS to send (or sent, or given up on)."""
    __tablename__ = "outbox_messages"
    # The sender's query: due pending rows, and sending rows whose lease ran out (migration 0008).
    __table_args__ = (Index("ix_outbox_messages_status_next_attempt", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # NULL for a message that belongs to no instance; every citizen message has one.
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    template: Mapped[str] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(8))            # email|sms|bot
    recipient: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Lease of a sender that claimed the row: past it, a crashed sender's row is claimable again.
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
