"""Official letters printed from a case (records/letters.py): their numbers and the counters."""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class LetterCounter(Base):
    """The last letter number given in a district in a Solar Hijri year: one row, updated in the
    transaction that issues the letter, so the sequence has no gaps and no repeats."""
    __tablename__ = "letter_counters"
    __table_args__ = (UniqueConstraint("district_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    year: Mapped[int] = mapped_column(Integer)  # Solar Hijri, e.g. 1405
    last_serial: Mapped[int] = mapped_column(Integer, default=0)


class Letter(Base):
    """One official document and its number, given once: printing it again shows the same."""
    __tablename__ = "letters"
    __table_args__ = (UniqueConstraint("kind", "source"), UniqueConstraint("district_id", "year", "serial"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # complaint_answer, press_rebuttal, ...
    source: Mapped[str] = mapped_column(String(64))  # what it is printed from: instance:<id>, record:<id>
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"), index=True)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("quality_records.id"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    year: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(64))  # <district code>/<year>/<serial>, Latin digits
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
