"""Shared pieces of the Mardom Salam tests: deploy, make a meeting on the settable clock, walk
its programme up to the meeting and register requests.

The calendar: the fortnight is anchored on Tuesday 1405/09/03 (2026-11-24); on Thursday
1405/09/05 (2026-11-26) the next meeting is Tuesday 1405/09/17 (2026-12-08) 19:30 Tehran
(16:00 UTC). The meeting is held that evening; its deadlines count from the meeting as scheduled (19:30),
working days from the next working moment (Wednesday 07:30), months in Solar Hijri months.
"""
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.scheduler import create_due_meetings, fire_due_timers
from programmes.mardom_salam import requests as msr
import engine as runtime
from modeling.deploy import deploy_process
from engine_support import task_rows, user
from models import clock
from models.mardom_salam import MardomSalamMeeting

ROOT = Path(__file__).resolve().parents[2]
TEHRAN = ZoneInfo("Asia/Tehran")
THURSDAY_BEFORE = datetime(2026, 11, 26, 10, 0, tzinfo=TEHRAN)
MEETING_EVENING = datetime(2026, 12, 8, 20, 30, tzinfo=TEHRAN)
ACTORS = {"Task_propose_mosque": "district_mayor_d1", "Task_check_mosque": "communications_office",
          "Task_briefing": "communications_office", "Task_hold_meeting": "communications_office",
          "Task_council_letter": "district_mayor_d1", "Task_progress_report": "district_mayor_d1",
          "Task_results_session": "communications_office",
          "Task_classify_overdue": "mayor_bureau_head", "Task_letter_overdue": "mayor_bureau_head",
          "Task_progress_overdue": "mayor_bureau_head", "Task_results_overdue": "mayor_bureau_head"}
BRIEFING = {"budget_approved": 1200, "projects_realised_percent": 64,
            "projects_progress": "بوستان محله ۸۰٪ پیشرفت.", "mosque_aid": 300,
            "district_problems": "ترافیک خیابان اصلی."}


def deploy_all(app):
    session = app.extensions["db_sessions"]()
    try:
        for name in ("mardom_salam.bpmn", "mardom_salam_council.bpmn", "citizen_message_137.bpmn"):
            path = ROOT / "processes" / name
            deploy_process(session, path.read_bytes(), filename=name)
        session.commit()
    finally:
        session.close()


def make_meeting(app, db, district_codes=("d1",)):
    """The meeting created by the scheduler job on Thursday 2026-11-26 (district d1)."""
    db.rollback()  # on SQLite a transaction holds the write lock: let the job in
    clock.set_now(THURSDAY_BEFORE)
    create_due_meetings(app.extensions["db_sessions"], district_codes=list(district_codes))
    db.expire_all()
    return db.scalars(select(MardomSalamMeeting)).one()


def complete(db, instance_id, task_spec, data=None, username=None):
    [row] = [t for t in task_rows(db, instance_id, "ready") if t.task_spec == task_spec]
    runtime.complete_task(db, row.id, user(db, username or ACTORS[task_spec]), data or {})
    db.commit()
    return row


def up_to_meeting(db, meeting):
    """Mosque proposed and approved, briefing done: the meeting task is open."""
    iid = meeting.instance_id
    complete(db, iid, "Task_propose_mosque", {"mosque_name": "مسجد جامع محله", "mosque_address": "خیابان بهار"})
    complete(db, iid, "Task_check_mosque", {"mosque_approved": "yes"})
    complete(db, iid, "Task_briefing", BRIEFING)


def hold_meeting(db, meeting):
    """The meeting held on its evening (the post-meeting duties open)."""
    clock.set_now(MEETING_EVENING)
    complete(db, meeting.instance_id, "Task_hold_meeting", {"attendance": 120})


def add_request(db, meeting, kind="137", phone="09121110001", **extra):
    request = msr.register_request(db, meeting, user(db, "communications_office"), {
        "kind": kind, "citizen_name": "علی رضایی", "citizen_phone": phone,
        "description": "آسفالت کوچه خراب است.", "category": "technical", **extra})
    db.commit()
    return request


def fire_at(app, db, moment) -> int:
    db.rollback()
    clock.set_now(moment)
    return fire_due_timers(app.extensions["db_sessions"])
