"""Send due outbox messages: claim in one transaction, send outside any, record each result.

A claim is a conditional UPDATE (pending and due, or sending with an expired lease) whose
rowcount says whether this sender won the row, so two senders never send the same message.
A sender that dies after claiming leaves its rows "sending" until claimed_until passes; then
another sender claims them again (at-least-once: a crash between send and record may repeat
one message, nothing else does). A "sent" row is never claimed.
"""
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, or_, select, update

from models.base import utcnow
from models.notifications import OutboxMessage

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 3600


@dataclass(frozen=True)
class ClaimedMessage:
    """What a sender needs of a claimed row once its transaction has ended."""
    id: int
    channel: str
    recipient: str
    subject: str | None
    body: str
    attempts: int
    claimed_until: object  # datetime: the lease this sender holds


def retry_delay_seconds(attempts: int) -> int:
    """Seconds to wait after the given number of failed attempts: 30, 60, 120, … at most 3600."""
    return min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)


def _claimable(now):
    table = OutboxMessage
    return or_(and_(table.status == "pending", table.next_attempt_at <= now),
               and_(table.status == "sending", table.claimed_until < now))


def claim_due_messages(session_factory, batch_size: int = 50,
                       lease_seconds: int = 300) -> list[ClaimedMessage]:
    """Claim up to batch_size due messages for lease_seconds in one committed transaction."""
    session = session_factory()
    try:
        now = utcnow()
        claimed_until = now + timedelta(seconds=lease_seconds)
        candidate_ids = session.scalars(
            select(OutboxMessage.id).where(_claimable(now))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(batch_size)).all()
        won = []
        for message_id in candidate_ids:
            # Repeats the due condition: a row another sender claimed meanwhile matches 0 rows
            # (PostgreSQL re-checks the WHERE after the other's commit; SQLite serializes writers).
            result = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, _claimable(now))
                .values(status="sending", claimed_until=claimed_until)
                .execution_options(synchronize_session=False))
            if result.rowcount == 1:
                won.append(message_id)
        rows = session.execute(
            select(OutboxMessage.id, OutboxMessage.channel, OutboxMessage.recipient,
                   OutboxMessage.subject, OutboxMessage.body, OutboxMessage.attempts)
            .where(OutboxMessage.id.in_(won)).order_by(OutboxMessage.id)).all() if won else []
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()
    return [ClaimedMessage(*row, claimed_until=claimed_until) for row in rows]


def _deliver(transports, message: ClaimedMessage) -> None:
    transport = transports.get(message.channel)
    if transport is None:
        raise LookupError(f"no transport for channel {message.channel!r}")
    if message.channel == "email":
        transport.send(message.recipient, message.subject or "", message.body)
    else:
        transport.send(message.recipient, message.body)


def _record(session_factory, statement) -> bool:
    session = session_factory()
    try:
        changed = session.execute(statement.execution_options(synchronize_session=False)).rowcount
        session.commit()
        return changed == 1
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


def send_claimed(session_factory, transports: dict, claimed: list[ClaimedMessage],
                 max_attempts: int = 8) -> int:
    """Send claimed messages, recording each result in its own transaction; return how many sent."""
    sent = 0
    for message in claimed:
        try:
            _deliver(transports, message)
        except Exception as exc:  # noqa: BLE001 - any transport failure is a retry
            _record_failure(session_factory, message, exc, max_attempts)
            continue
        # Recorded at once, not at the end of the batch: a crash repeats at most this message.
        # Unconditional on the lease: whatever else happened, it has been sent now.
        _record(session_factory, update(OutboxMessage)
                .where(OutboxMessage.id == message.id, OutboxMessage.status != "sent")
                .values(status="sent", sent_at=utcnow(), claimed_until=None, last_error=None))
        sent += 1
    return sent


def _record_failure(session_factory, message: ClaimedMessage, exc: Exception,
                    max_attempts: int) -> None:
    attempts = message.attempts + 1
    error = f"{type(exc).__name__}: {exc}"[:2000]
    given_up = attempts >= max_attempts
    next_attempt_at = utcnow() + timedelta(seconds=retry_delay_seconds(attempts))
    # Only while the lease is still ours: a sender that took the row over owns its state now.
    recorded = _record(session_factory, update(OutboxMessage)
                       .where(OutboxMessage.id == message.id, OutboxMessage.status == "sending",
                              OutboxMessage.claimed_until == message.claimed_until)
                       .values(status="failed" if given_up else "pending", attempts=attempts,
                               last_error=error, next_attempt_at=next_attempt_at,
                               claimed_until=None))
    if given_up:
        log.error("outbox message %s (%s) failed for good after %d attempts: %s",
                  message.id, message.channel, attempts, error)
    else:
        log.warning("outbox message %s (%s) failed, attempt %d of %d, retry at %s: %s%s",
                    message.id, message.channel, attempts, max_attempts,
                    next_attempt_at.isoformat(timespec="seconds"), error,
                    "" if recorded else " (lease lost, not recorded)")


def send_due_notifications(session_factory, transports: dict, batch_size: int = 50,
                           max_attempts: int = 8, lease_seconds: int = 300,
                           max_messages: int = 500) -> int:
    """Claim and send due messages batch by batch (up to max_messages); return how many sent."""
    sent = handled = 0
    while handled < max_messages:
        claimed = claim_due_messages(session_factory, min(batch_size, max_messages - handled),
                                     lease_seconds)
        if not claimed:
            break
        handled += len(claimed)
        sent += send_claimed(session_factory, transports, claimed, max_attempts)
    return sent
