"""Mardom Salam deadlines are counted from the meeting as scheduled (processes/mardom_salam.bpmn,
programmes/mardom_salam/schedule.py), on the settable clock: "held" is refused before the
meeting's day and changes nothing; the post-meeting deadlines are the same whenever "held" was
clicked; the mosque proposal is due working days BEFORE the meeting, the first one too; months
are Solar Hijri calendar months (15 Mehr + 3 = 15 Dey, a missing day becomes the month's last).

The calendar (mardom_salam_support): the meeting of Tuesday 1405/09/17 (2026-12-08) 19:30 Tehran,
created on Thursday 2026-11-26. Working week Saturday to Wednesday, 07:30-14:30.
"""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.scheduler import create_due_meetings
from engine_support import ready_specs, reload_instance, task_rows, user
from mardom_salam_support import (TEHRAN, THURSDAY_BEFORE, complete, deploy_all, make_meeting,
                                  up_to_meeting)
from models import District, Event, HumanTask, clock
from models.errors import InvalidData
from models.mardom_salam import MardomSalamMeeting
from programmes.mardom_salam import schedule as ms
from workcal import jalali


@pytest.fixture
def deployed(app):
    deploy_all(app)
    return app


def _due(db, iid, key) -> datetime:
    return datetime.fromisoformat(reload_instance(db, iid).data[key])


def _task(db, iid, spec) -> HumanTask:
    [row] = [t for t in task_rows(db, iid, "ready") if t.task_spec == spec]
    return row


def _utc(year, month, day, hour, minute=0) -> datetime:
    """Naive UTC of a Tehran wall time (the task index keeps naive UTC)."""
    return jalali.utc_of(date(year, month, day), datetime(2000, 1, 1, hour, minute).time(), TEHRAN)


# ------------------------------------------------------------------ "held" not before the meeting

def test_held_is_refused_before_the_meetings_day_with_a_persian_reason_and_nothing_changes(deployed, db):
    meeting = make_meeting(deployed, db)
    iid = meeting.instance_id
    up_to_meeting(db, meeting)
    held = _task(db, iid, "Task_hold_meeting")
    events = db.scalar(select(func.count(Event.id)).where(Event.instance_id == iid))
    before = reload_instance(db, iid)
    state, version = before.state_json, before.row_version
    # Sunday evening, two days before Tuesday's meeting.
    clock.set_now(datetime(2026, 12, 6, 20, 0, tzinfo=TEHRAN))
    with pytest.raises(InvalidData) as refused:
        complete(db, iid, "Task_hold_meeting", {"attendance": 120})
    assert refused.value.template == "The meeting is on {date}: it can be marked held on that day or later."
    assert refused.value.params == {"date": date(2026, 12, 8)}
    db.rollback()
    db.expire_all()
    assert ready_specs(db, iid) == ["Task_hold_meeting"]
    assert db.get(HumanTask, held.id).status == "ready"
    assert db.scalar(select(func.count(Event.id)).where(Event.instance_id == iid)) == events
    assert "classify_due_at" not in reload_instance(db, iid).data
    after = reload_instance(db, iid)
    assert (after.state_json, after.row_version) == (state, version)
    # 23:59 on Monday, Tehran time: still the day before.
    clock.set_now(datetime(2026, 12, 7, 23, 59, tzinfo=TEHRAN))
    with pytest.raises(InvalidData):
        complete(db, iid, "Task_hold_meeting", {"attendance": 120})
    db.rollback()


def test_held_is_allowed_on_the_meetings_day_and_after(deployed, db):
    meeting = make_meeting(deployed, db)
    iid = meeting.instance_id
    up_to_meeting(db, meeting)
    clock.set_now(datetime(2026, 12, 8, 0, 1, tzinfo=TEHRAN))  # the meeting's day, Tehran time
    complete(db, iid, "Task_hold_meeting", {"attendance": 120})
    assert "Task_classify_requests" in ready_specs(db, iid)
    # Another meeting, marked held days later: allowed too.
    second = make_meeting_on(db, date(2026, 12, 22), clock_at=datetime(2026, 12, 9, 9, 0, tzinfo=TEHRAN))
    up_to_meeting(db, second)
    clock.set_now(datetime(2026, 12, 27, 9, 0, tzinfo=TEHRAN))
    complete(db, second.instance_id, "Task_hold_meeting", {"attendance": 90})
    assert "Task_classify_requests" in ready_specs(db, second.instance_id)


