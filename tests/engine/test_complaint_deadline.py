"""A complaint's one deadline in the application (engine, task index, timers, the scheduler's
job, replay): counted from receipt, kept through rework, review and announcement, firing at
exactly that moment, and the district mayor's order reaching the unit it names."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from models import Instance, Timer, Unit, clock
from replay_support import assert_replays, deploy, do, fire_at, ready, ready_rows, start

REGISTER = {"complainant_name": "زهرا احمدی", "channel": "letter", "subject": "پسماند",
            "complaint_type": "service", "description": "شرح شکایت"}
EXAMINATION = {"findings": "بررسی شد", "justified": "yes", "answer_text": "پاسخ به شاکی"}
# Started on paper on Sunday 1405/01/16 (2026-04-05) 11:30 Tehran; the letter came on Wednesday
# 1404/12/27: 10 working days from that day's opening end on 1405/01/19 07:30 (04:00 UTC).
STARTED_AT = datetime(2026, 4, 5, 8, 0, tzinfo=timezone.utc)
DEADLINE = datetime(2026, 4, 8, 4, 0)


def test_the_deadline_from_the_recorded_receipt_fires_at_exactly_its_moment_and_the_order_reaches_its_unit(app, db):
    deploy(app, "complaints")
    clock.set_now(STARTED_AT)
    complaint = start(db, "complaints")
    do(db, complaint, "Task_register_complaint", {**REGISTER, "received_on": "2026-03-18"})
    do(db, complaint, "Task_examine_service_complaint", EXAMINATION)
    do(db, complaint, "Task_review_answer", {"decision": "return", "reason": "کامل نیست"})
    do(db, complaint, "Task_examine_service_complaint", {**EXAMINATION, "answer_text": "پاسخ دوم"})
    [review] = ready_rows(db, complaint, "Task_review_answer")
    assert review.due_at == DEADLINE  # the return for rework restarted nothing
    # the instance's data follows the answer inside the sub-process (letters, the instance page)
    assert db.get(Instance, complaint).data["answer_text"] == "پاسخ دوم"
    [timer] = db.scalars(select(Timer).where(Timer.instance_id == complaint, Timer.status == "waiting"))
    assert (timer.task_spec, timer.due_at) == ("BoundaryEvent_answer_deadline", DEADLINE)

    assert fire_at(app, db, DEADLINE - timedelta(seconds=1)) == 0
    assert fire_at(app, db, DEADLINE) == 1  # the scheduler's job, at exactly the deadline
    assert ready(db, complaint) == ["Task_followup_overdue", "Task_review_answer"]

    clock.set_now(DEADLINE + timedelta(hours=2))  # Wednesday 09:30 Tehran
    do(db, complaint, "Task_followup_overdue", {"order_unit": "d1-traffic", "order_days": 2,
                                                "overdue_action": "بررسی و گزارش"})
    [order] = ready_rows(db, complaint, "Task_carry_out_order")
    # d1-traffic has no head and no department head of its own: the task stays with the
    # district's department heads (people.organisation.routed_unit), never lost
    assert order.unit_id is None and order.role == "department_head"
    assert order.due_at == datetime(2026, 4, 12, 6, 0)  # 2 working days: Sunday 1405/01/23 09:30
    do(db, complaint, "Task_carry_out_order", {"order_action_taken": "گزارش شد", "order_result": "done"})
    do(db, complaint, "Task_review_answer", {"decision": "approve"})
    [announcement] = ready_rows(db, complaint, "Task_announce_result")
    assert announcement.due_at == DEADLINE
    do(db, complaint, "Task_announce_result", {"announcement_channel": "letter", "announced_on": "2026-04-12"})
    assert assert_replays(db, complaint).status == "completed"


def test_an_order_to_a_unit_with_a_head_is_that_units_task(app, db):
    deploy(app, "complaints")
    clock.set_now(STARTED_AT)
    complaint = start(db, "complaints")
    do(db, complaint, "Task_register_complaint", REGISTER)
    assert fire_at(app, db, datetime(2026, 4, 20, 8, 0)) == 1
    clock.set_now(datetime(2026, 4, 20, 8, 0))
    do(db, complaint, "Task_followup_overdue", {"order_unit": "d1-services", "order_days": 1,
                                                "overdue_action": "رسیدگی فوری"})
    [order] = ready_rows(db, complaint, "Task_carry_out_order")
    services = db.scalars(select(Unit).where(Unit.code == "d1-services")).one()
    assert order.unit_id == services.id
