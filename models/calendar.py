"""Administrators' entries in the working calendar: closures and days declared working."""
from datetime import date, datetime, time

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .people import District, User


class CalendarDay(Base):
    """A closure (pollution, snow...) or a day declared working (a holiday moved), city or district.

    start_time/end_time: a closure from/until that local time (both empty: the whole day); for a
    working day, its hours (empty: the normal full-day hours). Official holidays are not stored
    here: they come from the `holidays` package.
    """
    __tablename__ = "calendar_days"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)  # Gregorian; shown in Solar Hijri
    kind: Mapped[str] = mapped_column(String(16))  # closure | working_day
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    note: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    district: Mapped[District | None] = relationship()
    created_by: Mapped[User | None] = relationship()
