"""A hand-made fixture for the oversight dashboard (programmes/oversight/dashboard.py): a few
instances and task-index rows at known moments, written directly (the dashboard reads only
instances and human_tasks), shared by the domain and HTTP tests.

Clock: NOW = Sunday 1405/09/29 (2026-12-20) 10:00 Tehran. Calendar: Saturday to Wednesday
07:30-14:30 (7 h), Thursday and Friday off, no holiday from 2026-12-01 to 12-20. Walking back
from NOW by working days keeps 10:00: 1 working day = Sat 12-19 10:00, 3 = Tue 12-15 10:00,
10 = Sun 12-06 10:00 (Sat, Wed, Tue, Mon, Sun, Sat, Wed, Tue, Mon, Sun).

Open tasks (status ready):
  C1   d1 pr_expert          created Sun 12-20 09:00  age < 1           no due date
  C2   d1 pr_expert          created Sat 12-19 09:00  age 1-3 (8 h)     due 12-19 12:00: overdue
  M3   d1 department_head    created Mon 12-14 10:00  age 3-10          due 12-16 10:00: overdue
  C4   d1 department_head    created Tue 12-01 10:00  age >= 10         due 12-15 10:00: overdue
  C6   d2 pr_expert          created Sat 12-19 10:00  age 1-3 (exactly 1 day)  due 12-21
  C7   d2 complaints_expert  created Sun 12-13 10:00  age 3-10          due 12-20 09:00: overdue
  M5   d2 department_head    created Sun 12-20 08:05  age < 1           due 12-21 10:00
Not open: C8 (d1, task completed), C9 (d2, task cancelled).

137 messages (received; answered = on the spot or every executive reply completed; clock hours):
  M1  d1  Sun 12-13 10:00  on the spot, closed 10:05          24 48 72 yes, closed in 3 days yes
  M2  d1  Sun 12-13 10:00  replied 12-15 10:00 (48 h), closed 12-15 12:00 (50 h)
                                                              24 no, 48 72 yes, 3 days yes
  M3  d1  Mon 12-14 10:00  reply still open                   no, no, no, no (all judged)
  M4  d2  Sat 12-12 09:00  replied 12-14 21:00 (60 h), closed 12-18 09:00 (144 h)
                                                              24 48 no, 72 yes, 3 days no
  M5  d2  Sun 12-20 08:00  reply open, 2 h old                judged for none
  M6  d2  Sun 12-20 09:00  on the spot, closed 09:10          yes everywhere
  M7  d1  Sat 10-31 12:00  two rounds: replies 11-01 10:00 (22 h) and 11-07 12:00 (144 h),
                           closed 11-07 13:00: answered after its last reply: 24 48 72 no, 3 days no
  M8  d1  Fri 10-30 12:00  before the 8 weeks (they begin Sat 10-31 = 1405/08/09): not counted
"""
from datetime import datetime
from zoneinfo import ZoneInfo

from models import HumanTask, Instance, ProcessVersion, clock
from people.accounts import find_district

TEHRAN = ZoneInfo("Asia/Tehran")
NOW = datetime(2026, 12, 20, 10, 0, tzinfo=TEHRAN)


def at(month, day, hour, minute=0):
    """Naive UTC of a Tehran wall time in 2026, as the database keeps it."""
    return datetime(2026, month, day, hour, minute, tzinfo=TEHRAN).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def _version(db, key):
    version = ProcessVersion(process_key=key, version=1, name=key, content_sha256="0" * 64,
                             bpmn_xml="<definitions/>", lanes={}, forms={})
    db.add(version)
    db.flush()
    return version


def build_dashboard_fixture(db) -> dict[str, int]:
    """Write the rows of the module docstring and set the clock to NOW; name -> instance id."""
    complaints, messages = _version(db, "complaints"), _version(db, "citizen_message_137")
    d1, d2 = find_district(db, "d1").id, find_district(db, "d2").id
    ids, serial = {}, iter(range(1, 100))

    def instance(name, version, district, started, completed=None):
        row = Instance(process_version_id=version.id, process_key=version.process_key,
                       district_id=district, status="completed" if completed else "running",
                       title=f"case {name}", state_json="{}", data={}, started_at=started,
                       updated_at=completed or started, completed_at=completed,
                       tracking_code=f"137-T-{name}" if version is messages else None)
        db.add(row)
        db.flush()
        ids[name] = row.id
        return row

    def task(row, spec, role, created, due=None, status="ready", completed=None):
        db.add(HumanTask(instance_id=row.id, spiff_task_id=f"00000000-0000-4000-8000-{next(serial):012d}",
                         process_key=row.process_key, task_spec=spec, name=spec, role=role,
                         district_id=row.district_id, status=status, created_at=created, due_at=due,
                         completed_at=completed))

    for name, district, role, created, due in (
            ("C1", d1, "pr_expert", at(12, 20, 9), None),
            ("C2", d1, "pr_expert", at(12, 19, 9), at(12, 19, 12)),
            ("C4", d1, "department_head", at(12, 1, 10), at(12, 15, 10)),
            ("C6", d2, "pr_expert", at(12, 19, 10), at(12, 21, 10)),
            ("C7", d2, "complaints_expert", at(12, 13, 10), at(12, 20, 9))):
        task(instance(name, complaints, district, created), "Task_examine", role, created, due)
    c8 = instance("C8", complaints, d1, at(12, 2, 9), completed=at(12, 3, 9))
    task(c8, "Task_examine", "pr_expert", at(12, 2, 9), status="completed", completed=at(12, 3, 9))
    c9 = instance("C9", complaints, d2, at(12, 2, 9))
    task(c9, "Task_examine", "pr_expert", at(12, 2, 9), status="cancelled")

    reply = "Task_executive_reply"
    instance("M1", messages, d1, at(12, 13, 10), completed=at(12, 13, 10, 5))
    m2 = instance("M2", messages, d1, at(12, 13, 10), completed=at(12, 15, 12))
    task(m2, reply, "department_head", at(12, 13, 10), at(12, 16, 10), "completed", at(12, 15, 10))
    m3 = instance("M3", messages, d1, at(12, 14, 10))
    task(m3, reply, "department_head", at(12, 14, 10), at(12, 16, 10))
    m4 = instance("M4", messages, d2, at(12, 12, 9), completed=at(12, 18, 9))
    task(m4, reply, "department_head", at(12, 12, 9), at(12, 15, 9), "completed", at(12, 14, 21))
    m5 = instance("M5", messages, d2, at(12, 20, 8))
    task(m5, reply, "department_head", at(12, 20, 8, 5), at(12, 21, 10))
    instance("M6", messages, d2, at(12, 20, 9), completed=at(12, 20, 9, 10))
    m7 = instance("M7", messages, d1, at(10, 31, 12), completed=at(11, 7, 13))
    task(m7, reply, "department_head", at(10, 31, 12), at(11, 3, 12), "completed", at(11, 1, 10))
    task(m7, reply, "department_head", at(11, 4, 12), at(11, 7, 12), "completed", at(11, 7, 12))
    instance("M8", messages, d1, at(10, 30, 12), completed=at(10, 30, 12, 5))
    db.commit()
    clock.set_now(NOW)
    return ids
