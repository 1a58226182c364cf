"""Failed logins counted per account and per client address (people/throttle.py reads them).

Kept in the database so every worker and node of the site sees the same counts.
"""
from datetime import datetime

from sqlalchemy import DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class LoginFailure(Base):
    __tablename__ = "login_failures"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_login_failures_scope_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))       # "account" | "address"
    key: Mapped[str] = mapped_column(String(255))        # the username as typed (lower case) | the address
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime)
