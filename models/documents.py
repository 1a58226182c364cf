"""Files attached to an instance: by a citizen on the portal or by staff in a form's file field.

The bytes live outside the database (documents.storage: a directory or an object store); the
row holds what names and proves them: the original name, the type read from the content, the
size and SHA-256, the storage key, who uploaded it and when, and when retention destroyed it.
"""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .people import User


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    # The task whose form took the file; NULL for what a citizen filed with the request.
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id"), index=True)
    field_key: Mapped[str] = mapped_column(String(120))
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Set when retention destroyed the record it belongs to: the bytes are gone, the row stays.
    disposed_at: Mapped[datetime | None] = mapped_column(DateTime)

    uploaded_by: Mapped[User | None] = relationship(lazy="joined")
