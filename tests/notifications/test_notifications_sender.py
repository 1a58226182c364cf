"""The sender: claims, sends outside any transaction, retries with backoff, never sends twice."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from notifications import (HttpSmsProvider, OutboxMessage, SmtpMailer, claim_due_messages,
                           queue_notification, send_claimed, send_due_notifications)
from notifications.sender import retry_delay_seconds

CONTEXT = {"tracking_code": "K7QX-29PA", "satisfaction_url": "https://137.example.ir/s/abc"}


def mailer_for(server):
    return SmtpMailer("127.0.0.1", server.port, sender="سامانه ۱۳۷ <no-reply@city.example.ir>",
                      timeout_seconds=5)


def queue_emails(session_factory, count, template="satisfaction_check"):
    session = session_factory()
    ids = [queue_notification(session, template, "email", f"citizen{n}@example.ir", CONTEXT)
           for n in range(count)]
    session.commit()
    ids = [message.id for message in ids]
    session.close()
    return ids


def load(session_factory, message_id) -> OutboxMessage:
    session = session_factory()
    try:
        return session.get(OutboxMessage, message_id)
    finally:
        session.close()


def test_a_queued_email_is_sent_and_marked_sent(sessions, smtp_server, frozen_clock):
    [message_id] = queue_emails(sessions, 1)

    assert send_due_notifications(sessions, {"email": mailer_for(smtp_server)}) == 1

    [received] = smtp_server.messages
    assert received["Subject"] == "نظر شما درباره پاسخ پیام K7QX-29PA"
    assert "https://137.example.ir/s/abc" in received.get_content()
    sent = load(sessions, message_id)
    assert (sent.status, sent.attempts, sent.sent_at) == ("sent", 0, frozen_clock.utcnow())
    assert sent.claimed_until is None


def test_the_outbox_survives_a_failed_send_and_sends_exactly_once_after_the_retry(
        sessions, stopped_smtp_server, frozen_clock):
    server = stopped_smtp_server
    transports = {"email": mailer_for(server)}
    [message_id] = queue_emails(sessions, 1)
    failed_at = frozen_clock.utcnow()

    assert send_due_notifications(sessions, transports) == 0  # the server is down
    after_failure = load(sessions, message_id)
    assert (after_failure.status, after_failure.attempts) == ("pending", 1)
    assert after_failure.next_attempt_at == failed_at + timedelta(seconds=30)
    assert after_failure.last_error
    # Not due yet: nothing is tried again before its time.
    assert send_due_notifications(sessions, transports) == 0
    assert load(sessions, message_id).attempts == 1

    server.start()
    frozen_clock.advance(seconds=30)
    assert send_due_notifications(sessions, transports) == 1
    assert len(server.messages) == 1
    assert send_due_notifications(sessions, transports) == 0
    frozen_clock.advance(hours=5)
    assert send_due_notifications(sessions, transports) == 0
    assert len(server.messages) == 1
    sent = load(sessions, message_id)
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 1, None)


def test_backoff_grows_and_a_message_fails_after_max_attempts(sessions, stopped_smtp_server,
                                                              frozen_clock):
    transports = {"email": mailer_for(stopped_smtp_server)}  # never started
    [message_id] = queue_emails(sessions, 1)
    delays = []
    for _ in range(4):
        before = frozen_clock.utcnow()
        send_due_notifications(sessions, transports, max_attempts=5)
        message = load(sessions, message_id)
        delays.append((message.next_attempt_at - before).total_seconds())
        frozen_clock.set_now(message.next_attempt_at)
    assert delays == [30, 60, 120, 240]
    assert load(sessions, message_id).status == "pending"

    send_due_notifications(sessions, transports, max_attempts=5)
    given_up = load(sessions, message_id)
    assert (given_up.status, given_up.attempts) == ("failed", 5)
    # A failed message is not tried again, however much time passes.
    frozen_clock.advance(days=30)
    assert claim_due_messages(sessions) == []
    assert [retry_delay_seconds(n) for n in (1, 2, 7, 8, 20)] == [30, 60, 1920, 3600, 3600]


@pytest.mark.committed  # two threads, a session each
def test_two_senders_never_send_the_same_message(sessions, smtp_server, frozen_clock):
    message_ids = queue_emails(sessions, 24)
    transports = {"email": mailer_for(smtp_server)}

    # Interleaved by hand: while sender A holds its claim, sender B finds nothing to send.
    claimed_by_a = claim_due_messages(sessions, batch_size=10)
    assert len(claimed_by_a) == 10
    assert send_due_notifications(sessions, transports, batch_size=5) == 14
    assert send_claimed(sessions, transports, claimed_by_a) == 10

    # Two threads on the same due rows: every message is sent by exactly one of them.
    more_ids = queue_emails(sessions, 24)
    start = threading.Barrier(2)
    sent_counts = []

    def sender():
        start.wait()
        sent_counts.append(send_due_notifications(sessions, transports, batch_size=3))

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sum(sent_counts) == 24
    recipients = [message["To"] for message in smtp_server.messages]
    assert len(recipients) == len(message_ids) + len(more_ids) == 48
    # Each recipient twice (once per round above), not three times.
    assert sorted(recipients) == sorted([f"citizen{n}@example.ir" for n in range(24)] * 2)
    session = sessions()
    assert set(session.scalars(select(OutboxMessage.status))) == {"sent"}
    session.close()


def test_a_crashed_senders_claim_expires_and_the_message_is_sent_once(sessions, smtp_server,
                                                                     frozen_clock):
    [message_id] = queue_emails(sessions, 1)
    transports = {"email": mailer_for(smtp_server)}
    claim_due_messages(sessions, lease_seconds=300)  # ...and the sender dies before sending

    frozen_clock.advance(seconds=299)
    assert send_due_notifications(sessions, transports) == 0
    frozen_clock.advance(seconds=2)
    assert send_due_notifications(sessions, transports) == 1
    assert send_due_notifications(sessions, transports) == 0
    assert len(smtp_server.messages) == 1
    assert load(sessions, message_id).status == "sent"


def test_an_sms_goes_through_the_http_provider_and_a_refusal_is_retried(sessions, sms_endpoint,
                                                                        frozen_clock):
    session = sessions()
    message = queue_notification(session, "satisfaction_check", "sms", "09121234567", CONTEXT)
    session.commit()
    session.close()
    transports = {"sms": HttpSmsProvider(sms_endpoint.url, "secret-key-1", timeout_seconds=5)}

    sms_endpoint.status = 503
    assert send_due_notifications(sessions, transports) == 0
    refused = load(sessions, message.id)
    assert (refused.status, refused.attempts) == ("pending", 1)
    assert "503" in refused.last_error and "secret-key-1" not in refused.last_error

    sms_endpoint.status = 200
    frozen_clock.advance(seconds=30)
    assert send_due_notifications(sessions, transports) == 1
    assert [r["json"]["text"] for r in sms_endpoint.requests] == [message.body, message.body]
    assert load(sessions, message.id).status == "sent"


def test_a_message_without_a_transport_for_its_channel_waits_for_a_retry(sessions, frozen_clock):
    [message_id] = queue_emails(sessions, 1)
    assert send_due_notifications(sessions, {}) == 0
    message = load(sessions, message_id)
    assert (message.status, message.attempts) == ("pending", 1)
    assert "no transport" in message.last_error
