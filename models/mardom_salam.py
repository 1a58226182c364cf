"""Mardom Salam (the mayor's mosque meetings): one row per meeting, one per request written there.

A meeting's programme is an instance of processes/mardom_salam.bpmn; a request written on a
form at the meeting is either a 137 message (its own instance, with its tracking code) or,
when the 137 cycle cannot take it, a service-desk item with a code issued the next day.
The monthly policy council is an instance of processes/mardom_salam_council.bpmn.
"""
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .people import District
from .workflow import Instance


class MardomSalamMeeting(Base):
    __tablename__ = "mardom_salam_meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_date: Mapped[date] = mapped_column(Date, unique=True)  # one meeting per date
    starts_at: Mapped[datetime] = mapped_column(DateTime)  # naive UTC
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    district: Mapped[District] = relationship(lazy="joined")
    instance: Mapped[Instance | None] = relationship(lazy="joined")
    requests: Mapped[list["MardomSalamRequest"]] = relationship(
        back_populates="meeting", order_by="MardomSalamRequest.id")


class MardomSalamRequest(Base):
    __tablename__ = "mardom_salam_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("mardom_salam_meetings.id", ondelete="CASCADE"),
                                            index=True)
    kind: Mapped[str] = mapped_column(String(8))  # 137 | desk
    message_instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("instances.id", ondelete="SET NULL"), index=True)
    tracking_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    citizen_name: Mapped[str] = mapped_column(String(200))
    citizen_phone: Mapped[str | None] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(60))   # set by the working group
    owner: Mapped[str | None] = mapped_column(String(200))     # set by the working group
    deadline: Mapped[date | None] = mapped_column(Date)        # set by the working group
    answer: Mapped[str | None] = mapped_column(Text)           # a desk item's answer
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    meeting: Mapped[MardomSalamMeeting] = relationship(back_populates="requests")
    message: Mapped[Instance | None] = relationship(lazy="joined")


class MardomSalamCouncil(Base):
    """The monthly policy council meeting: one per Solar Hijri month ("1405/09")."""
    __tablename__ = "mardom_salam_councils"
    __table_args__ = (UniqueConstraint("month", name="uq_mardom_salam_councils_month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
