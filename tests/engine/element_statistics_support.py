"""A small history of the fixture process t_element_statistics, at controlled times, for the
per-element statistics' tests (engine, HTTP, browser).

Check the message -> Wait two hours (timer) -> Reply. Each instance lives on its own day, so a
timer fires only when its own instance asks; hours are after 08:00 UTC of that day.

  A  d1  check done after 1 h, timer fired 3 h later (the scheduler late), reply after 30 min
  B  d1  check 2 h, timer fired after 2 h, reply waiting
  D  d1  check 4 h, timer fired after 2 h, reply after 1 h
  C  d1  check 3 h, timer waiting
  E  d1  check waiting
  G  d2  check 5 h, timer waiting
  F  d1  confidential: check 10 h, timer waiting
"""
from datetime import datetime, timedelta

import engine as runtime
from engine_support import deploy, district_id, ready_task, reload_instance, user
from models import clock

PROCESS = "t_element_statistics"
FIXTURE = "element_statistics.bpmn"
DAY_ONE = datetime(2026, 3, 1, 8, 0)


def _at(day: int, hours: float = 0) -> None:
    clock.set_now(DAY_ONE + timedelta(days=day - 1, hours=hours))


def _start(db, district: str, day: int):
    _at(day)
    instance = runtime.start_instance(db, PROCESS, user(db, f"pr_expert_{district}"),
                                      district_id(db, district))
    db.commit()
    return instance.id


def _complete(db, instance_id: int, spec: str, district: str, day: int, hours: float) -> None:
    _at(day, hours)
    runtime.complete_task(db, ready_task(db, instance_id, spec).id,
                          user(db, f"pr_expert_{district}"), {})
    db.commit()


def _fire(db, instance_id: int, day: int, hours: float) -> None:
    _at(day, hours)
    # Any moment past the due time: the clock (fired_at) is what the statistics read.
    assert runtime.fire_next_due_timers(db, now=DAY_ONE + timedelta(days=60)) == instance_id
    db.commit()


def build_history(app, db) -> dict[str, int]:
    """Deploy the fixture and make the history above; return the instances' ids by letter."""
    deploy(app, FIXTURE)
    ids = {}
    ids["A"] = _start(db, "d1", 1)
    _complete(db, ids["A"], "Task_check", "d1", 1, 1)
    _fire(db, ids["A"], 1, 4)
    _complete(db, ids["A"], "Task_reply", "d1", 1, 4.5)
    ids["B"] = _start(db, "d1", 2)
    _complete(db, ids["B"], "Task_check", "d1", 2, 2)
    _fire(db, ids["B"], 2, 4)
    ids["D"] = _start(db, "d1", 3)
    _complete(db, ids["D"], "Task_check", "d1", 3, 4)
    _fire(db, ids["D"], 3, 6)
    _complete(db, ids["D"], "Task_reply", "d1", 3, 7)
    # From here on no timer fires: C's, G's and F's wait.
    ids["C"] = _start(db, "d1", 4)
    _complete(db, ids["C"], "Task_check", "d1", 4, 3)
    ids["E"] = _start(db, "d1", 4)
    ids["G"] = _start(db, "d2", 5)
    _complete(db, ids["G"], "Task_check", "d2", 5, 5)
    ids["F"] = _start(db, "d1", 6)
    instance = reload_instance(db, ids["F"])
    instance.confidential = True  # as programmes/complaints marks a complaint about staff
    db.commit()
    _complete(db, ids["F"], "Task_check", "d1", 6, 10)
    _at(7)
    return ids


HOUR = 3600
