"""The application's clock: real time, unless a test has set it (set_now / advance)."""
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta, timezone

# A fixed moment (aware UTC) while a test holds the clock; None: real time. Process-wide on
# purpose: the scheduler's threads must see the moment the test set. Tests reset it (conftest).
_fixed: datetime | None = None


# A moment that holds only for the code running in this context (one thread, one request):
# re-executing an instance (engine.replay.verify) runs each event at its recorded time without
# moving the time other requests and the scheduler see.
_context_moment: ContextVar[datetime | None] = ContextVar("clock_context_moment", default=None)


def now() -> datetime:
    """The current moment, aware UTC."""
    moment = _context_moment.get()
    if moment is not None:
        return moment
    return _fixed if _fixed is not None else datetime.now(timezone.utc)


@contextmanager
def context_moments():
    """Within the block, set_context_moment() moves the time of this context only."""
    token = _context_moment.set(_context_moment.get())
    try:
        yield set_context_moment
    finally:
        _context_moment.reset(token)


def set_context_moment(moment: datetime) -> None:
    """The time this context sees (use inside context_moments(); naive means UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    _context_moment.set(moment.astimezone(timezone.utc))


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
