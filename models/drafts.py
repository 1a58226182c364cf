"""Draft regulations published for public comment (MISSION.md, source 002: one week on the
portal, then review, amendment, approval and announcement; programmes/drafts/comments.py).

A draft has numbered sections; citizens comment per section on the portal; staff moderate
each comment (only approved ones are public). After the period, amendments change a
section's text and name the comments that led to them; the published summary is computed
from those rows.
"""
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .people import District, User
from .workflow import Instance

COMMENT_STATES = ("pending", "approved", "rejected")


class DraftRegulation(Base):
    """One draft regulation; its process instance runs the comment period and what follows."""
    __tablename__ = "draft_regulations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    intro: Mapped[str] = mapped_column(Text, default="")
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"))
    opens_at: Mapped[datetime] = mapped_column(DateTime)
    closes_at: Mapped[datetime] = mapped_column(DateTime)  # naive UTC: no comment from then on
    published_at: Mapped[datetime | None] = mapped_column(DateTime)  # the final text
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    district: Mapped[District] = relationship(lazy="joined")
    instance: Mapped[Instance | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    sections: Mapped[list["DraftSection"]] = relationship(
        back_populates="draft", order_by="DraftSection.number", cascade="all, delete-orphan")


class DraftSection(Base):
    """A numbered section: the text as published for comment and the current (final) text."""
    __tablename__ = "draft_sections"
    __table_args__ = (UniqueConstraint("draft_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft_regulations.id"))
    number: Mapped[int] = mapped_column(Integer)
    original_text: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)

    draft: Mapped[DraftRegulation] = relationship(back_populates="sections")


class DraftComment(Base):
    """A citizen's comment on one section; public once approved by staff."""
    __tablename__ = "draft_comments"
    __table_args__ = (Index("ix_draft_comments_draft_status", "draft_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft_regulations.id"))
    section_id: Mapped[int] = mapped_column(ForeignKey("draft_sections.id"))
    author_name: Mapped[str] = mapped_column(String(120), default="")
    # a mobile to be told when the final text is published (migration 0025); never shown
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was rejected
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    moderated_at: Mapped[datetime | None] = mapped_column(DateTime)

    section: Mapped[DraftSection] = relationship()
    moderated_by: Mapped[User | None] = relationship()


class DraftAmendment(Base):
    """One change of a section's text after the comment period, with the comments behind it."""
    __tablename__ = "draft_amendments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft_regulations.id"))
    section_id: Mapped[int] = mapped_column(ForeignKey("draft_sections.id"))
    old_text: Mapped[str] = mapped_column(Text)
    new_text: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    comment_ids: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    section: Mapped[DraftSection] = relationship()
    created_by: Mapped[User | None] = relationship()
