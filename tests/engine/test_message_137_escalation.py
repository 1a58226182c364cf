"""The 137 escalation: no reply 72 hours after referral -> the deputy; 24 hours more -> the
manager and the inspection office, in calendar hours (the centre works around the clock) unless
MESSAGE_CLOCK=working. A reply at any point withdraws the open escalation tasks and stops the
timers. Dates: message_137_support."""
from datetime import datetime, timedelta

import pytest

from engine.core import engine_of
from engine.deadlines import MessageClock
from engine_support import task_rows, timer_rows
from message_137_support import (DEPUTY_DUE, ESCALATIONS, MANAGER_DUE, REFERRED, TEHRAN,
                                 WORKING_DEPUTY_DUE, WORKING_MANAGER_DUE, complete,
                                 deploy_messages, fire_at, ready, referred_message, reply, statuses)


def test_a_reply_before_72_hours_raises_no_escalation_and_cancels_the_timer(app, db):
    deploy_messages(app)
    message = referred_message(db)
    fire_at(app, db, REFERRED + timedelta(hours=71))
    reply(db, message.id)
    assert ready(db, message.id) == ["Task_feedback_call"]
    assert [t.status for t in timer_rows(db, message.id)] == ["cancelled"]
    assert fire_at(app, db, MANAGER_DUE + timedelta(days=30)) == 0
    assert ready(db, message.id) == ["Task_feedback_call"]
    assert all(statuses(db, message.id, spec) == [] for spec in ESCALATIONS)


def test_the_deputy_is_asked_at_exactly_72_calendar_hours_not_before(app, db):
    deploy_messages(app)
    message = referred_message(db)
    [timer] = timer_rows(db, message.id)
    assert DEPUTY_DUE == datetime(2026, 12, 13, 6, 30) + timedelta(hours=72)
    assert (timer.task_spec, timer.due_at) == ("Timer_no_reply_72h", DEPUTY_DUE)
    assert fire_at(app, db, DEPUTY_DUE - timedelta(minutes=1)) == 0
    assert ready(db, message.id) == ["Task_executive_reply"]
    assert fire_at(app, db, DEPUTY_DUE) == 1
    assert ready(db, message.id) == ["Task_deputy_followup", "Task_executive_reply"]
    [waiting] = [t for t in timer_rows(db, message.id) if t.status == "waiting"]
    assert (waiting.task_spec, waiting.due_at) == ("Timer_no_reply_96h", MANAGER_DUE)


def test_the_137_hours_run_through_the_weekend_and_an_official_holiday(app, db):
    deploy_messages(app)
    # Tuesday 1405/10/01 10:00; Wednesday 1405/10/02 is a holiday, Thursday and Friday are off.
    referred = datetime(2026, 12, 22, 10, 0, tzinfo=TEHRAN)
    message = referred_message(db, "urban_planning", at=referred)
    [reply_task] = task_rows(db, message.id, "ready")
    # 72 hours later: Friday 1405/10/04 10:00, whatever the calendar says of those days.
    assert reply_task.due_at == datetime(2026, 12, 25, 6, 30)
    assert fire_at(app, db, datetime(2026, 12, 25, 6, 29)) == 0
    assert fire_at(app, db, datetime(2026, 12, 25, 6, 30)) == 1
    assert ready(db, message.id) == ["Task_deputy_followup", "Task_executive_reply"]
    # 96 hours: Saturday 10:00.
    assert fire_at(app, db, datetime(2026, 12, 26, 6, 29)) == 0
    assert fire_at(app, db, datetime(2026, 12, 26, 6, 30)) == 1
    assert "Task_manager_followup" in ready(db, message.id)


