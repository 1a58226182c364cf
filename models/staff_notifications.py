"""What staff are told of their work: in-app notifications, each person's channels per kind,
and when each last opened the inbox (the inbox marks what is new since then).

One notification per event per person: (user_id, event_key) is unique, so a job that runs
again or a step hook that runs twice writes nothing more (notifications/staff.py).
"""
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

# incident: an instance in error that the person may repair (programmes/staff/incidents.py).
STAFF_KINDS = ("offered", "escalation", "due_soon", "overdue", "digest", "incident")


class StaffNotification(Base):
    """One thing a staff member was told (in-app), read or not."""
    __tablename__ = "staff_notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "event_key"),
        # The bell: a user's unread ones; the page: a user's newest first.
        Index("ix_staff_notifications_user_read", "user_id", "read_at"),
        Index("ix_staff_notifications_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # one of STAFF_KINDS
    # What happened, e.g. "offered:12", "overdue:12", "digest:2026-12-13": one row per person.
    event_key: Mapped[str] = mapped_column(String(120))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id", ondelete="CASCADE"),
                                                index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"))
    # The text's parameters (task name, instance title, tracking code, due moment, counts).
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)


class NotificationPreference(Base):
    """A user's channels for one kind besides in-app (always on); no row: the defaults."""
    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    email: Mapped[bool] = mapped_column(Boolean, default=False)
    sms: Mapped[bool] = mapped_column(Boolean, default=False)


class InboxVisit(Base):
    """When a user last opened the inbox: tasks created since are new to them."""
    __tablename__ = "inbox_visits"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
