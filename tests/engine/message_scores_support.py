"""A small set of 137 messages in two districts, driven through the real process with the clock,
shared by the engine and HTTP tests of the district scores (programmes/messages137/scores.py).

The 137 hours are calendar hours (MESSAGE_CLOCK=calendar); days late are working days of the
calendar: Saturday to Wednesday 07:30-14:30 Tehran (7 h), Thursday and Friday off, no holiday
between 1405/09/22 and 1405/09/29. Period: the Solar Hijri month 1405/09 (2026-11-22 ..
2026-12-21); the figures are read on Sunday 1405/09/29 (2026-12-20) 10:00 Tehran (NOW).
A service message referred on Sunday 1405/09/22 10:00 is due Monday 1405/09/23 10:00 (24 h);
every intake is done at once (due 2 h after receipt).

  F  d1  received Thursday 1405/08/28 10:00 (the month before), intake never done: not counted
         in 1405/09; in 1405/08 its intake is 1 working day overdue (Saturday 1405/08/30 07:30-14:30)
  A  d1  received 09/22 10:00, answered on the spot                  closed in 0 h
  B  d1  referred 09/22 10:00, replied Mon 09/23 09:00 (on time), citizen satisfied at 11:00:
         closed in 25 h
  C  d1  referred 09/22 10:00, no reply by NOW: open and overdue by 4.5 (Mon 10:00-14:30)
         + 7 (Tue) + 7 (Wed) + 7 (Sat) + 2.5 (Sun 07:30-10:00) = 28 working h = 4 working days
  D  d2  referred 09/22 10:00, replied Sat 09/28 09:00: late by 4.5 + 7 + 7 + 1.5 = 20 working
         h = 3 days; citizen not satisfied (10:00), field check confirms the answer (11:00):
         closed in 6 days and 1 h = 145 h
  E  d2  received Mon 09/23 09:00, answered on the spot             closed in 0 h
"""
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.scheduler import fire_due_timers
import engine as runtime
from modeling.deploy import deploy_process
from models import HumanTask, clock
from people.accounts import find_district, find_user

PROCESS = Path(__file__).resolve().parents[2] / "processes" / "citizen_message_137.bpmn"
TEHRAN = ZoneInfo("Asia/Tehran")
PERIOD = (date(2026, 11, 22), date(2026, 12, 21))  # 1405/09
NOW = datetime(2026, 12, 20, 10, 0, tzinfo=TEHRAN)
INTAKE = {"channel": "phone", "category": "service", "description": "چراغ کوچه خاموش است.",
          "location": "خیابان بهار", "citizen_name": "مریم احمدی", "citizen_phone": "09123456789"}


def _at(day, hour, minute=0):
    clock.set_now(datetime(2026, *day, hour, minute, tzinfo=TEHRAN))


def _start(db, district):
    instance = runtime.start_instance(db, "citizen_message_137",
                                      find_user(db, f"intake_operator_{district}"),
                                      find_district(db, district).id, None)
    db.commit()
    return instance.id


def _complete(db, instance_id, spec, username, data):
    db.expire_all()
    [task] = db.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                HumanTask.task_spec == spec,
                                                HumanTask.status == "ready")).all()
    runtime.complete_task(db, task.id, find_user(db, username), data)
    db.commit()


def _register(db, instance_id, district, outcome):
    extra = {"on_spot_answer": "ساعت کاری اداره گفته شد."} if outcome == "answered" else {}
    _complete(db, instance_id, "Task_register_message", f"intake_operator_{district}",
              {**INTAKE, "outcome": outcome, **extra})


def build_messages(app, db) -> dict[str, int]:
    """Deploy the 137 process and drive messages A..F (module docstring); name -> instance id."""
    session = app.extensions["db_sessions"]()
    deploy_process(session, PROCESS.read_bytes(), filename=PROCESS.name)
    session.commit()
    session.close()
    ids = {}
    _at((11, 19), 10)
    ids["F"] = _start(db, "d1")
    _at((12, 13), 10)
    for name, district, outcome in (("A", "d1", "answered"), ("B", "d1", "referred"),
                                    ("C", "d1", "referred"), ("D", "d2", "referred")):
        ids[name] = _start(db, district)
        _register(db, ids[name], district, outcome)
    _at((12, 14), 9)
    ids["E"] = _start(db, "d2")
    _register(db, ids["E"], "d2", "answered")
    _at((12, 14), 9)
    _complete(db, ids["B"], "Task_executive_reply", "department_head_d1", {"reply_text": "تعمیر شد."})
    _at((12, 14), 11)
    _complete(db, ids["B"], "Task_feedback_call", "feedback_unit_d1", {"satisfied": "yes"})
    _at((12, 19), 9)
    db.rollback()  # on SQLite a transaction holds the write lock: let the scheduler in
    fire_due_timers(app.extensions["db_sessions"])  # C's and D's escalations, as the scheduler would
    _complete(db, ids["D"], "Task_executive_reply", "department_head_d2", {"reply_text": "تعمیر شد."})
    _at((12, 19), 10)
    _complete(db, ids["D"], "Task_feedback_call", "feedback_unit_d2",
              {"satisfied": "no", "feedback_note": "هنوز خاموش است."})
    _at((12, 19), 11)
    _complete(db, ids["D"], "Task_field_investigation", "followup_unit_d2",
              {"answer_confirmed": "yes", "investigation_findings": "چراغ روشن است."})
    db.rollback()  # on SQLite a transaction holds the write lock: let the scheduler in
    clock.set_now(NOW)
    assert fire_due_timers(app.extensions["db_sessions"]) == 0  # the escalations fired on Saturday
    return ids