def test_a_city_may_count_the_137_hours_in_working_hours(app, db, monkeypatch):
    deploy_messages(app)
    monkeypatch.setattr(engine_of(db), "message_clock", MessageClock("working"))
    message = referred_message(db, "urban_planning")
    [reply_task] = task_rows(db, message.id, "ready")
    [timer] = timer_rows(db, message.id)
    assert reply_task.due_at == timer.due_at == WORKING_DEPUTY_DUE  # 72 working hours
    # 72 calendar hours, and a minute before the working-time due moment (a Friday and the
    # holiday of 1405/10/02 lie in between): nothing yet.
    assert fire_at(app, db, REFERRED + timedelta(hours=72)) == 0
    assert fire_at(app, db, WORKING_DEPUTY_DUE - timedelta(minutes=1)) == 0
    assert fire_at(app, db, WORKING_DEPUTY_DUE) == 1
    [waiting] = [t for t in timer_rows(db, message.id) if t.status == "waiting"]
    assert (waiting.task_spec, waiting.due_at) == ("Timer_no_reply_96h", WORKING_MANAGER_DUE)


def test_24_more_hours_without_a_reply_go_to_the_manager_and_the_inspection_office(app, db):
    deploy_messages(app)
    message = referred_message(db)
    fire_at(app, db, DEPUTY_DUE)
    assert fire_at(app, db, MANAGER_DUE - timedelta(minutes=1)) == 0
    assert fire_at(app, db, MANAGER_DUE) == 1
    assert ready(db, message.id) == ["Task_deputy_followup", "Task_executive_reply",
                                     "Task_inspection_followup", "Task_manager_followup"]


def test_a_reply_after_the_deputy_was_asked_withdraws_that_task_and_stops_the_escalation(app, db):
    deploy_messages(app)
    message = referred_message(db)
    fire_at(app, db, DEPUTY_DUE)
    reply(db, message.id)
    assert ready(db, message.id) == ["Task_feedback_call"]
    assert statuses(db, message.id, "Task_deputy_followup") == ["cancelled"]
    assert fire_at(app, db, MANAGER_DUE + timedelta(days=1)) == 0
    assert statuses(db, message.id, "Task_manager_followup") == []
    assert statuses(db, message.id, "Task_inspection_followup") == []


def test_a_reply_after_the_last_escalation_withdraws_every_open_escalation_task(app, db):
    deploy_messages(app)
    message = referred_message(db)
    fire_at(app, db, DEPUTY_DUE)
    fire_at(app, db, MANAGER_DUE)
    complete(db, message.id, "Task_deputy_followup", {"escalation_note": "با رئیس اداره تماس گرفتم."})
    reply(db, message.id)
    assert ready(db, message.id) == ["Task_feedback_call"]
    assert statuses(db, message.id, "Task_deputy_followup") == ["completed"]
    assert statuses(db, message.id, "Task_manager_followup") == ["cancelled"]
    assert statuses(db, message.id, "Task_inspection_followup") == ["cancelled"]
    assert [t.status for t in timer_rows(db, message.id)] == ["fired", "fired"]


def test_escalation_tasks_go_to_the_deputy_and_manager_of_the_district_and_the_inspection_office(app, db):
    deploy_messages(app)
    message = referred_message(db)
    fire_at(app, db, MANAGER_DUE)  # both timers are due: the scheduler fires them in turn
    roles = {t.task_spec: t.role for t in task_rows(db, message.id, "ready")}
    assert roles == {"Task_executive_reply": "department_head", "Task_deputy_followup": "deputy",
                     "Task_manager_followup": "manager",
                     "Task_inspection_followup": "central_inspection"}


def test_the_137_clock_counts_calendar_hours_from_iso_text_in_the_citys_time_zone():
    clock_ = MessageClock()
    due = clock_.add_message_hours("2026-12-24T20:00:00", 24)  # naive = UTC; a Thursday night
    assert due.replace(tzinfo=None) == datetime(2026, 12, 25, 23, 30)  # Friday 23:30 Tehran
    assert str(due.tzinfo) == "Asia/Tehran"
    assert clock_.message_hours_between("2026-12-24T20:00:00", due) == 24
    with pytest.raises(ValueError):
        clock_.add_message_hours("2026-12-24T20:00:00", -1)
    with pytest.raises(KeyError, match="intake_hours"):
        clock_.message_rule("lunch_hours")
