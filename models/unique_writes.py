"""Writes that a unique constraint makes happen once: the periodic jobs' rows (a report per
district and month, a digest per day, a disposal per record, a meeting per date, a council per
month, a digest notice per person and day), so a second scheduler's run is a no-op."""
from sqlalchemy.exc import IntegrityError

_UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE


def is_unique_violation(exc: IntegrityError) -> bool:
    """True if the error is a unique constraint's (not a foreign key's or NOT NULL's)."""
    orig = exc.orig
    return (getattr(orig, "sqlstate", None) == _UNIQUE_VIOLATION
            or getattr(orig, "pgcode", None) == _UNIQUE_VIOLATION
            or "UNIQUE constraint failed" in str(orig))


def write_once(session, work, default=None):
    """work() in a savepoint; if it breaks a unique constraint (another process wrote the same
    row first), undo it alone and return default; any other error goes to the caller."""
    try:
        with session.begin_nested():
            return work()
    except IntegrityError as exc:
        if not is_unique_violation(exc):
            raise
        return default
