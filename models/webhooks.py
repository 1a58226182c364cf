"""Webhooks: administrators' subscriptions of a URL to events, and the outbox of deliveries
queued in the transaction of each event, sent afterwards by notifications.webhooks.

The secret signs every delivery, so the server keeps it (it is shown to the administrator once,
when the subscription is made, and never on a page or in a log afterwards). Subscriptions are
disabled, never deleted: their deliveries stay as the log.
"""
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .people import User

# The event kinds a subscription may ask for (programmes/integrations/webhook_events.py).
EVENT_KINDS = ("instance.started", "instance.completed", "task.created", "task.completed",
               "task.escalated", "message.closed")
DELIVERY_STATUSES = ("pending", "sending", "delivered", "failed", "cancelled")


class WebhookSubscription(Base):
    """One URL subscribed to some event kinds, with the secret its deliveries are signed with."""
    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    events: Mapped[list] = mapped_column(JSON, default=list)  # kinds of EVENT_KINDS
    secret: Mapped[str] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)

    created_by: Mapped[User] = relationship(lazy="joined")


class WebhookDelivery(Base):
    """One event to send to one subscription (or sent, failed for good, or cancelled)."""
    __tablename__ = "webhook_deliveries"
    # The sender's query: due pending rows, and sending rows whose lease ran out.
    __table_args__ = (Index("ix_webhook_deliveries_status_next_attempt", "status", "next_attempt_at"),
                      Index("ix_webhook_deliveries_subscription", "subscription_id", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(64))  # the same for every subscriber of the event
    event_kind: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)  # the JSON sent, made when queued: exactly what was sent
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # attempts when an administrator last asked for a redelivery: the limit counts from there.
    attempts_before_redelivery: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
