"""137 after the reply: the feedback unit's call, the special follow-up unit's field check,
back to the executive unit until the message is closed; then archived with a classification."""
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import undefer

from engine.spiff.workflows import load_workflow
from engine_support import reload_instance, task_rows, timer_rows
from message_137_support import (REFERRED, complete, deploy_messages, fire_at, ready,
                                 referred_message, reply)
from models import Instance, clock

NOT_SATISFIED = {"satisfied": "no", "feedback_note": "چراغ هنوز خاموش است."}
NOT_CONFIRMED = {"answer_confirmed": "no", "investigation_findings": "بازدید شد؛ تعمیر نشده."}
CONFIRMED = {"answer_confirmed": "yes", "investigation_findings": "بازدید شد؛ چراغ روشن است."}


def tree_size(db, instance_id) -> int:
    db.expire_all()
    instance = db.scalars(select(Instance).options(undefer(Instance.state_json))
                          .where(Instance.id == instance_id)).one()
    return len(load_workflow(instance.state_json, instance.version).tasks)


def test_a_satisfied_citizen_closes_the_message_with_its_classification(app, db):
    deploy_messages(app)
    message = referred_message(db, "technical")
    reply(db, message.id)
    [call] = task_rows(db, message.id, "ready")
    assert (call.task_spec, call.role) == ("Task_feedback_call", "feedback_unit")
    complete(db, message.id, "Task_feedback_call", {"satisfied": "yes"})
    closed = reload_instance(db, message.id)
    assert closed.status == "completed"
    assert closed.data["classification"] == {"category": "technical", "channel": "phone",
                                             "closure": "citizen_satisfied", "referral_rounds": 1}
    assert closed.data["tracking_code"] == message.tracking_code and closed.data["closed_at"]


def test_not_satisfied_goes_to_the_special_followup_unit_which_closes_a_confirmed_answer(app, db):
    deploy_messages(app)
    message = referred_message(db)
    reply(db, message.id)
    complete(db, message.id, "Task_feedback_call", NOT_SATISFIED)
    [check] = task_rows(db, message.id, "ready")
    assert (check.task_spec, check.role) == ("Task_field_investigation", "followup_unit")
    complete(db, message.id, "Task_field_investigation", CONFIRMED)
    closed = reload_instance(db, message.id)
    assert closed.status == "completed"
    assert closed.data["classification"]["closure"] == "confirmed_by_followup"


def test_an_unconfirmed_answer_goes_back_to_the_executive_unit_until_the_message_is_closed(app, db):
    deploy_messages(app)
    message = referred_message(db)
    sizes = []
    for round_number in (1, 2, 3):
        assert ready(db, message.id) == ["Task_executive_reply"]
        assert reload_instance(db, message.id).data["referral_round"] == round_number
        reply(db, message.id, f"پاسخ دور {round_number}")
        complete(db, message.id, "Task_feedback_call", NOT_SATISFIED)
        complete(db, message.id, "Task_field_investigation", NOT_CONFIRMED)
        sizes.append(tree_size(db, message.id))
    reply(db, message.id, "پاسخ دور ۴")
    complete(db, message.id, "Task_feedback_call", {"satisfied": "yes"})
    closed = reload_instance(db, message.id)
    assert closed.status == "completed"
    assert closed.data["classification"]["referral_rounds"] == 4
    assert closed.data["reply_text"] == "پاسخ دور ۴"
    # History pruning keeps the live tree flat however many rounds the loop runs.
    assert sizes[0] == sizes[1] == sizes[2], sizes
    replies = [t for t in task_rows(db, message.id) if t.task_spec == "Task_executive_reply"]
    assert [t.status for t in replies] == ["completed"] * 4


def test_each_return_to_the_executive_unit_gets_a_new_deadline_and_escalation(app, db):
    deploy_messages(app)
    message = referred_message(db, "service")
    reply(db, message.id)
    complete(db, message.id, "Task_feedback_call", NOT_SATISFIED)
    clock.set_now(REFERRED + timedelta(days=7))  # sent back on Sunday 1405/09/29 10:00
    complete(db, message.id, "Task_field_investigation", NOT_CONFIRMED)
    [again] = task_rows(db, message.id, "ready")
    # 24 hours from the return: Monday 1405/09/30 10:00 Tehran.
    assert (again.task_spec, again.due_at) == ("Task_executive_reply", datetime(2026, 12, 21, 6, 30))
    waiting = [t for t in timer_rows(db, message.id) if t.status == "waiting"]
    # 72 hours from the return: Wednesday 1405/10/02 10:00 Tehran (an official holiday).
    assert [(t.task_spec, t.due_at) for t in waiting] == [("Timer_no_reply_72h", datetime(2026, 12, 23, 6, 30))]
    assert fire_at(app, db, waiting[0].due_at) == 1
    assert ready(db, message.id) == ["Task_deputy_followup", "Task_executive_reply"]