def make_meeting_on(db, day: date, clock_at: datetime, code: str = "d1") -> MardomSalamMeeting:
    """A meeting of the given day in district d1, made at clock_at (create_meeting, as the demo does)."""
    clock.set_now(clock_at)
    district = db.scalars(select(District).where(District.code == code)).one()
    meeting = ms.create_meeting(db, day, ms.parse_time("19:30"), district, ms.system_actor(db))
    db.commit()
    return meeting


# ------------------------------------------------------------------ after the meeting: from its date

EXPECTED_AFTER = {
    # Tuesday 19:30 is after hours: counted from Wednesday's opening.
    "desk_due_at": datetime(2026, 12, 9, 14, 30, tzinfo=TEHRAN),
    "classify_due_at": datetime(2026, 12, 16, 7, 30, tzinfo=TEHRAN),
    "letter_due_at": datetime(2026, 12, 16, 7, 30, tzinfo=TEHRAN),
    # One and three Solar Hijri months: 1405/09/17 -> 1405/10/17 and 1405/12/17, 19:30.
    "progress_due_at": datetime(2027, 1, 7, 19, 30, tzinfo=TEHRAN),
    "results_due_at": datetime(2027, 3, 8, 19, 30, tzinfo=TEHRAN),
}


@pytest.mark.parametrize("held_at", [
    datetime(2026, 12, 8, 20, 30, tzinfo=TEHRAN),    # that evening
    datetime(2026, 12, 8, 9, 0, tzinfo=TEHRAN),      # that morning, before the meeting
    datetime(2026, 12, 13, 11, 0, tzinfo=TEHRAN),    # five days late (Sunday)
], ids=["evening", "morning", "five-days-late"])
def test_after_meeting_deadlines_count_from_the_meetings_date_not_when_held_was_clicked(deployed, db, held_at):
    meeting = make_meeting(deployed, db)
    iid = meeting.instance_id
    up_to_meeting(db, meeting)
    clock.set_now(held_at)
    complete(db, iid, "Task_hold_meeting", {"attendance": 120})
    for key, expected in EXPECTED_AFTER.items():
        assert _due(db, iid, key) == expected, key
    assert jalali.format_solar_date(_due(db, iid, "results_due_at").date()) == "1405/12/17"
    # The task index carries the same deadlines.
    for spec, key in (("Task_classify_requests", "classify_due_at"), ("Task_council_letter", "letter_due_at"),
                      ("Task_progress_report", "progress_due_at"),
                      ("Task_results_session", "results_due_at")):
        assert _task(db, iid, spec).due_at == EXPECTED_AFTER[key].astimezone(
            timezone.utc).replace(tzinfo=None), spec


@pytest.mark.parametrize("solar_day, progress, results", [
    ("1405/06/31", "1405/07/30", "1405/09/30"),   # 31-day Shahrivar into 30-day Mehr and Azar
    ("1406/09/30", "1406/10/30", "1406/12/29"),   # into Esfand of a common year: 29 days
    ("1405/10/29", "1405/11/29", "1406/01/29"),   # across Nowruz
])
def test_one_and_three_months_are_solar_hijri_calendar_months(deployed, db, solar_day, progress, results):
    day = jalali.parse_solar_date(solar_day)
    assert day.weekday() == 1  # a Tuesday of the series' kind
    meeting = make_meeting_on(db, day, clock_at=datetime.combine(day - timedelta(days=12),
                                                                datetime.min.time(), TEHRAN))
    iid = meeting.instance_id
    up_to_meeting(db, meeting)
    clock.set_now(datetime.combine(day, datetime(2000, 1, 1, 21, 0).time(), TEHRAN))
    complete(db, iid, "Task_hold_meeting", {"attendance": 50})
    for key, expected in (("progress_due_at", progress), ("results_due_at", results)):
        due = _due(db, iid, key)
        assert jalali.format_solar_date(jalali.local_date(due, TEHRAN)) == expected, key
        assert jalali.local_time(due, TEHRAN).strftime("%H:%M") == "19:30"


