"""The 137 feedback call when the citizen cannot be reached: call again after
MESSAGE_CALL_RETRY_HOURS (24 h), at most MESSAGE_CALL_ATTEMPTS (3) calls, then the message is
closed as unreachable. Dates: message_137_support."""
from datetime import datetime, timedelta

from engine.core import engine_of
from engine.deadlines import MessageClock
from engine_support import reload_instance, task_rows, timer_rows
from message_137_support import REFERRED, complete, deploy_messages, fire_at, ready, referred_message, reply
from sqlalchemy import select

from models import CitizenRequest, OutboxMessage, clock
from programmes.citizens.tracking import citizen_timeline

UNREACHABLE = {"satisfied": "unreachable", "feedback_note": "تلفن پاسخ نداد."}


def replied(db):
    message = referred_message(db)
    clock.set_now(REFERRED + timedelta(hours=2))
    reply(db, message.id)
    return message


def test_an_unreachable_citizen_is_called_again_after_the_retry_hours_not_before(app, db):
    deploy_messages(app)
    message = replied(db)
    complete(db, message.id, "Task_feedback_call", UNREACHABLE)
    assert ready(db, message.id) == []
    [retry] = [t for t in timer_rows(db, message.id) if t.status == "waiting"]
    assert retry.task_spec == "Timer_call_retry"
    called_at = REFERRED + timedelta(hours=2)
    assert fire_at(app, db, called_at + timedelta(hours=24, minutes=-1)) == 0
    assert fire_at(app, db, called_at + timedelta(hours=24)) == 1
    assert ready(db, message.id) == ["Task_feedback_call"]
    complete(db, message.id, "Task_feedback_call", {"satisfied": "yes"})
    closed = reload_instance(db, message.id)
    assert (closed.status, closed.data["classification"]["closure"]) == ("completed", "citizen_satisfied")


def test_after_the_last_attempt_the_message_is_closed_as_unreachable(app, db):
    deploy_messages(app)
    message = replied(db)
    moment = REFERRED + timedelta(hours=2)
    for attempt in range(1, 4):
        complete(db, message.id, "Task_feedback_call", UNREACHABLE)
        if attempt < 3:
            moment += timedelta(hours=24)
            assert fire_at(app, db, moment) == 1
    closed = reload_instance(db, message.id)
    assert closed.status == "completed"
    assert closed.data["classification"]["closure"] == "citizen_unreachable"
    assert closed.data["unreachable_calls"] == 3
    calls = [t for t in task_rows(db, message.id) if t.task_spec == "Task_feedback_call"]
    assert [t.status for t in calls] == ["completed"] * 3


def test_the_attempts_and_retry_hours_are_settings(app, db, monkeypatch):
    deploy_messages(app)
    monkeypatch.setattr(engine_of(db), "message_clock", MessageClock(call_retry_hours=2, call_attempts=1))
    message = replied(db)
    complete(db, message.id, "Task_feedback_call", UNREACHABLE)
    assert reload_instance(db, message.id).data["classification"]["closure"] == "citizen_unreachable"
    other = replied(db)
    monkeypatch.setattr(engine_of(db), "message_clock", MessageClock(call_retry_hours=2, call_attempts=2))
    complete(db, other.id, "Task_feedback_call", UNREACHABLE)
    [retry] = [t for t in timer_rows(db, other.id) if t.status == "waiting"]
    assert retry.due_at == datetime(2026, 12, 13, 10, 30)  # naive UTC: 14:00 Tehran, 2 h after the call


def sent(db, instance_id, template) -> int:
    db.expire_all()
    return len(db.scalars(select(OutboxMessage).where(
        OutboxMessage.instance_id == instance_id, OutboxMessage.template == template)).all())


def test_a_call_again_sends_neither_the_answer_nor_a_new_satisfaction_link_again(app, db):
    deploy_messages(app)
    message = replied(db)
    first_link = db.scalars(select(CitizenRequest.satisfaction_token).where(
        CitizenRequest.instance_id == message.id)).one()
    assert (sent(db, message.id, "answer_ready"), sent(db, message.id, "satisfaction_check")) == (1, 1)
    complete(db, message.id, "Task_feedback_call", UNREACHABLE)
    assert fire_at(app, db, REFERRED + timedelta(hours=26)) == 1
    assert ready(db, message.id) == ["Task_feedback_call"]
    assert (sent(db, message.id, "answer_ready"), sent(db, message.id, "satisfaction_check")) == (1, 1)
    # The link the citizen already has still works.
    assert db.scalars(select(CitizenRequest.satisfaction_token).where(
        CitizenRequest.instance_id == message.id)).one() == first_link


def test_the_citizens_timeline_says_the_call_found_no_one_not_that_they_were_unhappy(app, db):
    deploy_messages(app)
    message = replied(db)
    complete(db, message.id, "Task_feedback_call", UNREACHABLE)
    request = db.scalars(select(CitizenRequest).where(CitizenRequest.instance_id == message.id)).one()
    codes = [step.code for step in citizen_timeline(db, request)]
    assert codes[-1] == "unreachable" and "not_satisfied" not in codes
