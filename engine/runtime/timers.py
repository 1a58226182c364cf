"""Fire due timers: claim rows from the timer table and advance their instances.

fire_next_due_timers handles one instance, fire_due_timer_batch a batch of them, in the
caller's transaction. On PostgreSQL the
timer rows are claimed with FOR UPDATE SKIP LOCKED and the instance row is
locked, so several scheduler processes can poll together and each timer fires once.

A step started by a timer that fails (a script raises) is tried again with backoff: the step is
undone (a savepoint), the timer stays waiting with a later due_at and one more failed attempt,
and "timer_retry_scheduled" is appended in the caller's transaction. The failure of the last of
Engine.timer_retry_attempts stops the instance as any failed step does (advance_instance).
"""
import logging
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import undefer
from sqlalchemy.orm.attributes import set_committed_value

from models import Instance, Timer, utcnow

from engine.events import append_event
from engine.runtime.steps import _OPEN_TASKS_KEY, advance_instance
from engine.runtime.timer_batch import firing_batch
from engine.core import engine_of
from engine.spiff.workflow_tasks import make_timers_due

log = logging.getLogger(__name__)


def _locking(session, query, of, skip_locked=False):
    if session.get_bind().dialect.name == "postgresql":
        # "of": lock only this table's rows, not the eagerly joined ones.
        return query.with_for_update(of=of, skip_locked=skip_locked)
    return query  # SQLite: every transaction already holds the write lock (BEGIN IMMEDIATE)


def _due_timers_query(now, skip_instance_ids):
    query = select(Timer).where(Timer.status == "waiting", Timer.due_at <= now)
    if skip_instance_ids:
        query = query.where(Timer.instance_id.notin_(list(skip_instance_ids)))
    return query.order_by(Timer.due_at)


class _StepFailed(Exception):
    """The step after due timers failed and they have attempts left: undo it, try it later."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _fire(session, instance: Instance, due: list[Timer], marked: bool = False) -> None:
    """Fire the instance's due timers and run it on; _StepFailed if that failed and the
    timers have attempts left (the caller undoes the step: its savepoint). marked: the rows
    say "fired" already (_mark_fired)."""
    if instance.status != "running":
        for timer in due:  # a suspended instance's timers wait for its resumption (incidents)
            timer.status = "suspended" if instance.status == "suspended" else "cancelled"
        session.flush()
        return
    engine = engine_of(session)
    workflow = engine.load_workflow(instance.state_json, instance.version)
    for timer in due:
        # Mark before running so the state sync below does not see them as withdrawn.
        if not marked:
            timer.status, timer.fired_at = "fired", utcnow()
        for hook in engine.hooks.timer_fired:
            hook(session, instance, timer, timer.fired_at or utcnow())
        append_event(session, instance, "timer_fired", task_spec=timer.task_spec,
                     spiff_task_id=timer.spiff_task_id, data={"due_at": timer.due_at.isoformat()})
    make_timers_due(workflow, [timer.spiff_task_id for timer in due])
    attempt = max(timer.attempts or 0 for timer in due) + 1
    advance_instance(session, instance, workflow, None)
    if instance.status != "error":
        for timer in due:  # a cycle timer waiting again starts its attempts afresh
            if timer.status == "waiting":
                timer.attempts, timer.last_error = 0, None
        return
    if attempt < engine_of(session).timer_retry_attempts:
        raise _StepFailed(instance.error_message or "")
    for timer in due:  # the last attempt failed: the instance stopped; the row says how often
        timer.attempts, timer.last_error = attempt, instance.error_message


def _fire_or_put_off(session, instance: Instance, due: list[Timer], now) -> None:
    """_fire in a savepoint; a failed step with attempts left is undone and retried later."""
    try:
        with session.begin_nested():
            _fire(session, instance, due)
    except _StepFailed as failure:
        _put_off(session, instance, due, failure.message, now)


def _put_off(session, instance: Instance, due: list[Timer], message: str, now) -> None:
    """After an undone step: the timers wait again, each next attempt twice as long after."""
    # The step's open tasks (engine.runtime.steps.open_tasks) were undone with it.
    session.info.get(_OPEN_TASKS_KEY, {}).pop(instance.id, None)
    engine = engine_of(session)
    for timer in due:
        timer.attempts = (timer.attempts or 0) + 1
        timer.last_error = message
        timer.due_at = now + timedelta(
            seconds=engine.timer_retry_backoff_seconds * 2 ** (timer.attempts - 1))
        append_event(session, instance, "timer_retry_scheduled", task_spec=timer.task_spec,
                     spiff_task_id=timer.spiff_task_id,
                     data={"attempt": timer.attempts, "attempts": engine.timer_retry_attempts,
                           "due_at": timer.due_at.isoformat(), "message": message})
    session.flush()


def _mark_fired(session, timers: list[Timer]) -> None:
    """The batch's timers of running instances marked fired in one statement, not one UPDATE in
    each instance's flush (the fast path only: a failure there rolls the whole batch back)."""
    if not timers:
        return
    now = utcnow()
    session.execute(update(Timer).where(Timer.id.in_([timer.id for timer in timers]))
                    .values(status="fired", fired_at=now)
                    .execution_options(synchronize_session=False))
    for timer in timers:  # what the row now holds: the flush has nothing to write for them
        set_committed_value(timer, "status", "fired")
        set_committed_value(timer, "fired_at", now)


