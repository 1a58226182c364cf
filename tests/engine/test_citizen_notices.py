"""What the engine puts in the outbox as a 137 message moves: the code, the answer, the
satisfaction check, the escalation to the managers; nothing when its step rolls back."""
from sqlalchemy import select

from engine.runtime import steps as runtime
from engine_support import district_id, user
from message_137_support import (DEPUTY_DUE, INTAKE, MANAGER_DUE, deploy_messages, fire_at,
                                  referred_message, reply)
from models import CitizenRequest, Instance, OutboxMessage


def outbox(db, instance_id):
    db.expire_all()
    return [(m.template, m.channel, m.recipient) for m in db.scalars(
        select(OutboxMessage).where(OutboxMessage.instance_id == instance_id).order_by(OutboxMessage.id))]


def test_an_unanswered_message_emails_its_districts_managers_when_it_reaches_them(app, db):
    deploy_messages(app)
    message = referred_message(db)
    fire_at(app, db, DEPUTY_DUE)
    assert [m for m in outbox(db, message.id) if m[0] == "escalation_to_manager"] == []
    fire_at(app, db, MANAGER_DUE)
    escalations = [m for m in outbox(db, message.id) if m[0] == "escalation_to_manager"]
    assert escalations == [("escalation_to_manager", "email", "manager_d1@example.org")]
    body = db.scalars(select(OutboxMessage.body).where(
        OutboxMessage.template == "escalation_to_manager")).one()
    assert message.tracking_code in body and "/tasks/" in body


def test_the_operator_registering_a_phone_message_sends_its_code_once(app, db):
    deploy_messages(app)
    message = referred_message(db)
    assert outbox(db, message.id) == [("tracking_code_issued", "sms", INTAKE["citizen_phone"])]
    reply(db, message.id)
    assert outbox(db, message.id)[1:] == [("answer_ready", "sms", INTAKE["citizen_phone"]),
                                         ("satisfaction_check", "sms", INTAKE["citizen_phone"])]
    filed = db.scalars(select(CitizenRequest).where(CitizenRequest.instance_id == message.id)).one()
    assert filed.channel == "staff" and filed.satisfaction_token


def test_a_message_without_a_contact_tells_no_citizen(app, db):
    deploy_messages(app)
    operator = user(db, "intake_operator_d1")
    message = runtime.start_instance(db, "citizen_message_137", operator, district_id(db, "d1"))
    db.commit()
    [task] = runtime.open_tasks(db, message)
    runtime.complete_task(db, task.id, operator, {**INTAKE, "citizen_phone": "", "outcome": "answered",
                                                  "on_spot_answer": "پاسخ داده شد."})
    db.commit()
    assert outbox(db, message.id) == []


def test_notices_roll_back_with_the_step_that_caused_them(app, db):
    deploy_messages(app)
    operator = user(db, "intake_operator_d1")
    message = runtime.start_instance(db, "citizen_message_137", operator, district_id(db, "d1"))
    db.commit()
    [task] = runtime.open_tasks(db, message)
    runtime.complete_task(db, task.id, operator, {**INTAKE, "outcome": "answered",
                                                  "on_spot_answer": "ساعت کاری اعلام شد."})
    db.flush()
    assert [m[0] for m in outbox(db, message.id)] == ["tracking_code_issued", "answer_ready"]
    db.rollback()
    assert outbox(db, message.id) == []
    assert db.get(Instance, message.id).status == "running"
