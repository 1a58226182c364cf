"""A batch of due timers reads for all its instances at once (engine/runtime/timer_batch.py):
their open task and timer rows in two queries, who a task is offered to once per role and
place, their channels once per kind; the scheduler's fast path flushes once for the batch and
runs the steps' hooks after that flush; a hook failing in it fails the batch, which the
scheduler fires again instance by instance."""
import time

import pytest
from sqlalchemy import event, select

from app.scheduler import fire_due_timers
import engine as runtime
from engine.runtime.timers import fire_due_timer_batch
from engine_support import deploy, district_id, ready_specs, timer_rows, user
from models import Event, HumanTask, StaffNotification, Timer, User
from people.access import users_offered


def start_waiting(db, districts):
    ids = [runtime.start_instance(db, "t_timer_wait", user(db, f"pr_expert_{code}"),
                                  district_id(db, code)).id for code in districts]
    db.commit()
    time.sleep(1.1)  # "PT1S": all due now (SpiffWorkflow compares timers with the real clock)
    return ids


def statements_of(db, work):
    """work(), and the SQL statements it sent, upper case, whitespace folded."""
    seen = []
    bind = db.connection()

    def note(conn, cursor, statement, *args):
        seen.append(" ".join(statement.upper().split()))
    event.listen(bind, "before_cursor_execute", note)
    try:
        result = work()
    finally:
        event.remove(bind, "before_cursor_execute", note)
    return result, seen


def count(statements, start):
    return len([s for s in statements if s.startswith(start)])


def offered_notices(db, instance_id):
    """Usernames told that the instance's ready task is offered to them."""
    return sorted(db.scalars(select(User.username).join(
        StaffNotification, StaffNotification.user_id == User.id).join(
        HumanTask, HumanTask.id == StaffNotification.task_id).where(
        HumanTask.instance_id == instance_id, StaffNotification.kind == "offered")))


def test_a_fast_path_batch_reads_and_writes_each_table_once_however_many_instances(app, db):
    deploy(app, "timer_intermediate.bpmn")
    ids = start_waiting(db, ["d1"] * 6)

    def fire_and_flush():  # the notices' rows are flushed with the caller's commit
        fired = fire_due_timer_batch(db, isolate=False)
        db.flush()
        return fired
    (advanced, failed), statements = statements_of(db, fire_and_flush)
    db.commit()
    assert sorted(advanced) == sorted(ids) and failed == []
    # Not one per instance: the batch's reads, and one flush whose INSERTs hold every row.
    assert count(statements, "SELECT HUMAN_TASKS.") == 1
    assert count(statements, "SELECT TIMERS.") == 2  # the claim, then the instances' rows
    assert count(statements, "SELECT USERS.") == 1
    assert count(statements, "SELECT NOTIFICATION_PREFERENCES.") == 1
    assert count(statements, "INSERT INTO EVENTS ") == 1
    # New rows whose ids come back: one statement per table where the driver returns them in
    # order (PostgreSQL); SQLite gets them one INSERT at a time.
    postgres = db.get_bind().dialect.name == "postgresql"
    for table in ("HUMAN_TASKS", "STAFF_NOTIFICATIONS", "OUTBOX_MESSAGES"):
        assert count(statements, f"INSERT INTO {table} ") == (1 if postgres else len(ids)), table
    for instance_id in ids:
        assert ready_specs(db, instance_id) == ["Task_after_timer"]
        assert [t.status for t in timer_rows(db, instance_id)] == ["fired"]


@pytest.mark.parametrize("isolate", [False, True])
def test_each_instance_of_a_batch_tells_the_people_of_its_own_district(app, db, isolate):
    deploy(app, "timer_intermediate.bpmn")
    ids = start_waiting(db, ["d1", "d2", "d1", "d2"])
    advanced, failed = fire_due_timer_batch(db, isolate=isolate)
    db.commit()
    assert sorted(advanced) == sorted(ids) and failed == []
    for instance_id in ids:
        [task] = db.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                    HumanTask.status == "ready")).all()
        expected = sorted(u.username for u in users_offered(db, task))  # outside any batch
        assert expected and offered_notices(db, instance_id) == expected
    d1, d2 = offered_notices(db, ids[0]), offered_notices(db, ids[1])
    assert "pr_expert_d1" in d1 and "pr_expert_d1" not in d2


@pytest.mark.committed  # real transactions and savepoints, as the scheduler has them
def test_a_hook_failing_after_the_batch_flush_leaves_that_instance_due_and_fires_the_others(app, db):
    deploy(app, "timer_intermediate.bpmn")
    ids = start_waiting(db, ["d1", "d1", "d1"])
    broken = ids[1]
    db.rollback()  # SQLite: let the scheduler's session write
    hooks = app.extensions["bpmn_engine"].hooks.step_stored

    def fail_for_broken(session, instance, completed, opened, new):
        if instance.id == broken:
            raise RuntimeError("the hook of this instance fails")
    hooks.append(fail_for_broken)
    try:
        assert fire_due_timers(app.extensions["db_sessions"], threads=1) == 2
    finally:
        hooks.remove(fail_for_broken)
    assert [t.status for t in timer_rows(db, broken)] == ["waiting"]
    assert ready_specs(db, broken) == []
    assert db.scalars(select(Event.type).where(Event.instance_id == broken)
                      .order_by(Event.seq)).all() == ["instance_started"]
    for instance_id in (ids[0], ids[2]):
        assert ready_specs(db, instance_id) == ["Task_after_timer"]
        assert len(offered_notices(db, instance_id)) >= 1
        assert db.scalars(select(Event.type).where(Event.instance_id == instance_id)
                          .order_by(Event.seq)).all() == ["instance_started", "timer_fired"]
    assert db.scalars(select(Timer.status).where(Timer.instance_id.in_(ids))
                      .order_by(Timer.instance_id)).all() == ["fired", "waiting", "fired"]


def test_the_timer_job_fires_with_the_batch_size_limit_and_threads_of_the_settings(app, monkeypatch):
    from apscheduler.schedulers.background import BackgroundScheduler
    from app.scheduler import add_jobs
    scheduler = BackgroundScheduler()
    for key, value in (("TIMER_BATCH_SIZE", 20), ("TIMER_MAX_PER_RUN", 900), ("TIMER_THREADS", 3)):
        monkeypatch.setitem(app.config, key, value)
    add_jobs(app, scheduler)
    assert scheduler.get_job("fire_due_timers").kwargs == {
        "batch_size": 20, "max_instances": 900, "threads": 3}
    scheduler.remove_all_jobs()
    monkeypatch.setitem(app.config, "TIMER_THREADS", 0)  # the default: chosen by the database (fire_due_timers)
    add_jobs(app, scheduler)
    assert scheduler.get_job("fire_due_timers").kwargs["threads"] is None
