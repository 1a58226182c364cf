"""A bulk move of instances to another version, done in batches (engine.migration_jobs)."""
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .people import User
from .workflow import ProcessVersion


class MigrationJob(Base):
    """The chosen instances, the mapping and target, and how far the move has got (done/total)."""
    __tablename__ = "migration_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(120), index=True)
    target_version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"))
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)  # old element id -> new id or None
    filters: Mapped[dict] = mapped_column(JSON, default=dict)  # as the operator chose them, shown back
    instance_ids: Mapped[list] = mapped_column(JSON, default=list)  # chosen when it was started
    reason: Mapped[str] = mapped_column(Text, default="")
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)  # instance_ids[:done] are handled
    moved: Mapped[list] = mapped_column(JSON, default=list)  # instance ids
    # instance id (as text) -> [{"template": ..., "params": {...}}]: shown translated
    refused: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="running")  # running|finished
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)

    target: Mapped[ProcessVersion] = relationship()
    created_by: Mapped[User | None] = relationship()
