"""BPMN service tasks call other systems through connectors (engine.runtime.service_calls):
the instance waits at the task while the scheduler makes the call after commit, with an
idempotency key that stays the same on every attempt, retries with backoff, a summary of each
attempt in the history (no secret in it), and an incident when every attempt failed, whose
retry queues the call again."""
from datetime import datetime, timedelta, timezone

from engine import cancel_instance, move_token, resume_instance, retry_instance, suspend_instance
from models import Instance, OutboxMessage, clock
from people.accounts import find_user
from sqlalchemy import select

from connector_support import (SECRET, Partner, add_connector, call_rows, deploy_fixture,
                               events_of, run_calls)
from replay_support import assert_replays, ready_rows, start

STARTED = datetime(2026, 12, 6, 8, 0, tzinfo=timezone.utc)


def connector_messages(db, instance_id: int) -> list[OutboxMessage]:
    """The instance's outbox rows a connector queued (not the staff's notices of its tasks)."""
    return [m for m in db.scalars(select(OutboxMessage).where(OutboxMessage.instance_id == instance_id))
            if m.template.startswith("connector:")]


def start_referral(app, db, partner) -> int:
    add_connector(db, base_url=partner.url)
    deploy_fixture(app, "service_task_http.bpmn")
    clock.set_now(STARTED)
    return start(db, "t_service_referral", {"title": "Broken street light", "case_id": "C-17"})


def test_the_instance_waits_at_the_service_task_and_moves_on_with_the_mapped_answer(app, db):
    with Partner(["ok"]) as partner:
        instance_id = start_referral(app, db, partner)
        # The step that reached the task made no call: it queued one, to be made after commit.
        assert partner.requests == []
        [call] = call_rows(db, instance_id)
        assert (call.status, call.connector, call.task_spec) == ("pending", "oa_referral", "Service_refer")
        assert call.params == {"subject": "Referral: Broken street light", "case_id": "C-17"}
        assert ready_rows(db, instance_id) == []

        assert run_calls(app) == 1

    [request] = partner.requests
    assert request["path"] == "/referrals/C-17"
    assert request["body"] == {"subject": "Referral: Broken street light", "case": "C-17"}
    assert request["headers"]["Authorization"] == f"Bearer {SECRET}"
    assert request["headers"]["Idempotency-Key"] == call.idempotency_key
    assert request["headers"]["X-Attempt-Number"] == "1"
    instance = db.get(Instance, instance_id)
    assert instance.status == "running"
    assert instance.data["letter_number"] == "L-1" and instance.data["oa_status"] == 201
    assert instance.data["oa_answer"] == {"data": {"number": "L-1", "state": "registered"}}
    assert [t.task_spec for t in ready_rows(db, instance_id)] == ["Task_after_referral"]
    assert call_rows(db, instance_id)[0].status == "done"
    [attempt] = events_of(db, instance_id, "service_call_attempted")
    assert attempt.data["ok"] is True and attempt.data["status"] == 201
    assert attempt.data["url"].endswith("/referrals/C-17")
    assert_replays(db, instance_id)


def test_two_timeouts_then_success_record_three_attempts_and_make_one_effect(app, db):
    with Partner(["slow", "slow", "ok"], slow_seconds=1.5) as partner:
        instance_id = start_referral(app, db, partner)
        assert run_calls(app) == 1
        [call] = call_rows(db, instance_id)
        assert (call.status, call.attempts) == ("pending", 1)
        assert "no answer within" in call.last_error
        # Not again before its backoff (30 s), then the wait doubles.
        assert run_calls(app) == 0
        clock.set_now(STARTED + timedelta(seconds=30))
        assert run_calls(app) == 1
        assert call_rows(db, instance_id)[0].attempts == 2
        clock.set_now(STARTED + timedelta(seconds=30 + 59))
        assert run_calls(app) == 0
        clock.set_now(STARTED + timedelta(seconds=30 + 60))
        assert run_calls(app) == 1

    assert len(partner.requests) == 3
    assert len(partner.effects) == 1  # the same key every time: the partner registered it once
    assert {r["headers"]["Idempotency-Key"] for r in partner.requests} == {call.idempotency_key}
    assert [r["headers"]["X-Attempt-Number"] for r in partner.requests] == ["1", "2", "3"]
    attempts = events_of(db, instance_id, "service_call_attempted")
    assert [(a.data["attempt"], a.data["ok"]) for a in attempts] == [(1, False), (2, False), (3, True)]
    assert db.get(Instance, instance_id).data["letter_number"] == "L-1"
    assert [t.task_spec for t in ready_rows(db, instance_id)] == ["Task_after_referral"]
    assert_replays(db, instance_id)


def test_a_call_failing_every_attempt_becomes_an_incident_whose_retry_calls_again(app, db):
    with Partner(["500"]) as partner:
        instance_id = start_referral(app, db, partner)
        for wait in (0, 30, 90):
            clock.set_now(STARTED + timedelta(seconds=wait))
            assert run_calls(app) == 1
        instance = db.get(Instance, instance_id)
        assert (instance.status, instance.failed_element) == ("error", "Service_refer")
        assert "HTTP 500" in instance.error_message
        [call] = call_rows(db, instance_id)
        assert (call.status, call.attempts) == ("failed", 3)
        key = call.idempotency_key

        partner.plan = ["ok"]  # the partner is repaired
        retry_instance(db, instance, find_user(db, "admin"), "the office automation is back")
        db.commit()
        [call] = call_rows(db, instance_id)
        assert (call.status, call.attempts, call.idempotency_key) == ("pending", 0, key)
        assert db.get(Instance, instance_id).status == "running"
        assert run_calls(app) == 1

    assert partner.requests[-1]["headers"]["Idempotency-Key"] == key
    db.expire_all()
    assert db.get(Instance, instance_id).data["letter_number"] == "L-1"
    assert [t.task_spec for t in ready_rows(db, instance_id)] == ["Task_after_referral"]
    assert_replays(db, instance_id)


