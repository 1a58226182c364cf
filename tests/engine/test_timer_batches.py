"""The scheduler's fast path: a batch's timers marked fired in one statement, batches fired in
two threads of one scheduler, each timer once."""
import time

import pytest
from sqlalchemy import event, func, select

from app.scheduler import fire_due_timers
import engine as runtime
from engine.runtime.timers import fire_due_timer_batch
from engine_support import deploy, district_id, ready_specs, timer_rows, user
from models import Event, HumanTask, Timer


def start_waiting(db, count):
    ids = [runtime.start_instance(db, "t_timer_wait", user(db, "pr_expert_d1"),
                                  district_id(db, "d1")).id for _ in range(count)]
    db.commit()
    time.sleep(1.1)  # "PT1S": all due now (SpiffWorkflow compares timers with the real clock)
    return ids


def test_a_batch_marks_its_timers_fired_in_one_update_and_runs_each_instance_on(app, db):
    deploy(app, "timer_intermediate.bpmn")
    ids = start_waiting(db, 3)
    statements = []
    bind = db.connection()

    def seen(conn, cursor, statement, *args):
        statements.append(statement)
    event.listen(bind, "before_cursor_execute", seen)
    try:
        advanced, failed = fire_due_timer_batch(db, isolate=False)
    finally:
        event.remove(bind, "before_cursor_execute", seen)
    db.commit()
    assert sorted(advanced) == sorted(ids) and failed == []
    assert len([s for s in statements if s.lstrip().upper().startswith("UPDATE TIMERS")]) == 1
    for instance_id in ids:
        [timer] = timer_rows(db, instance_id)
        assert timer.status == "fired" and timer.fired_at is not None
        assert ready_specs(db, instance_id) == ["Task_after_timer"]


@pytest.mark.committed  # two threads, a session each
def test_one_scheduler_firing_batches_in_two_threads_fires_each_timer_once(app, db):
    deploy(app, "timer_intermediate.bpmn")
    ids = start_waiting(db, 12)
    assert fire_due_timers(app.extensions["db_sessions"], batch_size=2, threads=2) == 12
    db.rollback()
    fired = db.scalars(select(Event.instance_id).where(Event.type == "timer_fired")).all()
    assert sorted(fired) == sorted(ids), "a timer fired twice or not at all"
    assert db.scalar(select(func.count()).select_from(Timer).where(Timer.status == "fired")) == 12
    ready = db.scalars(select(HumanTask.instance_id).where(HumanTask.status == "ready")).all()
    assert sorted(ready) == sorted(ids)
