"""Deployed DMN decision tables (immutable versions per decision) and the decision versions
an instance was started with (its pin)."""
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .people import User


class DecisionVersion(Base):
    """One immutable version of one decision, identified by the content hash of its element;
    dmn_xml is the whole file it was deployed in (what the editor opens)."""
    __tablename__ = "decision_versions"
    __table_args__ = (UniqueConstraint("decision_key", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_key: Mapped[str] = mapped_column(String(120), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300), default="")
    content_sha256: Mapped[str] = mapped_column(String(64))
    dmn_xml: Mapped[str] = mapped_column(Text, deferred=True)
    file_name: Mapped[str | None] = mapped_column(String(300))
    # The table as the engine reads it (engine.decisions.tables.table_as_dict): no XML parse per use.
    table: Mapped[dict] = mapped_column(JSON, default=dict)
    deployed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    deployed_by: Mapped[User | None] = relationship()


class DecisionPin(Base):
    """The newest decision version that existed when an instance started: its business-rule
    tasks use versions up to it, so a table deployed later does not change a running case."""
    __tablename__ = "decision_pins"

    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"),
                                             primary_key=True)
    last_version_id: Mapped[int] = mapped_column(Integer, default=0)
