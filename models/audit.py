"""Audit tables: the daily digest of chain heads, the city-wide chain of operator actions, the
disposal log of records, legal holds, the records committee's approvals of destruction."""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .people import User


class ChainDigest(Base):
    """The heads of every instance's event chain on one day, hashed together (audit.digests)."""
    __tablename__ = "chain_digests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    made_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    instance_count: Mapped[int] = mapped_column(Integer)
    digest_sha256: Mapped[str] = mapped_column(String(64))
    # [[instance_id, last_event_seq, last_event_sha256], ...] by instance id: what was hashed,
    # kept so that an auditor can export the day and check it again later.
    heads: Mapped[list] = mapped_column(JSON, default=list)
    # The head of the city-wide chain of operator actions that day (OperatorEvent; 0 and the
    # genesis hash while it is empty), and the Ed25519 signature of the digest's signed text
    # (audit.signing) with the fingerprint of the key that made it; NULL: made before signing.
    city_seq: Mapped[int | None] = mapped_column(Integer)
    city_sha256: Mapped[str | None] = mapped_column(String(64))
    signature: Mapped[str | None] = mapped_column(String(128))
    key_id: Mapped[str | None] = mapped_column(String(64))


class OperatorEvent(Base):
    """One operator action (a legal hold, a disposal, a deploy, a migration, a grant, a calendar
    entry, an API key ...) in the city-wide chain: hashed like an instance's events
    (engine.events.event_digest with instance 0), each pointing to the one before."""
    __tablename__ = "operator_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    type: Mapped[str] = mapped_column(String(64), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # What was acted on and why: {"reason": ..., "record_id": ..., ...}
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_sha256: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship(lazy="joined")


class RecordDisposal(Base):
    """One quality record archived or destroyed when its retention period ended."""
    __tablename__ = "record_disposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A record is disposed of once (two retention runs at once: one row).
    record_id: Mapped[int] = mapped_column(ForeignKey("quality_records.id"), index=True, unique=True)
    record_code: Mapped[str] = mapped_column(String(32), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    action: Mapped[str] = mapped_column(String(16))  # archived|destroyed
    rule: Mapped[str] = mapped_column(String(200))   # "F-__-0-2-07: 6 months, destroy"
    retention_until: Mapped[date | None] = mapped_column(Date)
    disposed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    by: Mapped[str] = mapped_column(String(80))      # "retention job" or "user <id>"
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class LegalHoldChange(Base):
    """An auditor placed or released a legal hold on a record: who, when and why."""
    __tablename__ = "legal_hold_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("quality_records.id"), index=True)
    hold: Mapped[bool] = mapped_column(Boolean)  # True: placed, False: released
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    by: Mapped[User] = relationship(lazy="joined")


class DisposalProposal(Base):
    """A record the retention job found due for destruction, put to the records committee: it
    is destroyed only once a member approved it (records/retention.py)."""
    __tablename__ = "disposal_proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("quality_records.id"), unique=True)
    proposed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    approved_by: Mapped[User | None] = relationship(lazy="joined")
