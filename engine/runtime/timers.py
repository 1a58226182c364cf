"""Fire due timers: claim rows from the timer table and advance their instances.

fire_next_due_timers handles one instance, fire_due_timer_batch a batch of them, in the
caller's transaction. On PostgreSQL the
timer rows are claimed with FOR UPDATE SKIP LOCKED and the instance row is
locked, so several scheduler processes can poll together and each timer fires once.
"""
import logging

from sqlalchemy import select
from sqlalchemy.orm import undefer

from models import Instance, Timer, utcnow

from engine.events import append_event
from engine.runtime.steps import advance_instance
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


def _fire(session, instance: Instance, due: list[Timer]) -> None:
    if instance.status != "running":
        for timer in due:  # a suspended instance's timers wait for its resumption (incidents)
            timer.status = "suspended" if instance.status == "suspended" else "cancelled"
        session.flush()
        return
    workflow = engine_of(session).load_workflow(instance.state_json, instance.version)
    for timer in due:
        # Mark before running so the state sync below does not see them as withdrawn.
        timer.status, timer.fired_at = "fired", utcnow()
        append_event(session, instance, "timer_fired", task_spec=timer.task_spec,
                     spiff_task_id=timer.spiff_task_id, data={"due_at": timer.due_at.isoformat()})
    make_timers_due(workflow, [timer.spiff_task_id for timer in due])
    advance_instance(session, instance, workflow, None)


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
    _fire(session, instance, due)
    return instance.id


def fire_due_timer_batch(session, now=None, limit: int = 50, skip_instance_ids=(),
                         isolate: bool = True) -> tuple[list[int], list[int]]:
    """Fire the earliest `limit` due timers of several instances in one transaction.

    Returns (advanced instance ids, failed instance ids). isolate: each instance in a
    savepoint; a failing one is rolled back alone, its timers stay due, the others go on.
    Without it a failure propagates (two statements fewer per instance: the scheduler's fast
    path, which retries isolated when a batch fails). One commit for the whole batch (the
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
    for instance in instances:
        if not isolate:
            _fire(session, instance, by_instance[instance.id])
            advanced.append(instance.id)
            continue
        try:
            with session.begin_nested():
                _fire(session, instance, by_instance[instance.id])
        except Exception:  # noqa: BLE001 - one broken instance must not stop the others
            log.exception("firing the timers of instance %s failed", instance.id)
            failed.append(instance.id)
        else:
            advanced.append(instance.id)
    return advanced, failed
