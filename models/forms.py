"""Saved versions of the form-js schemas (the form editor, formjs/versions.py)."""
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .people import User


class FormVersion(Base):
    """One immutable version of a form. Version 1 is the file forms/<key>.form.json as it was
    when the form was first used (saved_by empty); each save in the editor adds N+1."""
    __tablename__ = "form_versions"
    __table_args__ = (UniqueConstraint("form_key", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_key: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer)
    schema: Mapped[dict] = mapped_column(JSON)
    content_sha256: Mapped[str] = mapped_column(String(64))
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    saved_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    saved_by: Mapped[User | None] = relationship(lazy="joined")
