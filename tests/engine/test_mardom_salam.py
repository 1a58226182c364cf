"""Mardom Salam (processes/mardom_salam.bpmn, programmes/mardom_salam/schedule.py) on the settable clock:
the fortnightly meeting created once, the mosque loop, the computed briefing, requests as 137
messages with their code by SMS, the desk items, each post-meeting deadline escalated once,
and the programme that cannot close while a request has no answer."""
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.scheduler import create_due_meetings
from programmes.mardom_salam import schedule as ms
from programmes.mardom_salam import requests as msr
from engine.core import engine_of
from models.errors import Conflict, Forbidden, InvalidData
from engine_support import ready_specs, reload_instance, task_rows, user
from mardom_salam_support import (TEHRAN, THURSDAY_BEFORE, add_request, complete, hold_meeting,
                                  deploy_all, fire_at, make_meeting, up_to_meeting)
from models import Event, OutboxMessage, clock
from models.mardom_salam import MardomSalamCouncil, MardomSalamMeeting
from message_137_support import INTAKE


@pytest.fixture
def deployed(app):
    deploy_all(app)
    return app


def test_series_dates():
    first = date(2026, 11, 24)
    assert ms.next_meeting_date(date(2026, 11, 1), first) == first
    assert ms.next_meeting_date(first, first) == first
    assert ms.next_meeting_date(date(2026, 11, 25), first) == date(2026, 12, 8)
    assert ms.next_meeting_date(date(2026, 12, 8), first) == date(2026, 12, 8)
    assert ms.next_meeting_date(date(2026, 12, 9), first) == date(2026, 12, 22)
    with pytest.raises(ValueError):
        ms.parse_first_date("2026-11-25")
    assert ms.meeting_starts_at(date(2026, 12, 8), ms.parse_time("19:30")) == datetime(2026, 12, 8, 16, 0)


def test_meeting_created_on_the_right_tuesday_once(deployed, db):
    clock.set_now(THURSDAY_BEFORE)
    factory = deployed.extensions["db_sessions"]
    first = create_due_meetings(factory, time_of_day="19:30")
    again = create_due_meetings(factory, time_of_day="19:30")
    assert (first.meetings, first.councils) == (1, 1)
    assert (again.meetings, again.councils) == (0, 0)
    meeting = db.scalars(select(MardomSalamMeeting)).one()
    assert meeting.meeting_date == date(2026, 12, 8) and meeting.meeting_date.weekday() == 1
    assert meeting.starts_at == datetime(2026, 12, 8, 16, 0)
    assert meeting.instance.process_key == "mardom_salam"
    assert ready_specs(db, meeting.instance_id) == ["Task_propose_mosque"]
    assert db.scalars(select(MardomSalamCouncil)).one().month == "1405/09"
    # The evening of the meeting (after 19:30): the next one, a fortnight later.
    db.rollback()  # on SQLite a transaction holds the write lock: let the job in
    clock.set_now(datetime(2026, 12, 8, 20, 0, tzinfo=TEHRAN))
    assert create_due_meetings(factory, council=False).meetings == 1
    db.expire_all()
    assert [m.meeting_date for m in db.scalars(select(MardomSalamMeeting).order_by(
        MardomSalamMeeting.meeting_date))] == [date(2026, 12, 8), date(2026, 12, 22)]


def test_briefing_shows_the_137_figures_of_the_day_it_is_written_not_a_typed_one(deployed, db):
    meeting = make_meeting(deployed, db)
    iid = meeting.instance_id
    complete(db, iid, "Task_propose_mosque", {"mosque_name": "مسجد الف", "mosque_address": "خیابان یک"})
    complete(db, iid, "Task_check_mosque", {"mosque_approved": "no", "review_reason": "گنجایش کم"})
    assert ready_specs(db, iid) == ["Task_propose_mosque"]
    complete(db, iid, "Task_propose_mosque", {"mosque_name": "مسجد ب", "mosque_address": "خیابان دو"})
    complete(db, iid, "Task_check_mosque", {"mosque_approved": "yes"})
    assert ready_specs(db, iid) == ["Task_briefing"]
    [briefing] = task_rows(db, iid, "ready")
    assert engine_of(db).hooks.data_shown(db, briefing)["figures_137"]["received"] == 0
    # Days after the meeting was created, a message comes in: the briefing counts it.
    clock.set_now(THURSDAY_BEFORE + timedelta(days=4))
    add_request(db, meeting)
    assert engine_of(db).hooks.data_shown(db, briefing)["figures_137"]["received"] == 1
    # A typed figure is dropped: the briefing keeps the system's.
    complete(db, iid, "Task_briefing", {"budget_approved": 1, "projects_realised_percent": 2,
                                        "projects_progress": "x", "mosque_aid": 3,
                                        "district_problems": "y", "figures_137_text": "typed"})
    data = reload_instance(db, iid).data
    assert data["figures_137_text"] != "typed" and data["figures_137"]["received"] == 1
    assert ready_specs(db, iid) == ["Task_hold_meeting"]


