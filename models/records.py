"""Quality records (F-__-0-2-01 ... F-__-0-5-02) produced by completed forms."""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow


class QualityRecord(Base):
    """One revision of a quality record. A form completed again in the same instance (a rework)
    adds a revision: the earlier row stays, marked superseded by the new one, so the register
    lists one current record per (instance, code) and keeps every revision for the audit."""
    __tablename__ = "quality_records"
    # One kept record of a code per district and period (the monthly complaint report): two
    # schedulers making it at once insert one row (programmes/complaints/report.py).
    __table_args__ = (Index("uq_quality_records_period", "code", "district_id", "period_key", unique=True,
                            sqlite_where=text("period_key IS NOT NULL AND disposed_at IS NULL"),
                            postgresql_where=text("period_key IS NOT NULL AND disposed_at IS NULL")),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"), index=True)
    human_task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    retention_until: Mapped[date | None] = mapped_column(Date, index=True)
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    disposed_at: Mapped[datetime | None] = mapped_column(DateTime)
    disposal: Mapped[str | None] = mapped_column(String(16))  # archived|destroyed
    disposal_note: Mapped[str | None] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("quality_records.id"))
    # A periodic record's period, "2026-10-23/2026-11-21" (None for a case's records).
    period_key: Mapped[str | None] = mapped_column(String(32))

    superseded_by: Mapped["QualityRecord | None"] = relationship(
        remote_side=[id], foreign_keys=[superseded_by_id])

    @property
    def is_current(self) -> bool:
        """True unless a later revision superseded this one."""
        return self.superseded_at is None
