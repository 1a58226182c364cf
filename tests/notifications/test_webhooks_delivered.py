"""Webhooks (issue 22, events out): the events of a real instance queued in the step's
transaction, sent after commit by the scheduler job to a real HTTP server on loopback, signed
so that the receivers' function in docs/WEBHOOKS.md verifies them; retried after failures with
backoff, failed after the last attempt, redelivered by hand; nothing for a disabled
subscription."""
import json
import socket
from datetime import timedelta, timezone

import pytest

import engine as runtime
from app.scheduler import send_webhooks_job
from engine_support import deploy, district_id, ready_task, user
from models import clock
from models.webhooks import WebhookSubscription
from notification_support import START
from notifications.webhooks import (DeliverySettings, claim_due_deliveries, sign_body,
                                    verify_signature)
from programmes.integrations.subscriptions import (create_subscription, redeliver_by_hand,
                                                   set_subscription_enabled)
from webhook_support import (Receiver, deliveries, documented_verifier,  # noqa: F401 (fixtures)
                             forget_cached_subscriptions, forget_subscriptions_after_test, receiver)

START_UNIX = int(START.replace(tzinfo=timezone.utc).timestamp())
SETTINGS = DeliverySettings(timeout_seconds=5, max_attempts=3, first_retry_seconds=30,
                            max_retry_seconds=3600)
ALL_KINDS = ["instance.started", "instance.completed", "task.created", "task.completed",
             "task.escalated", "message.closed"]


@pytest.fixture
def frozen(app):
    clock.set_now(START)
    return clock


def subscribe(app, url, kinds=ALL_KINDS, username="admin"):
    """A committed subscription made by the administrator; (id, secret)."""
    session = app.extensions["db_sessions"]()
    row, secret = create_subscription(session, url, kinds, "test receiver", user(session, username))
    session.commit()
    subscription_id = row.id
    session.close()
    return subscription_id, secret


def run_review(app, approve=True):
    """Start review_loop, prepare, review (approve: the instance completes); the instance id."""
    deploy(app, "review_loop.bpmn")
    session = app.extensions["db_sessions"]()
    instance = runtime.start_instance(session, "t_review", user(session, "pr_expert_d1"),
                                      district_id(session, "d1"))
    session.commit()
    runtime.complete_task(session, ready_task(session, instance.id, "Task_prepare").id,
                          user(session, "pr_expert_d1"), {})
    session.commit()
    if approve:
        runtime.complete_task(session, ready_task(session, instance.id, "Task_review").id,
                              user(session, "pr_head_d1"), {"decision": "approve", "reason": ""})
        session.commit()
    instance_id = instance.id
    session.close()
    return instance_id


def test_a_step_queues_its_events_and_the_job_sends_them_signed_for_the_documented_verifier(
        app, db, sessions, receiver, frozen):
    subscription_id, secret = subscribe(app, receiver.url)
    instance_id = run_review(app)
    queued = deliveries(db, subscription_id)
    # Queued with the steps, nothing sent before the job runs (after the commits).
    assert [d.event_kind for d in queued] == [
        "instance.started", "task.created", "task.completed", "task.created", "task.completed",
        "instance.completed"]
    assert receiver.requests == [] and {d.status for d in queued} == {"pending"}

    assert send_webhooks_job(sessions, SETTINGS) == {"delivered": 6}
    assert receiver.kinds() == [d.event_kind for d in queued]
    verify = documented_verifier()
    now = START_UNIX
    for request, delivery in zip(receiver.requests, queued):
        headers = request["headers"]
        assert headers["X-City-Signature"].startswith(f"t={int(now)},v1=")
        assert verify(secret, request["body"], headers["X-City-Signature"], now=now)
        assert verify_signature(secret, request["body"], headers["X-City-Signature"], now=now)
        assert not verify("whsec_another", request["body"], headers["X-City-Signature"], now=now)
        assert not verify(secret, request["body"] + b" ", headers["X-City-Signature"], now=now)
        assert headers["X-City-Event-Id"] == request["json"]["id"] == delivery.event_id
        assert headers["X-City-Event"] == delivery.event_kind
        assert secret not in request["body"].decode("utf-8")
    completed = receiver.requests[2]["json"]["data"]
    assert completed["instance"]["id"] == instance_id and completed["instance"]["district"] == "d1"
    assert completed["task"]["task_spec"] == "Task_prepare"
    assert "decision" not in json.dumps(receiver.requests[4]["json"])  # no case data goes out
    assert {d.status for d in deliveries(db, subscription_id)} == {"delivered"}
    assert send_webhooks_job(sessions, SETTINGS) == {}  # nothing twice


