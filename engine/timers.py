"""Fire due timers: claim rows from the timer table and advance their instances.

Each call handles one instance in the caller's transaction. On PostgreSQL the
timer rows are claimed with FOR UPDATE SKIP LOCKED and the instance row is
locked, so several scheduler processes can poll together and each timer fires once.
"""
from sqlalchemy import select
from sqlalchemy.orm import undefer

from models import Instance, Timer, utcnow

from .events import append_event
from .runtime import advance_instance
from .workflows import load_workflow, make_timers_due


def _locking(session, query, of, skip_locked=False):
    if session.get_bind().dialect.name == "postgresql":
        # "of": lock only this table's rows, not the eagerly joined ones.
        return query.with_for_update(of=of, skip_locked=skip_locked)
    return query  # SQLite: every transaction already holds the write lock (BEGIN IMMEDIATE)


def fire_next_due_timers(session, now=None, skip_instance_ids=()) -> int | None:
    """Fire the due timers of one instance; return its id, or None when nothing is due."""
    now = now or utcnow()
    query = select(Timer).where(Timer.status == "waiting", Timer.due_at <= now)
    if skip_instance_ids:
        query = query.where(Timer.instance_id.notin_(list(skip_instance_ids)))
    first = session.scalars(_locking(session, query.order_by(Timer.due_at).limit(1), Timer,
                                     skip_locked=True)).first()
    if first is None:
        return None
    instance = session.scalars(_locking(session, select(Instance).options(
        undefer(Instance.state_json)).where(Instance.id == first.instance_id), Instance)).one()
    due = session.scalars(_locking(session, select(Timer).where(
        Timer.instance_id == instance.id, Timer.status == "waiting", Timer.due_at <= now),
        Timer, skip_locked=True)).all()
    if instance.status != "running":
        for timer in due:
            timer.status = "cancelled"
        session.flush()
        return instance.id
    workflow = load_workflow(instance.state_json, instance.version)
    for timer in due:
        # Mark before running so the state sync below does not see them as withdrawn.
        timer.status, timer.fired_at = "fired", utcnow()
        append_event(session, instance, "timer_fired", task_spec=timer.task_spec,
                     spiff_task_id=timer.spiff_task_id, data={"due_at": timer.due_at.isoformat()})
    make_timers_due(workflow, [timer.spiff_task_id for timer in due])
    advance_instance(session, instance, workflow, None)
    return instance.id