def test_months_follow_the_setting(deployed, db):
    db.rollback()
    clock.set_now(THURSDAY_BEFORE)
    create_due_meetings(deployed.extensions["db_sessions"], district_codes=["d1"], council=False,
                        deadline_months={"progress": 2, "results": 4})
    db.expire_all()
    meeting = db.scalars(select(MardomSalamMeeting)).one()
    up_to_meeting(db, meeting)
    clock.set_now(datetime(2026, 12, 8, 21, 0, tzinfo=TEHRAN))
    complete(db, meeting.instance_id, "Task_hold_meeting", {"attendance": 50})
    assert jalali.format_solar_date(_due(db, meeting.instance_id, "progress_due_at").date()) == "1405/11/17"
    assert jalali.format_solar_date(_due(db, meeting.instance_id, "results_due_at").date()) == "1406/01/17"


# ------------------------------------------------------------------ the proposal: before the meeting

def test_the_first_meetings_mosque_proposal_is_due_working_days_before_it(deployed, db):
    meeting = make_meeting(deployed, db)   # the series' next meeting, Tuesday 2026-12-08
    iid = meeting.instance_id
    # Five working days before Tuesday: Mon 7, Sun 6, Sat 5, Wed 2, Tue 1 Dec; due at its close.
    assert _due(db, iid, "proposal_due_at") == datetime(2026, 12, 1, 14, 30, tzinfo=TEHRAN)
    assert _task(db, iid, "Task_propose_mosque").due_at == _utc(2026, 12, 1, 14, 30)
    assert _task(db, iid, "Task_propose_mosque").due_at < meeting.starts_at


def test_a_first_meeting_created_on_its_own_day_has_its_proposal_due_before_it_not_after(deployed, db):
    # The series starts tonight and the schedule runs that morning (the old due date was three
    # working days after this moment: after the meeting).
    db.rollback()
    clock.set_now(datetime(2026, 11, 24, 6, 0, tzinfo=TEHRAN))
    create_due_meetings(deployed.extensions["db_sessions"], first_date="2026-11-24",
                        district_codes=["d1"], council=False)
    db.expire_all()
    meeting = db.scalars(select(MardomSalamMeeting)).one()
    assert meeting.meeting_date == date(2026, 11, 24)
    proposal = _task(db, meeting.instance_id, "Task_propose_mosque")
    assert proposal.due_at < meeting.starts_at
    # Tue 17 Nov at its close: five working days before Tuesday 24 Nov.
    assert proposal.due_at == _utc(2026, 11, 17, 14, 30)


def test_a_later_meetings_proposal_is_due_working_days_before_it_and_follows_the_setting(deployed, db):
    factory = deployed.extensions["db_sessions"]
    db.rollback()
    clock.set_now(datetime(2026, 12, 8, 20, 0, tzinfo=TEHRAN))  # after the 8 Dec meeting began
    create_due_meetings(factory, district_codes=["d1"], council=False, deadline_days={"proposal": 3})
    db.expire_all()
    meeting = db.scalars(select(MardomSalamMeeting)).one()
    assert meeting.meeting_date == date(2026, 12, 22)
    # Three working days before Tuesday 22 Dec: Mon 21, Sun 20, Sat 19.
    assert _task(db, meeting.instance_id, "Task_propose_mosque").due_at == _utc(2026, 12, 19, 14, 30)
    # The mosque sent back: proposed again, still due before the meeting.
    iid = meeting.instance_id
    clock.set_now(datetime(2026, 12, 10, 9, 0, tzinfo=TEHRAN))
    complete(db, iid, "Task_propose_mosque", {"mosque_name": "مسجد الف", "mosque_address": "خیابان یک"})
    complete(db, iid, "Task_check_mosque", {"mosque_approved": "no", "review_reason": "کوچک است."})
    assert _task(db, iid, "Task_propose_mosque").due_at == _utc(2026, 12, 19, 14, 30)


def test_deadline_settings_are_read_and_bad_ones_refused():
    from programmes.mardom_salam.council import deadline_days_of, deadline_months_of
    assert deadline_days_of("") == {"proposal": 5, "classify": 5, "letter": 5}
    assert deadline_days_of("proposal=7") == {"proposal": 7, "classify": 5, "letter": 5}
    assert deadline_months_of("results=4") == {"progress": 1, "results": 4}
    for bad in ("progress=22", "proposal=0", "proposal=x"):
        with pytest.raises(ValueError):
            deadline_days_of(bad)
    with pytest.raises(ValueError):
        deadline_months_of("classify=5")
