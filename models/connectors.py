"""Connectors to other city systems (kept by administrators) and the calls service tasks make
through them (engine.runtime.service_calls; migration 0039)."""
from datetime import datetime

from sqlalchemy import (JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class Connector(Base):
    """One configured connector: a diagram's service task names it by `name`.

    kind http: method, base_url + path_template (with ${param}), headers (values may name
    ${secret:NAME}: read from the settings, never stored here), body_template (JSON text with
    ${param}; empty = the parameters as a JSON object), expected_statuses ("200,201"),
    response_mapping ("target=path.in.response" lines: into the case data).
    kind email / sms: a message through the outbox; recipient, subject and body come from the
    parameters ("to", "subject", "body").
    """
    __tablename__ = "connectors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[str] = mapped_column(String(8))  # http|email|sms
    title: Mapped[str] = mapped_column(String(200), default="")
    parameters: Mapped[str] = mapped_column(String(500), default="")  # comma list, for the studio
    method: Mapped[str] = mapped_column(String(8), default="POST")
    base_url: Mapped[str] = mapped_column(String(500), default="")
    path_template: Mapped[str] = mapped_column(String(500), default="")
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    body_template: Mapped[str] = mapped_column(Text, default="")
    expected_statuses: Mapped[str] = mapped_column(String(100), default="200,201,202,204")
    response_mapping: Mapped[str] = mapped_column(Text, default="")
    timeout_seconds: Mapped[float] = mapped_column(Float, default=10.0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ServiceCall(Base):
    """A service task's call, written with the step that reached the task and performed after
    commit by the scheduler (pending → running → done, or pending again later, or failed)."""
    __tablename__ = "service_calls"
    __table_args__ = (Index("ix_service_calls_due", "status", "due_at"),
                      UniqueConstraint("instance_id", "spiff_task_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    task_spec: Mapped[str] = mapped_column(String(200))
    connector: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    # The same on every attempt of this execution of the element: the partner makes one effect.
    idempotency_key: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|running|done|failed|cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # A claimed row's lease: past it, a crashed scheduler's call is claimable again.
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
