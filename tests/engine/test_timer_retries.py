"""A step started by a timer that fails is tried again with backoff (engine.runtime.timers):
undone, its timer waiting again later with one more failed attempt and an event in the chain;
after TIMER_RETRY_ATTEMPTS failures the instance stops with an error. Re-execution accepts
the events of the attempts (engine.replay).

The fixture's script fails while the clock is before the instance's `archive_down_until`:
a value the test sets that re-execution sees the same way (each event runs at its moment).
"""
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from app.scheduler import fire_due_timers
from engine.events import verify_chain
from engine.runtime.timers import fire_due_timer_batch, fire_next_due_timers
from engine_support import event_rows, ready_specs, reload_instance, timer_rows
from modeling.deploy import deploy_process
from models import clock
from replay_support import assert_replays, start

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "timer_then_failing_script.bpmn"
STARTED = datetime(2026, 12, 6, 8, 0, tzinfo=timezone.utc)
FIRST_DUE = STARTED + timedelta(minutes=1)


def naive(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def deploy_fixture(app):
    session = app.extensions["db_sessions"]()
    try:
        deploy_process(session, FIXTURE.read_bytes(), filename=FIXTURE.name)
        session.commit()
    finally:
        session.close()


def start_archiving(app, db, down_for: timedelta) -> int:
    """An instance whose archive call fails until down_for after its start."""
    deploy_fixture(app)
    clock.set_now(STARTED)
    down_until = (STARTED + down_for).isoformat()
    return start(db, "t_timer_retry", {"archive_down_until": down_until})


def fire_at(db, moment: datetime):
    clock.set_now(moment)
    fired = fire_next_due_timers(db)
    db.commit()
    return fired


def types(db, instance_id: int) -> list[str]:
    return [e.type for e in event_rows(db, instance_id)]


def test_a_failed_step_after_a_timer_is_undone_and_tried_again_after_the_backoff(app, db):
    instance_id = start_archiving(app, db, timedelta(hours=1))
    assert fire_at(db, FIRST_DUE) == instance_id

    instance = reload_instance(db, instance_id)
    assert (instance.status, instance.error_message) == ("running", None)
    assert "archived_at" not in instance.data
    [timer] = timer_rows(db, instance_id)
    assert (timer.status, timer.attempts, timer.fired_at) == ("waiting", 1, None)
    assert timer.due_at == naive(FIRST_DUE + timedelta(seconds=60))
    assert "The archive is not reachable" in timer.last_error
    # The step's own events went with it; the attempt's event is in the chain.
    assert types(db, instance_id) == ["instance_started", "timer_retry_scheduled"]
    retry = event_rows(db, instance_id)[-1]
    assert retry.task_spec == "Timer_wait" and retry.spiff_task_id == timer.spiff_task_id
    assert retry.data["attempt"] == 1 and retry.data["attempts"] == 3
    assert retry.data["due_at"] == naive(FIRST_DUE + timedelta(seconds=60)).isoformat()
    assert "The archive is not reachable" in retry.data["message"]
    assert verify_chain(event_rows(db, instance_id)) is None
    # Not due again before its backoff.
    assert fire_at(db, FIRST_DUE + timedelta(seconds=59)) is None
    assert_replays(db, instance_id)


def test_the_wait_doubles_and_the_third_failure_stops_the_instance_with_an_error(app, db):
    instance_id = start_archiving(app, db, timedelta(hours=1))
    fire_at(db, FIRST_DUE)
    second = FIRST_DUE + timedelta(seconds=60)
    assert fire_at(db, second) == instance_id
    [timer] = timer_rows(db, instance_id)
    assert (timer.status, timer.attempts) == ("waiting", 2)
    assert timer.due_at == naive(second + timedelta(seconds=120))
    assert reload_instance(db, instance_id).status == "running"
    assert fire_at(db, second + timedelta(seconds=119)) is None

    third = second + timedelta(seconds=120)
    assert fire_at(db, third) == instance_id
    instance = reload_instance(db, instance_id)
    assert instance.status == "error"
    assert "The archive is not reachable" in instance.error_message
    [timer] = timer_rows(db, instance_id)
    assert (timer.status, timer.attempts) == ("fired", 3)
    assert "The archive is not reachable" in timer.last_error
    assert types(db, instance_id) == ["instance_started", "timer_retry_scheduled",
                                      "timer_retry_scheduled", "timer_fired", "instance_error"]
    assert [e.data["attempt"] for e in event_rows(db, instance_id)
            if e.type == "timer_retry_scheduled"] == [1, 2]
    replay = assert_replays(db, instance_id)
    assert replay.status == "error"


def test_a_retry_that_succeeds_runs_the_instance_on_and_verifies(app, db):
    instance_id = start_archiving(app, db, timedelta(minutes=3))  # down for the first two tries
    fire_at(db, FIRST_DUE)
    fire_at(db, FIRST_DUE + timedelta(seconds=60))
    assert fire_at(db, FIRST_DUE + timedelta(seconds=180)) == instance_id

    instance = reload_instance(db, instance_id)
    assert instance.status == "running"
    assert instance.data["archived_at"] == (FIRST_DUE + timedelta(seconds=180)).isoformat()
    assert ready_specs(db, instance_id) == ["Task_after_archive"]
    [timer] = timer_rows(db, instance_id)
    assert (timer.status, timer.attempts) == ("fired", 2)
    assert types(db, instance_id) == ["instance_started", "timer_retry_scheduled",
                                      "timer_retry_scheduled", "timer_fired"]
    replay = assert_replays(db, instance_id)
    assert replay.status == "running"
    assert [s.type for s in replay.steps][1:3] == ["timer_retry_scheduled"] * 2
    assert replay.steps[-1].active == ["Task_after_archive"]


def test_the_attempts_and_the_first_wait_come_from_the_engine(app, db):
    from engine import engine_of
    engine = engine_of(db)
    saved = engine.timer_retry_attempts, engine.timer_retry_backoff_seconds
    engine.timer_retry_attempts, engine.timer_retry_backoff_seconds = 2, 10.0
    try:
        instance_id = start_archiving(app, db, timedelta(hours=1))
        fire_at(db, FIRST_DUE)
        [timer] = timer_rows(db, instance_id)
        assert timer.due_at == naive(FIRST_DUE + timedelta(seconds=10))
        fire_at(db, FIRST_DUE + timedelta(seconds=10))
        assert reload_instance(db, instance_id).status == "error"
    finally:
        engine.timer_retry_attempts, engine.timer_retry_backoff_seconds = saved


def test_the_settings_build_the_engine_s_retry_fields():
    from app.config import DEFAULTS
    from engine import build_engine
    assert (DEFAULTS["TIMER_RETRY_ATTEMPTS"], DEFAULTS["TIMER_RETRY_BACKOFF_SECONDS"]) == (3, 60.0)
    engine = build_engine({"TIMER_RETRY_ATTEMPTS": "5", "TIMER_RETRY_BACKOFF_SECONDS": "30"})
    assert (engine.timer_retry_attempts, engine.timer_retry_backoff_seconds) == (5, 30.0)


@pytest.mark.parametrize("isolate", [True, False])
def test_a_batch_puts_off_the_failed_instance_and_fires_the_others(app, db, isolate):
    failing = start_archiving(app, db, timedelta(hours=1))
    healthy = start(db, "t_timer_retry", {"archive_down_until": STARTED.isoformat()})
    clock.set_now(FIRST_DUE)
    db.commit()
    if isolate:
        advanced, failed = fire_due_timer_batch(db)
        assert (sorted(advanced), failed) == (sorted([failing, healthy]), [])
        db.commit()
    else:
        # The fast path cannot undo one instance alone: it gives up, and the caller rolls
        # back and fires the batch again isolated (as the scheduler does, below).
        with pytest.raises(Exception, match="The archive is not reachable"):
            fire_due_timer_batch(db, isolate=False)
        db.rollback()
        assert [t.status for t in timer_rows(db, healthy)] == ["waiting"]
        assert fire_due_timer_batch(db, isolate=True)[1] == []
        db.commit()
    [timer] = timer_rows(db, failing)
    assert (timer.status, timer.attempts) == ("waiting", 1)
    assert ready_specs(db, healthy) == ["Task_after_archive"]
    assert types(db, failing)[-1] == "timer_retry_scheduled"


@pytest.mark.committed  # real transactions and savepoints, as the scheduler has them
def test_the_scheduler_s_fast_path_puts_off_a_failed_step_the_same_way(app, db):
    failing = start_archiving(app, db, timedelta(hours=1))
    healthy = start(db, "t_timer_retry", {"archive_down_until": STARTED.isoformat()})
    db.rollback()  # SQLite: let the scheduler's session write
    clock.set_now(FIRST_DUE)
    assert fire_due_timers(app.extensions["db_sessions"]) == 2
    [timer] = timer_rows(db, failing)
    assert (timer.status, timer.attempts) == ("waiting", 1)
    assert timer.due_at == naive(FIRST_DUE + timedelta(seconds=60))
    assert types(db, failing) == ["instance_started", "timer_retry_scheduled"]
    assert reload_instance(db, failing).status == "running"
    assert ready_specs(db, healthy) == ["Task_after_archive"]
    for instance_id in (failing, healthy):
        assert_replays(db, instance_id)


def test_a_repeating_timer_waiting_again_after_a_successful_retry_starts_its_attempts_afresh(app, db):
    session = app.extensions["db_sessions"]()
    try:
        deploy_process(session, (FIXTURE.parent / "cycle_timer_then_failing_script.bpmn").read_bytes(),
                       filename="cycle_timer_then_failing_script.bpmn")
        session.commit()
    finally:
        session.close()
    clock.set_now(STARTED)
    due = STARTED + timedelta(hours=1)
    instance_id = start(db, "t_cycle_retry",
                        {"archive_down_until": (due + timedelta(minutes=3)).isoformat()})
    fire_at(db, due)
    fire_at(db, due + timedelta(seconds=60))
    [timer] = timer_rows(db, instance_id)
    assert (timer.status, timer.attempts) == ("waiting", 2)
    fire_at(db, due + timedelta(seconds=180))  # the archive is back
    instance = reload_instance(db, instance_id)
    assert instance.data["reminded_at"] == (due + timedelta(seconds=180)).isoformat()
    [timer] = timer_rows(db, instance_id)
    assert (timer.status, timer.attempts, timer.last_error) == ("waiting", 0, None)
    assert timer.due_at > naive(due + timedelta(seconds=180))
    assert_replays(db, instance_id)