def test_the_verifier_refuses_a_timestamp_outside_the_tolerance(app):
    verify = documented_verifier()
    body = b'{"id":"evt_1","type":"task.created"}'
    signed_at = 1_800_000_000
    header = sign_body("whsec_s", body, signed_at)
    assert verify("whsec_s", body, header, now=signed_at + 299)
    assert not verify("whsec_s", body, header, now=signed_at + 301)  # replayed later
    assert not verify("whsec_s", body, header, now=signed_at - 301)  # from the future
    assert not verify_signature("whsec_s", body, header, now=signed_at + 301)
    for broken in ("", "t=abc,v1=00", "v1=" + header.split("v1=")[1], "nonsense"):
        assert not verify("whsec_s", body, broken, now=signed_at)


def test_a_500_is_retried_with_backoff_and_then_delivered_with_its_attempts_recorded(
        app, db, sessions, frozen):
    receiver = Receiver(statuses=[500, 503])
    try:
        subscription_id, secret = subscribe(app, receiver.url, ["instance.started"])
        run_review(app, approve=False)
        assert send_webhooks_job(sessions, SETTINGS) == {"pending": 1}
        [delivery] = deliveries(db, subscription_id)
        assert (delivery.attempts, delivery.last_status_code, delivery.status) == (1, 500, "pending")
        assert delivery.next_attempt_at == START + timedelta(seconds=30)
        assert "HTTP 500" in delivery.last_error
        assert send_webhooks_job(sessions, SETTINGS) == {}  # not due yet
        clock.set_now(START + timedelta(seconds=30))
        assert send_webhooks_job(sessions, SETTINGS) == {"pending": 1}
        [delivery] = deliveries(db, subscription_id)
        assert delivery.next_attempt_at == START + timedelta(seconds=30 + 60)  # doubled
        clock.set_now(START + timedelta(seconds=90))
        assert send_webhooks_job(sessions, SETTINGS) == {"delivered": 1}
        [delivery] = deliveries(db, subscription_id)
        assert (delivery.attempts, delivery.last_status_code, delivery.status,
                delivery.last_error) == (3, 204, "delivered", None)
        # Every attempt carried the same event id, each signed at its own moment.
        assert len({r["headers"]["X-City-Event-Id"] for r in receiver.requests}) == 1
        assert [r["headers"]["X-City-Signature"].split(",")[0] for r in receiver.requests] == [
            f"t={START_UNIX + seconds}" for seconds in (0, 30, 90)]
    finally:
        receiver.close()


