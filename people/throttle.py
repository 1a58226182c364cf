"""Login throttling: exponential back-off per account and per client address.

Each failed login counts against the username typed (known or not, so an attacker learns
nothing) and against the client's address. Past a number of free failures the next attempt
must wait 2, 4, 8 ... seconds (capped); an attempt while waiting is refused unchecked and
does not count. A successful login clears its account's count, never its address's (one
valid account must not let an address guess others' passwords afresh). The counts live in
the database (models.LoginFailure) so that every worker and node shares them.
"""
from dataclasses import dataclass
from datetime import timedelta
from math import ceil

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from models import LoginFailure, utcnow

ACCOUNT, ADDRESS = "account", "address"


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failures are free (per account, per address), the longest wait, and after
    how long without a failure the count starts again."""

    account_free_failures: int = 5
    address_free_failures: int = 20
    max_wait_seconds: int = 900
    forget_after_seconds: int = 86400

    def free_failures(self, scope: str) -> int:
        """The failures allowed before waiting starts, for this scope."""
        return self.account_free_failures if scope == ACCOUNT else self.address_free_failures

    def wait_after(self, scope: str, failures: int) -> int:
        """Seconds to wait after this many failures: 0 while free, then 2, 4, 8 ... capped."""
        past = failures - self.free_failures(scope)
        if past < 0:
            return 0
        # 2 ** past grows past any cap quickly; bounding the exponent keeps the number small.
        return min(self.max_wait_seconds, 2 ** min(past + 1, 40))


def _keys(username: str, address: str | None) -> list[tuple[str, str]]:
    keys = [(ACCOUNT, (username or "").strip().lower()[:255])]
    if address:
        keys.append((ADDRESS, address[:255]))
    return keys


def login_wait_seconds(session, username: str, address: str | None) -> int:
    """Seconds before this username may try again from this address (0: now)."""
    now, wait = utcnow(), 0
    for scope, key in _keys(username, address):
        row = session.scalars(select(LoginFailure).where(
            LoginFailure.scope == scope, LoginFailure.key == key)).first()
        if row is not None and row.blocked_until is not None and row.blocked_until > now:
            wait = max(wait, ceil((row.blocked_until - now).total_seconds()))
    return wait


def record_login_failure(session, username: str, address: str | None,
                         policy: ThrottlePolicy) -> int:
    """Count a failed login against the account and the address; the seconds to wait now."""
    now, wait = utcnow(), 0
    forget_before = now - timedelta(seconds=policy.forget_after_seconds)
    for scope, key in _keys(username, address):
        row = _counted_row(session, scope, key, now, forget_before)
        seconds = policy.wait_after(scope, row.failures)
        row.blocked_until = now + timedelta(seconds=seconds) if seconds else None
        wait = max(wait, seconds)
    session.flush()
    return wait


def _counted_row(session, scope, key, now, forget_before) -> LoginFailure:
    """The row of this key with one more failure (one UPDATE, so concurrent workers add up)."""
    where = (LoginFailure.scope == scope, LoginFailure.key == key)
    # A count whose last failure is long past starts again.
    session.execute(update(LoginFailure).where(*where, LoginFailure.last_failure_at < forget_before)
                    .values(failures=0, blocked_until=None))
    counted = session.execute(update(LoginFailure).where(*where).values(
        failures=LoginFailure.failures + 1, last_failure_at=now)).rowcount
    if not counted:
        try:
            with session.begin_nested():
                session.add(LoginFailure(scope=scope, key=key, failures=1, last_failure_at=now))
        except IntegrityError:  # another worker inserted it first: count on its row
            session.execute(update(LoginFailure).where(*where).values(
                failures=LoginFailure.failures + 1, last_failure_at=now))
    return session.execute(select(LoginFailure).where(*where)
                           .execution_options(populate_existing=True)).scalar_one()


def record_login_success(session, username: str) -> None:
    """A successful login clears its account's failures (not its address's)."""
    (scope, key), = _keys(username, None)
    session.execute(delete(LoginFailure).where(LoginFailure.scope == scope, LoginFailure.key == key))
    session.flush()
