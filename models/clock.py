"""The application's clock: real time, unless a test has set it (set_now / advance)."""
from datetime import datetime, timedelta, timezone

# A fixed moment (aware UTC) while a test holds the clock; None: real time. Process-wide on
# purpose: the scheduler's threads must see the moment the test set. Tests reset it (conftest).
_fixed: datetime | None = None


def now() -> datetime:
    """The current moment, aware UTC."""
    return _fixed if _fixed is not None else datetime.now(timezone.utc)


def utcnow() -> datetime:
    """The current moment as naive UTC, as every *_at column stores it."""
    return now().replace(tzinfo=None)


def set_now(moment: datetime) -> datetime:
    """Stop the clock at a moment (naive means UTC); return it, aware UTC."""
    global _fixed
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    _fixed = moment.astimezone(timezone.utc)
    return _fixed


def advance(delta: timedelta | None = None, **kwargs) -> datetime:
    """Move the stopped clock forward (advance(hours=2)); a running clock stops at now + delta."""
    return set_now(now() + (delta or timedelta()) + timedelta(**kwargs))


def reset() -> None:
    """Back to real time."""
    global _fixed
    _fixed = None


def is_set() -> bool:
    """True while a test holds the clock."""
    return _fixed is not None