def test_a_refused_connection_fails_for_good_after_the_last_attempt_and_is_redelivered_by_hand(
        app, db, sessions, receiver, frozen, caplog):
    closed = Receiver()
    closed.close()  # nothing listens on its port any more
    subscription_id, secret = subscribe(app, closed.url + "?token=tok-in-query", ["instance.started"])
    run_review(app, approve=False)
    caplog.set_level("DEBUG")
    for seconds in (0, 30, 90):
        clock.set_now(START + timedelta(seconds=seconds))
        send_webhooks_job(sessions, SETTINGS)
    [delivery] = deliveries(db, subscription_id)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 3, None)
    assert "ConnectionError" in delivery.last_error
    assert "failed for good" in caplog.text and closed.url in caplog.text
    assert secret not in caplog.text and "v1=" not in caplog.text  # never the secret nor a signature
    assert "tok-in-query" not in caplog.text  # nor a token the receiver keeps in its URL
    clock.set_now(START + timedelta(days=1))
    assert send_webhooks_job(sessions, SETTINGS) == {}  # failed stays failed

    # The receiver is back (at another address: the test's server); the admin sends it again.
    session = sessions()
    session.get(WebhookSubscription, subscription_id).url = receiver.url
    redeliver_by_hand(session, subscription_id, delivery.id, user(session, "admin"))
    session.commit()
    session.close()
    assert send_webhooks_job(sessions, SETTINGS) == {"delivered": 1}
    [delivery] = deliveries(db, subscription_id)
    assert (delivery.status, delivery.attempts) == ("delivered", 4)
    assert receiver.requests[0]["headers"]["X-City-Event-Id"] == delivery.event_id


def test_a_disabled_subscription_gets_nothing_not_even_what_was_queued_before(
        app, db, sessions, receiver, frozen):
    subscription_id, _ = subscribe(app, receiver.url, ["instance.started", "task.created"])
    other = Receiver()
    try:
        other_id, _ = subscribe(app, other.url, ["instance.started"])
        run_review(app, approve=False)  # queued for both: started; and two tasks for the first
        assert len(deliveries(db, subscription_id)) == 3
        session = sessions()
        set_subscription_enabled(session, subscription_id, False, user(session, "admin"))
        session.commit()
        session.close()
        run_review(app, approve=False)  # the disabled one gets no new rows
        assert len(deliveries(db, subscription_id)) == 3
        assert len(deliveries(db, other_id)) == 2
        assert send_webhooks_job(sessions, SETTINGS) == {"delivered": 2}
        assert receiver.requests == []
        assert other.kinds() == ["instance.started", "instance.started"]
        assert {d.status for d in deliveries(db, subscription_id)} == {"cancelled"}
    finally:
        other.close()


def test_nobody_subscribed_means_no_delivery_rows(app, db, sessions, frozen):
    run_review(app)
    assert deliveries(db) == []
    assert send_webhooks_job(sessions, SETTINGS) == {}


@pytest.mark.postgres
@pytest.mark.committed
def test_two_schedulers_claim_different_deliveries_without_waiting_for_each_other(
        app, sessions, receiver, frozen):
    subscribe(app, receiver.url, ["instance.started", "task.created"])
    run_review(app, approve=False)  # three deliveries
    first, second = sessions(), sessions()
    try:
        mine = claim_due_deliveries(first, DeliverySettings(batch_size=2))
        # The first claim is not committed yet: its rows are passed over (SKIP LOCKED).
        theirs = claim_due_deliveries(second, DeliverySettings(batch_size=2))
        assert (len(mine), len(theirs)) == (2, 1)
        assert not {d.id for d in mine} & {d.id for d in theirs}
        first.commit()
        second.commit()
        # Claimed rows are leased: nobody claims them again before the lease ends.
        assert claim_due_deliveries(first, DeliverySettings(batch_size=10)) == []
        first.rollback()
    finally:
        first.close()
        second.close()


def test_a_receiver_that_does_not_answer_in_time_is_retried(app, db, sessions, frozen):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # connections are queued by the kernel, never answered
    try:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/hooks"
        subscription_id, _ = subscribe(app, url, ["instance.started"])
        run_review(app, approve=False)
        impatient = DeliverySettings(timeout_seconds=0.2, max_attempts=3)
        assert send_webhooks_job(sessions, impatient) == {"pending": 1}
        [delivery] = deliveries(db, subscription_id)
        assert (delivery.attempts, delivery.last_status_code) == (1, None)
        assert delivery.last_error == "no answer within 0.2 seconds"
        assert delivery.next_attempt_at == START + timedelta(seconds=30)
    finally:
        silent.close()
