"""What the engine puts in the outbox as a 137 message moves: the code, the answer, the
satisfaction check, the escalation to the managers; nothing when its step rolls back."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

import engine as runtime
from engine.spiff.parsing import parse_definition
from engine_support import deploy, district_id, fixture_bytes, user
from message_137_support import (DEPUTY_DUE, INTAKE, MANAGER_DUE, deploy_messages, fire_at,
                                  referred_message, reply)
from models import CitizenRequest, Instance, OutboxMessage, clock
from models.errors import BpmnValidationError
from people.accounts import find_district


def outbox(db, instance_id):
    """What the citizen and the managers are told (staff notifications: test_staff_notifications)."""
    db.expire_all()
    return [(m.template, m.channel, m.recipient) for m in db.scalars(
        select(OutboxMessage).where(OutboxMessage.instance_id == instance_id,
                                    OutboxMessage.template.not_like("staff_%"))
        .order_by(OutboxMessage.id))]


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
    assert "۹۶ ساعت" in body  # the 137 clock's calendar hours since referral, not working hours


def test_the_operator_registering_a_phone_message_sends_its_code_once_then_the_referral(app, db):
    deploy_messages(app)
    message = referred_message(db)
    assert outbox(db, message.id) == [("tracking_code_issued", "sms", INTAKE["citizen_phone"]),
                                      ("message_referred", "sms", INTAKE["citizen_phone"])]
    referral = db.scalars(select(OutboxMessage.body).where(
        OutboxMessage.template == "message_referred")).one()
    assert "۱۴۰۵/۰۹/۲۳ ۱۰:۰۰" in referral  # the service reply's due moment (SERVICE_DUE: 24 calendar hours), Solar Hijri
    reply(db, message.id)
    assert outbox(db, message.id)[2:] == [("answer_ready", "sms", INTAKE["citizen_phone"]),
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


# ---------------------------------------------------------------- notices named by the diagram
# tests/fixtures/citizen_notices.bpmn: Task_answer's noticeOnComplete is
# "answer_ready: answer when kind=quick", Task_escalate's noticeOnOpen is
# "escalation_to_manager: waiting_since".
NOTICES_BPMN = "citizen_notices.bpmn"
SUNDAY_NOON_TEHRAN = datetime(2026, 11, 29, 8, 30)  # UTC; a working day, 12:00 in Tehran


def _tracked(app, db, kind: str) -> Instance:
    deploy(app, NOTICES_BPMN)
    clock.set_now(SUNDAY_NOON_TEHRAN)
    actor = user(db, "pr_expert_d1")
    instance = runtime.start_instance_for(
        db, "t_citizen_notices", actor, find_district(db, "d1"), tracking_prefix="900",
        data={"citizen_phone": "09120000000", "kind": kind, "answer": "چراغ تعمیر شد.",
              "waiting_since": (SUNDAY_NOON_TEHRAN - timedelta(hours=3)).isoformat()})
    db.commit()
    [task] = runtime.open_tasks(db, instance)
    runtime.complete_task(db, task.id, actor, {})
    db.commit()
    return instance


def test_a_task_tells_the_citizen_what_its_notice_property_names_when_its_condition_holds(app, db):
    instance = _tracked(app, db, "quick")
    assert outbox(db, instance.id) == [("answer_ready", "sms", "09120000000"),
                                       ("escalation_to_manager", "email", "manager_d1@example.org")]
    answer = db.scalars(select(OutboxMessage.body).where(OutboxMessage.template == "answer_ready")).one()
    assert "چراغ تعمیر شد." in answer


def test_a_notice_whose_condition_fails_is_not_sent(app, db):
    instance = _tracked(app, db, "slow")
    assert [m[0] for m in outbox(db, instance.id)] == ["escalation_to_manager"]


def test_the_escalation_says_the_working_hours_waited_since_the_moment_its_variable_names(app, db):
    _tracked(app, db, "slow")
    body = db.scalars(select(OutboxMessage.body).where(
        OutboxMessage.template == "escalation_to_manager")).one()
    assert "۳ ساعت" in body  # 09:00 to 12:00 Tehran on a working day, computed, not copied


@pytest.mark.parametrize("value, said", [
    ("answer_ready", "needs the variable"),
    ("tell_everyone", "is not a notice"),
    ("answer_ready: answer when kind", "is not"),
    ("escalation_to_manager", "needs the variable"),
])
def test_deploy_refuses_a_notice_property_it_cannot_read_on_its_element(value, said):
    xml = fixture_bytes(NOTICES_BPMN).replace(b"answer_ready: answer when kind=quick", value.encode())
    with pytest.raises(BpmnValidationError) as refused:
        parse_definition(xml)
    [error] = [e for e in refused.value.errors if e.element_id == "Task_answer"]
    assert "noticeOnComplete" in error.message and said in error.message
