"""What arrives from outside by e-mail and from partner systems (issue 22).

- inbound_mails: each e-mail the mail-in listener kept (filed as a 137 message, or ignored as an
  auto-reply), by its Message-ID, unique, so a mail delivered twice never makes a second case;
  the sender only as a keyed hash (models.shredding's search token), to count per sender.
- inbound_partners: the other systems (office automation, ...) that may answer a waiting
  instance through the signed endpoint; their secret is kept wrapped by the personal-data master
  key (shown once, when it is issued), since the signature check needs it in clear.
- inbound_partner_messages: each partner message delivered, unique by (partner, its message id),
  so the same answer sent twice moves nothing the second time.
"""
from datetime import datetime

from sqlalchemy import (JSON, DateTime, ForeignKey, Integer, LargeBinary, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .people import User


class InboundMail(Base):
    __tablename__ = "inbound_mails"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_key: Mapped[str] = mapped_column(String(255), unique=True)  # Message-ID, or sha256: of the bytes
    sender_token: Mapped[str] = mapped_column(String(64), index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    outcome: Mapped[str] = mapped_column(String(20))  # filed | ignored
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id", ondelete="SET NULL"))
    refused_attachments: Mapped[list | None] = mapped_column(JSON)  # [{"name", "reason"}]


class InboundPartner(Base):
    __tablename__ = "inbound_partners"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # sent in X-Partner
    name: Mapped[str] = mapped_column(String(200))
    secret_wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    # The messages it may send (comma list; "" = any the diagram accepts from outside) and the
    # case variable its correlation key must equal ("" = none checked).
    message_names: Mapped[str] = mapped_column(Text, default="")
    correlation_variable: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)

    created_by: Mapped[User] = relationship(lazy="joined")


class InboundPartnerMessage(Base):
    __tablename__ = "inbound_partner_messages"
    __table_args__ = (UniqueConstraint("partner_id", "message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("inbound_partners.id"))
    message_id: Mapped[str] = mapped_column(String(200))
    message_name: Mapped[str] = mapped_column(String(200))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
