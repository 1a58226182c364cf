"""Version counters of the caches every process keeps of mutable data (the working calendar):
a change bumps its counter in its own transaction, and each process compares the counter with
the one its cache was built at, so a change made on one node reaches every node at once."""
from sqlalchemy import Integer, String, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

CALENDAR = "calendar"  # workcal/store.py: calendar_days


class CacheVersion(Base):
    """One cache's counter: bumped in the transaction of every change to what it caches."""
    __tablename__ = "cache_versions"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


def bump_cache_version(session, name: str) -> None:
    """Count one change of the data behind a cache, in the caller's transaction (it commits)."""
    bumped = session.execute(update(CacheVersion).where(CacheVersion.name == name)
                             .values(version=CacheVersion.version + 1)).rowcount
    if bumped:
        return
    try:  # the migration seeds the known names; a new name gets its row here
        with session.begin_nested():
            session.execute(insert(CacheVersion).values(name=name, version=1))
    except IntegrityError:  # another transaction inserted it first: count on its row
        session.execute(update(CacheVersion).where(CacheVersion.name == name)
                        .values(version=CacheVersion.version + 1))


def cache_version(session, name: str) -> int:
    """The counter of a cache as this transaction sees it (0 before the first change)."""
    with session.no_autoflush:
        return session.scalar(select(CacheVersion.version).where(CacheVersion.name == name)) or 0