def test_requests_become_137_messages_with_codes_and_sms(deployed, db):
    meeting = make_meeting(deployed, db)
    up_to_meeting(db, meeting)
    request = add_request(db, meeting, phone="۰۹۱۲۱۱۱۰۰۰۱")
    assert request.tracking_code.startswith("137-")
    message = request.message
    assert message.process_key == "citizen_message_137" and message.data["channel"] == "mardom_salam"
    assert message.data["citizen_phone"] == "09121110001"
    assert ready_specs(db, message.id) == ["Task_register_message"]
    [sms] = db.scalars(select(OutboxMessage).where(OutboxMessage.instance_id == message.id,
                                                   OutboxMessage.template.not_like("staff_%"))).all()
    assert (sms.channel, sms.recipient, sms.template) == ("sms", "09121110001", "tracking_code_issued")
    assert request.tracking_code in sms.body
    # The operator's intake does not send the code a second time.
    complete(db, message.id, "Task_register_message", {**INTAKE, "channel": "mardom_salam"},
             username="intake_operator_d1")
    assert db.scalars(select(OutboxMessage).where(OutboxMessage.instance_id == message.id,
                                                  OutboxMessage.template == "tracking_code_issued")).all() == [sms]
    with pytest.raises(InvalidData):
        msr.register_request(db, meeting, user(db, "communications_office"),
                            {"kind": "137", "citizen_name": "", "citizen_phone": "12", "description": ""})
    with pytest.raises(Forbidden):
        msr.register_request(db, meeting, user(db, "feedback_unit_d2"),
                            {"citizen_name": "x", "citizen_phone": "09120000000", "description": "y"})


def test_desk_items_registered_next_working_day_with_their_code(deployed, db):
    meeting = make_meeting(deployed, db)
    up_to_meeting(db, meeting)
    desk = add_request(db, meeting, kind="desk", phone="09121110009")
    assert desk.tracking_code is None and desk.message_instance_id is None
    hold_meeting(db, meeting)
    [task] = [t for t in task_rows(db, meeting.instance_id, "ready") if t.task_spec == "Task_desk_registration"]
    # Tuesday evening: due by the end of Wednesday, the next working day (14:30 Tehran).
    assert task.due_at == datetime(2026, 12, 9, 11, 0)
    with pytest.raises(Forbidden):
        msr.register_desk_requests(db, meeting, user(db, "communications_office"))
    msr.register_desk_requests(db, meeting, user(db, "special_followup_officer"))
    db.commit()
    db.refresh(desk)
    assert desk.tracking_code.startswith("120-")
    sms = db.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "09121110009")).one()
    assert sms.template == "desk_code_issued" and desk.tracking_code in sms.body
    assert f"/p/track?code={desk.tracking_code}" in sms.body  # followed on the portal too
    assert sms.body.endswith("دبیرخانه مردم سلام شهرداری")  # signed by the Mardom Salam secretariat
    assert "Task_desk_registration" not in ready_specs(db, meeting.instance_id)


def _due(db, iid, key):
    return datetime.fromisoformat(reload_instance(db, iid).data[key])


