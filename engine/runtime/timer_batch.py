"""The rows a batch of due timers needs, read for all its instances at once.

A step reads the instance's ready task rows and its timer rows (engine.runtime.steps) — two
queries per instance. A timer batch (engine.runtime.timers.fire_due_timer_batch) reads them for
all its instances in two IN-queries first and leaves them here, in session.info, for each
instance's step to take once; a step with nothing here reads them itself as before. While the
batch runs, who a task is offered to (people.access.users_offered, for the staff notices of
the tasks the steps open) is read once per assignee, role, district and unit, and their
message channels once per kind (notifications.staff): the instances of a batch mostly open
the same task for the same people. On the scheduler's fast path the batch also flushes once
for all its steps (step_flush) and runs their hooks after that flush (after_step).
"""
from contextlib import contextmanager

from sqlalchemy import event, select
from sqlalchemy.orm import Session, lazyload

from models import HumanTask, Timer
from notifications.staff import CHANNELS_MEMO_KEY
from people.access import OFFERED_MEMO_KEY

BATCH_ROWS_KEY = "engine.batch_rows"  # session.info: {"tasks"|"timers": {instance id: [rows]}}
# session.info: while a batch flushes once for all its steps, what each step does after its
# flush (the step_stored hooks), run in order after the batch's one flush (firing_batch).
AFTER_STEPS_KEY = "engine.after_steps"
# session.info: (instance, new task objects, new timer rows) of each step of such a batch,
# written by Core at the batch's flush (engine.runtime.steps.insert_new_rows), before the hooks.
NEW_ROWS_KEY = "engine.batch_new_rows"


@contextmanager
def firing_batch(session, instance_ids, one_flush: bool = False):
    """Read the ready task rows and all timer rows of these instances, for their steps to take
    (take_batch_rows), and keep who tasks are offered to and their channels, while the block
    runs; all forgotten after it.

    one_flush: the steps do not flush each; their hooks wait (after_step) until the block
    ends, which flushes once and runs them in order. Only where a failure fails the whole batch
    (the scheduler's fast path): a step's rows are then not in the database until the end."""
    ids = sorted(set(instance_ids))
    tasks = {instance_id: [] for instance_id in ids}
    timers = {instance_id: [] for instance_id in ids}
    if ids:
        with session.no_autoflush:
            for row in session.scalars(select(HumanTask).options(lazyload("*")).where(
                    HumanTask.instance_id.in_(ids), HumanTask.status == "ready")):
                tasks[row.instance_id].append(row)
            # All of them, not only the waiting ones: a cycle timer that fired waits again in
            # its own row (unique per instance and spiff task), which the step must find.
            for row in session.scalars(select(Timer).where(Timer.instance_id.in_(ids))):
                timers[row.instance_id].append(row)
    session.info[BATCH_ROWS_KEY] = {"tasks": tasks, "timers": timers}
    session.info[OFFERED_MEMO_KEY] = {}
    session.info[CHANNELS_MEMO_KEY] = {}
    if one_flush:
        session.info[AFTER_STEPS_KEY] = []
        session.info[NEW_ROWS_KEY] = []
    try:
        yield
        waiting = session.info.pop(AFTER_STEPS_KEY, None)
        if waiting is not None:
            # One flush for all the steps: SQLAlchemy writes each table's new rows in one
            # statement (and the events, engine.events) instead of a flush per instance.
            session.flush()
            from engine.runtime.steps import insert_new_rows  # steps imports this module
            insert_new_rows(session, session.info.pop(NEW_ROWS_KEY, []))
            for run in waiting:
                run()
    finally:
        _forget(session)


def step_flush(session) -> None:
    """The end of a step's writes: a flush, except inside a batch that flushes once."""
    if AFTER_STEPS_KEY not in session.info:
        session.flush()


def defer_new_rows(session, instance, tasks: list, timers: list[dict]) -> bool:
    """Keep a step's new task objects and timer rows for the batch's one flush (True), or
    False outside such a batch (the step writes them itself)."""
    pending = session.info.get(NEW_ROWS_KEY)
    if pending is None:
        return False
    pending.append((instance, tasks, timers))
    return True


def after_step(session, run) -> None:
    """Run what follows a step's flush (its hooks) now, or, inside a batch that flushes once,
    after the batch's flush."""
    waiting = session.info.get(AFTER_STEPS_KEY)
    if waiting is None:
        run()
    else:
        waiting.append(run)


def take_batch_rows(session, kind: str, instance_id: int) -> list | None:
    """The rows of kind ("tasks": ready task rows, "timers": timer rows) a batch read for this
    instance, once (a second step of the same instance reads them afresh); None if none were."""
    rows = session.info.get(BATCH_ROWS_KEY)
    if rows is None:
        return None
    return rows[kind].pop(instance_id, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_batch_rows(session, transaction) -> None:
    # Committed or rolled back: the rows read may be stale from here on.
    if transaction.parent is None:
        _forget(session)


def _forget(session) -> None:
    session.info.pop(BATCH_ROWS_KEY, None)
    session.info.pop(AFTER_STEPS_KEY, None)
    session.info.pop(NEW_ROWS_KEY, None)
    session.info.pop(OFFERED_MEMO_KEY, None)
    session.info.pop(CHANNELS_MEMO_KEY, None)