def fire_next_due_timers(session, now=None, skip_instance_ids=()) -> int | None:
    """Fire the due timers of one instance; return its id, or None when nothing is due."""
    now = now or utcnow()
    first = session.scalars(_locking(session, _due_timers_query(now, skip_instance_ids).limit(1),
                                     Timer, skip_locked=True)).first()
    if first is None:
        return None
    instance = session.scalars(_locking(session, select(Instance).options(
        undefer(Instance.state_json)).where(Instance.id == first.instance_id), Instance)).one()
    due = session.scalars(_locking(session, select(Timer).where(
        Timer.instance_id == instance.id, Timer.status == "waiting", Timer.due_at <= now),
        Timer, skip_locked=True)).all()
    _fire_or_put_off(session, instance, due, now)
    return instance.id


def fire_due_timer_batch(session, now=None, limit: int = 50, skip_instance_ids=(),
                         isolate: bool = True) -> tuple[list[int], list[int]]:
    """Fire the earliest `limit` due timers of several instances in one transaction.

    Returns (advanced instance ids, failed instance ids). isolate: each instance in a
    savepoint; a failing one is rolled back alone, its timers stay due, the others go on; one
    whose step failed with attempts left is rolled back alone and its timers put off (it counts
    as advanced). Without it a failure propagates, a failed step with attempts left too (two
    statements fewer per instance: the scheduler's fast path, which retries isolated when a
    batch fails, and so puts those timers off the same way). One commit for the whole batch (the
    caller's) instead of one per instance is what lets a scheduler keep up with thousands of
    timers due in the same minute (bench/timers_due.py).
    """
    now = now or utcnow()
    claimed = session.scalars(_locking(session, _due_timers_query(now, skip_instance_ids)
                                       .limit(limit), Timer, skip_locked=True)).all()
    by_instance: dict[int, list[Timer]] = {}
    for timer in claimed:
        by_instance.setdefault(timer.instance_id, []).append(timer)
    if not by_instance:
        return [], []
    # Locked in id order, so that two schedulers never wait on each other in a cycle.
    instances = session.scalars(_locking(session, select(Instance).options(
        undefer(Instance.state_json)).where(Instance.id.in_(list(by_instance)))
        .order_by(Instance.id), Instance)).all()
    advanced, failed = [], []
    if not isolate:
        _mark_fired(session, [timer for instance in instances if instance.status == "running"
                              for timer in by_instance[instance.id]])
    # The steps' task and timer rows: two IN-queries for the batch, not two per instance;
    # who the opened tasks are offered to: once per role and place, not once per instance.
    # Without isolation a failure fails the whole batch anyway: one flush for all its steps.
    with firing_batch(session, [instance.id for instance in instances
                                if instance.status == "running"], one_flush=not isolate):
        for instance in instances:
            if not isolate:
                _fire(session, instance, by_instance[instance.id], marked=True)
                advanced.append(instance.id)
                continue
            try:
                with session.begin_nested():
                    _fire(session, instance, by_instance[instance.id])
            except _StepFailed as failure:  # the savepoint undid the step: only put timers off
                _put_off(session, instance, by_instance[instance.id], failure.message, now)
                advanced.append(instance.id)
            except Exception:  # noqa: BLE001 - one broken instance must not stop the others
                log.exception("firing the timers of instance %s failed", instance.id)
                failed.append(instance.id)
            else:
                advanced.append(instance.id)
    return advanced, failed
