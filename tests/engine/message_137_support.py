"""Shared pieces of the 137 message tests: deploy the process, start a message, act as each
unit, move the settable clock and let the scheduler fire what became due.

The referral: Sunday 1405/09/22 (2026-12-13) 10:00 Tehran. The 137 centre counts calendar
hours (MESSAGE_CLOCK=calendar, the default):

  service 24 h           -> Monday 1405/09/23 10:00
  technical 48 h         -> Tuesday 1405/09/24 10:00
  72 h (urban planning, deputy) -> Wednesday 1405/09/25 10:00
  96 h (manager, inspection)    -> Thursday 1405/09/26 10:00 (a day off: the centre still counts)

With MESSAGE_CLOCK=working (Saturday to Wednesday, 07:30-14:30 (7 h); Thursday and Friday off;
Wednesday 1405/10/02 (2026-12-23, the birthday of Imam Ali) an official holiday):

  service 24 h           -> Wednesday 1405/09/25 13:00 (4.5 + 7 + 7 + 5.5)
  technical 48 h         -> Tuesday 1405/10/01 09:00 (the 18th-19th off)
  72 h (urban planning, deputy) -> Monday 1405/10/07 12:00 (also the holiday of the 23rd off)
  96 h (manager, inspection)    -> Sunday 1405/10/13 08:00
"""
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from app.scheduler import fire_due_timers
import engine as runtime
from modeling.deploy import deploy_process
from engine_support import district_id, ready_specs, task_rows, user
from models import clock

PROCESS = Path(__file__).resolve().parents[2] / "processes" / "citizen_message_137.bpmn"
KEY = "citizen_message_137"
TEHRAN = ZoneInfo("Asia/Tehran")
REFERRED = datetime(2026, 12, 13, 10, 0, tzinfo=TEHRAN)
SERVICE_DUE = datetime(2026, 12, 14, 6, 30)        # naive UTC = 10:00 Tehran
TECHNICAL_DUE = datetime(2026, 12, 15, 6, 30)
DEPUTY_DUE = datetime(2026, 12, 16, 6, 30)
MANAGER_DUE = datetime(2026, 12, 17, 6, 30)
# The same in working hours (MESSAGE_CLOCK=working)
WORKING_SERVICE_DUE = datetime(2026, 12, 16, 9, 30)   # 13:00 Tehran
WORKING_TECHNICAL_DUE = datetime(2026, 12, 22, 5, 30)  # 09:00 Tehran
WORKING_DEPUTY_DUE = datetime(2026, 12, 28, 8, 30)     # 12:00 Tehran
WORKING_MANAGER_DUE = datetime(2027, 1, 3, 4, 30)      # 08:00 Tehran

INTAKE = {"channel": "phone", "category": "service", "description": "چراغ کوچه خاموش است.",
          "location": "خیابان بهار، کوچه ۱۲", "citizen_name": "مریم احمدی",
          "citizen_phone": "09123456789", "outcome": "referred"}
ESCALATIONS = ("Task_deputy_followup", "Task_manager_followup", "Task_inspection_followup")
# Who acts on each task of a message in district 1.
ACTORS = {"Task_register_message": "intake_operator_d1", "Task_executive_reply": "department_head_d1",
          "Task_deputy_followup": "deputy_d1", "Task_manager_followup": "manager_d1",
          "Task_inspection_followup": "central_inspection", "Task_feedback_call": "feedback_unit_d1",
          "Task_field_investigation": "followup_unit_d1",
          "Task_confirm_planned_work": "department_head_d1", "Task_planned_work_deputy": "deputy_d1"}


def deploy_messages(app):
    session = app.extensions["db_sessions"]()
    try:
        version, _ = deploy_process(session, PROCESS.read_bytes(), filename=PROCESS.name)
        session.commit()
        return version
    finally:
        session.close()


def start_message(db, district="d1", data=None, username=None):
    """A message started by the district's 137 operator (its tracking code is issued)."""
    instance = runtime.start_instance(db, KEY, user(db, username or f"intake_operator_{district}"),
                                      district_id(db, district), data)
    db.commit()
    return instance


def complete(db, instance_id, task_spec, data=None, username=None):
    [row] = [t for t in task_rows(db, instance_id, "ready") if t.task_spec == task_spec]
    runtime.complete_task(db, row.id, user(db, username or ACTORS[task_spec]), data or {})
    db.commit()
    return row


def referred_message(db, category="service", at=REFERRED):
    """A message the operator referred to the executive unit at `at`."""
    clock.set_now(at)
    instance = start_message(db)
    complete(db, instance.id, "Task_register_message", {**INTAKE, "category": category})
    return instance


def fire_at(app, db, moment) -> int:
    """Move the clock to moment (aware, or naive UTC) and let the scheduler fire what is due."""
    db.rollback()  # on SQLite a transaction holds the write lock: let the scheduler in
    clock.set_now(moment)
    return fire_due_timers(app.extensions["db_sessions"])


def ready(db, instance_id) -> list[str]:
    return ready_specs(db, instance_id)


def reply(db, instance_id, text="لامپ تعویض شد."):
    complete(db, instance_id, "Task_executive_reply", {"reply_text": text})


def statuses(db, instance_id, task_spec) -> list[str]:
    return [t.status for t in task_rows(db, instance_id) if t.task_spec == task_spec]
