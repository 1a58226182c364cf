"""Drafts of process diagrams edited in the studio; every save is kept as history."""
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .people import User
from .workflow import ProcessVersion


class ProcessDraft(Base):
    """One save of a diagram; the process's current draft is its row with is_current."""
    __tablename__ = "process_drafts"
    __table_args__ = (Index("ix_process_drafts_key_current", "process_key", "is_current"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(120))
    # Deferred: the index page and history list drafts without reading the diagrams.
    bpmn_xml: Mapped[str] = mapped_column(Text, deferred=True)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    saved_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(16), default="editor")  # editor|import
    problem_count: Mapped[int] = mapped_column(Integer, default=0)
    # Saving a newer draft or deploying clears it; the row stays as history.
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    deployed_version_id: Mapped[int | None] = mapped_column(ForeignKey("process_versions.id"))

    saved_by: Mapped[User | None] = relationship()
    deployed_version: Mapped[ProcessVersion | None] = relationship()
