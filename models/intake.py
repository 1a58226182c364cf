"""What arrives by the 137 centre's SMS and messenger-bot doors: each delivery once (not its
text: that is the case's, sealed where personal), and each bot chat's conversation so far (programmes/citizens/intake_sms.py, intake_bot.py)."""
from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class InboundMessage(Base):
    """One delivery from a provider: its id is unique per door, so a repeat makes nothing."""
    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("door", "provider_message_id",
                                       name="uq_inbound_messages_door_provider_message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    door: Mapped[str] = mapped_column(String(20))  # sms | kavenegar | bot
    # The provider's message id (SMS) or the Bot API's update_id.
    provider_message_id: Mapped[str] = mapped_column(String(100))
    # Who sent it (a mobile number, a chat id) as a keyed hash (KeyRing.search_token): personal
    # data is kept sealed in its case, never in plain text here; equal senders, equal tokens.
    sender: Mapped[str] = mapped_column(String(100), index=True)
    # filed | status | conversation | rate_limited | ignored
    outcome: Mapped[str] = mapped_column(String(20))
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("instances.id", ondelete="SET NULL"), index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class BotConversation(Base):
    """Where a bot chat is in the filing conversation and what it has answered so far."""
    __tablename__ = "bot_conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(40), unique=True)
    step: Mapped[str] = mapped_column(String(20), default="idle")  # idle|category|district|description
    service_code: Mapped[str | None] = mapped_column(String(40))
    district_code: Mapped[str | None] = mapped_column(String(40))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