def test_each_post_meeting_deadline_escalated_once_and_closing_waits_for_answers(deployed, db):
    meeting = make_meeting(deployed, db)
    iid = meeting.instance_id
    up_to_meeting(db, meeting)
    one, two = add_request(db, meeting, phone="09121110001"), add_request(db, meeting, phone="09121110002")
    desk = add_request(db, meeting, kind="desk", phone="09121110003")
    hold_meeting(db, meeting)
    assert set(ready_specs(db, iid)) == {"Task_desk_registration", "Task_classify_requests",
                                         "Task_council_letter", "Task_progress_report",
                                         "Task_results_session"}
    msr.register_desk_requests(db, meeting, user(db, "special_followup_officer"))
    db.commit()
    week = _due(db, iid, "classify_due_at")
    assert week == _due(db, iid, "letter_due_at") and week.date() == date(2026, 12, 16)
    fire_at(deployed, db, week - timedelta(minutes=1))
    assert not {"Task_classify_overdue", "Task_letter_overdue"} & set(ready_specs(db, iid))
    fire_at(deployed, db, week + timedelta(minutes=1))
    assert {"Task_classify_overdue", "Task_letter_overdue"} <= set(ready_specs(db, iid))
    [overdue] = [t for t in task_rows(db, iid, "ready") if t.task_spec == "Task_classify_overdue"]
    assert overdue.role == "mayor_bureau_head"
    fire_at(deployed, db, week + timedelta(days=2))  # no second escalation
    assert ready_specs(db, iid).count("Task_classify_overdue") == 1
    # The working group's table, late: every request gets its owner and deadline.
    group = user(db, "followup_working_group_d1")
    with pytest.raises(InvalidData):
        msr.classify_requests(db, meeting, group, {one.id: {"owner": "معاونت فنی", "deadline": "2027-01-10"}},
                             "صورتجلسه")
    db.rollback()
    db.expire_all()
    meeting = db.get(MardomSalamMeeting, meeting.id)
    rows = {r.id: {"owner": "معاونت فنی", "deadline": "2027-01-10", "category": "technical"}
            for r in meeting.requests}
    msr.classify_requests(db, meeting, group, rows, "صورتجلسه کارگروه")
    db.commit()
    # The table goes into the log with the task, and each 137 message is linked to its row.
    kept = db.scalars(select(Event).where(Event.instance_id == iid, Event.type == "task_completed",
                                          Event.task_spec == "Task_classify_requests")).one()
    assert {(row["tracking_code"], row["owner"], row["deadline"]) for row in kept.data["data"]["classification"]} \
        == {(r.tracking_code, "معاونت فنی", "2027-01-10") for r in meeting.requests}
    assert msr.request_of_message(db, one.message_instance_id).owner == "معاونت فنی"
    complete(db, iid, "Task_council_letter", {"letter_number": "۱۲۳/م"})
    for spec, key, overdue_spec in (("Task_progress_report", "progress_due_at", "Task_progress_overdue"),
                                    ("Task_results_session", "results_due_at", "Task_results_overdue")):
        due = _due(db, iid, key)
        fire_at(deployed, db, due - timedelta(minutes=1))
        assert overdue_spec not in ready_specs(db, iid)
        fire_at(deployed, db, due + timedelta(minutes=1))
        assert ready_specs(db, iid).count(overdue_spec) == 1
    # One and three Solar Hijri months after the meeting (1405/09/17): 1405/10/17 and 1405/12/17.
    assert _due(db, iid, "progress_due_at") == datetime(2027, 1, 7, 19, 30, tzinfo=TEHRAN)
    assert _due(db, iid, "results_due_at") == datetime(2027, 3, 8, 19, 30, tzinfo=TEHRAN)
    complete(db, iid, "Task_progress_report", {"progress_report": "در حال پیگیری"})
    complete(db, iid, "Task_results_session", {"results_session_date": "1406/01/20",
                                               "results_summary": "ارائه شد"})
    for spec in ("Task_classify_overdue", "Task_letter_overdue", "Task_progress_overdue",
                 "Task_results_overdue"):
        complete(db, iid, spec, {"escalation_note": "پیگیری شود"})
    db.expire_all()
    meeting = db.get(MardomSalamMeeting, meeting.id)
    assert msr.waiting_to_close(meeting)
    # Refused while any request is unanswered; the scheduler does not close it either.
    with pytest.raises(Conflict):
        msr.close_programme(db, meeting, user(db, "communications_office"))
    db.rollback()
    assert msr.close_answered_programmes(db) == 0
    for request in (one, two):
        complete(db, request.message_instance_id, "Task_register_message",
                 {**INTAKE, "channel": "mardom_salam", "outcome": "answered",
                  "on_spot_answer": "در برنامه آسفالت است."}, username="intake_operator_d1")
    db.expire_all()
    meeting = db.get(MardomSalamMeeting, meeting.id)
    # The desk item is past the working group's deadline (2027-01-10): overdue, still unanswered.
    assert [msr.request_state(r) for r in meeting.requests] == ["closed", "closed", "overdue"]
    assert msr.request_state(meeting.requests[2], today=date(2027, 1, 10)) == "open"
    with pytest.raises(Conflict):
        msr.close_programme(db, meeting, user(db, "communications_office"))
    db.rollback()
    meeting = db.get(MardomSalamMeeting, meeting.id)
    msr.answer_desk_request(db, [r for r in meeting.requests if r.kind == "desk"][0],
                           user(db, "special_followup_officer"), "در میز خدمت پاسخ داده شد.")
    db.commit()
    msr.close_programme(db, meeting, user(db, "communications_office"))
    db.commit()
    assert reload_instance(db, iid).status == "completed"