def test_no_secret_is_written_in_the_events_or_the_call_rows(app, db):
    with Partner(["500", "ok"]) as partner:
        instance_id = start_referral(app, db, partner)
        run_calls(app)
        clock.set_now(STARTED + timedelta(seconds=30))
        run_calls(app)
    assert partner.requests[0]["headers"]["Authorization"] == f"Bearer {SECRET}"
    texts = [repr(e.data) for e in events_of(db, instance_id)]
    texts += [repr((c.params, c.last_error)) for c in call_rows(db, instance_id)]
    assert all(SECRET not in text for text in texts)
    assert "Authorization" in events_of(db, instance_id, "service_call_attempted")[0].data["request_headers"]


def test_a_missing_secret_fails_the_attempt_with_its_name_and_calls_nobody(app, db):
    with Partner(["ok"]) as partner:
        instance_id = start_referral(app, db, partner)
        run_calls(app, secrets={})
    assert partner.requests == []
    [call] = call_rows(db, instance_id)
    assert call.status == "pending" and "OA_TOKEN" in call.last_error


def test_the_sms_connector_queues_its_message_in_the_outbox(app, db):
    add_connector(db, name="citizen_sms", kind="sms", base_url="", path_template="", headers="",
                  body_template="", response_mapping="", parameters="")
    deploy_fixture(app, "service_task_sms.bpmn")
    instance_id = start(db, "t_service_sms", {"phone": "09120000000", "case_id": "C-9"})
    assert connector_messages(db, instance_id) == []
    assert run_calls(app) == 1
    [message] = connector_messages(db, instance_id)
    assert (message.channel, message.recipient, message.body) == ("sms", "09120000000",
                                                                   "Your case C-9 was referred")
    assert message.status == "pending"
    assert [t.task_spec for t in ready_rows(db, instance_id)] == ["Task_after_referral"]


def test_the_email_connector_queues_an_email_with_its_subject(app, db):
    add_connector(db, name="citizen_sms", kind="email", base_url="", path_template="", headers="",
                  body_template="", response_mapping="", parameters="")
    deploy_fixture(app, "service_task_sms.bpmn")
    instance_id = start(db, "t_service_sms", {"phone": "citizen@example.org", "case_id": "C-9"})
    run_calls(app)
    [message] = connector_messages(db, instance_id)
    assert (message.channel, message.recipient) == ("email", "citizen@example.org")
    assert message.body == "Your case C-9 was referred"


def test_an_answer_too_large_for_the_case_data_is_a_failed_attempt(app, db, monkeypatch):
    with Partner(["ok"]) as partner:
        instance_id = start_referral(app, db, partner)
        monkeypatch.setattr(app.extensions["bpmn_engine"], "max_data_bytes", 80)
        run_calls(app)
    [call] = call_rows(db, instance_id)
    assert call.status == "pending" and "cannot be kept in the case data" in call.last_error
    assert ready_rows(db, instance_id) == []


def test_a_cancelled_instance_calls_nobody_and_a_suspended_one_calls_after_its_resumption(app, db):
    admin = find_user(db, "admin")
    with Partner(["ok"]) as partner:
        first = start_referral(app, db, partner)
        second = start(db, "t_service_referral", {"title": "Pothole", "case_id": "C-18"})
        cancel_instance(db, db.get(Instance, first), admin, "filed twice")
        suspend_instance(db, db.get(Instance, second), admin, "waiting for the budget")
        db.commit()
        assert run_calls(app) == 0 and partner.requests == []
        resume_instance(db, db.get(Instance, second), admin, "budget approved")
        db.commit()
        assert run_calls(app) == 1
    assert [r["path"] for r in partner.requests] == ["/referrals/C-18"]


def test_a_call_whose_task_was_withdrawn_is_cancelled_before_it_is_made(app, db):
    with Partner(["ok"]) as partner:
        instance_id = start_referral(app, db, partner)
        move_token(db, db.get(Instance, instance_id), find_user(db, "admin"), "Service_refer",
                   "Task_after_referral", "the referral was made by hand")
        db.commit()
        assert call_rows(db, instance_id)[0].status == "cancelled"
        assert run_calls(app) == 0
    assert partner.requests == []


def test_a_message_throw_event_naming_a_connector_sends_its_message_through_it(app, db):
    with Partner(["ok"]) as partner:
        add_connector(db, base_url=partner.url)
        deploy_fixture(app, "message_throw_http.bpmn")
        instance_id = start(db, "t_message_referral", {"title": "Broken bench", "case_id": "C-21"})
        assert partner.requests == [] and ready_rows(db, instance_id) == []
        [call] = call_rows(db, instance_id)
        assert (call.task_spec, call.status) == ("Service_refer", "pending")
        assert run_calls(app) == 1
    [request] = partner.requests
    assert request["body"] == {"subject": "Referral: Broken bench", "case": "C-21"}
    db.expire_all()
    assert db.get(Instance, instance_id).data["letter_number"] == "L-1"
    assert [t.task_spec for t in ready_rows(db, instance_id)] == ["Task_after_referral"]
    assert_replays(db, instance_id)
