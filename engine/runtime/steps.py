"""The step every run of an instance ends with (advance_instance: run, store, index tasks and
timers), the instance's open tasks, and the bound on the data a step takes.

Starting an instance is in engine.runtime.starting, completing a task in
engine.runtime.completing, delivering a message in engine.runtime.messages. Each takes the
session and the acting user, flushes, and never commits: the request or job that called it owns
the transaction.
"""

from sqlalchemy import bindparam, event, insert, inspect, or_, select, update
from sqlalchemy.orm import ColumnProperty, Session, lazyload, make_transient_to_detached, object_session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from models import District, HumanTask, Instance, Timer, utcnow
from people import organisation
from people.catalogue import roles_of
from people.permissions import READ_ONLY_ROLES

from workcal.store import calendar_for, using_calendar
from engine.core import engine_of
from engine.decisions.runner import deciding
from models.errors import InvalidData
from engine.events import append_event
from engine.runtime.search_index import index_instance
from engine.runtime.service_queue import sync_service_calls
from engine.runtime.timer_batch import after_step, defer_new_rows, step_flush, take_batch_rows
from engine.spiff.data_bounds import DataTooLarge
from formjs import versions as form_versions
from engine.spiff.workflows import current_data, dump_workflow, ready_human_tasks, run_engine
from engine.spiff.workflow_tasks import waiting_timers
from engine.spiff.repair import failed_element
from workcal.working_time import task_due_at


# The statements of every step, built once (building one costs about as much as running it).
_OPEN_TASKS_KEY = "engine.open_tasks"  # session.info: instance id -> tasks its last step left open
# The ready rows of an instance as (id, spiff_task_id): most are in the session already (the
# task being completed); only the others are loaded as objects (_OPEN_TASK_OBJECTS).
_OPEN_TASK_IDS = select(HumanTask.id, HumanTask.spiff_task_id).where(
    HumanTask.instance_id == bindparam("instance_id"), HumanTask.status == "ready")
_OPEN_TASK_OBJECTS = select(HumanTask).options(lazyload("*")).where(
    HumanTask.id.in_(bindparam("ids", expanding=True)))
_INSTANCES = Instance.__table__
# SET comes from the parameters' keys (the columns a step changed); one statement object, so
# its cache key is computed once, not at every step.
_UPDATE_INSTANCE = update(_INSTANCES).where(_INSTANCES.c.id == bindparam("_id"),
                                            _INSTANCES.c.row_version == bindparam("_version"))
# The rows a step adds: Core INSERTs after the step's flush (the unit of work's per-object
# bookkeeping was most of a step's write; issue 21). The tasks' ids come back (RETURNING, in
# the order sent) and their objects join the session as loaded rows; the timers' are not needed.
_INSERT_TASKS = insert(HumanTask.__table__).returning(HumanTask.__table__.c.id,
                                                      sort_by_parameter_order=True)
_INSERT_TIMERS = insert(Timer.__table__)
_INSERTED_TASKS_KEY = "engine.inserted_tasks"  # session.info: (transaction, task) insert_new_rows wrote
_TASK_COLUMNS = tuple(column.key for column in HumanTask.__table__.columns if column.key != "id")
_TIMER_ROWS = select(Timer).where(Timer.instance_id == bindparam("instance_id"), or_(
    Timer.status == "waiting", Timer.spiff_task_id.in_(bindparam("spiff_task_ids", expanding=True))))


def advance_instance(session, instance: Instance, workflow, actor, *, new: bool = False,
                     completed: HumanTask | None = None, first=None) -> None:
    """Run the engine, then write state, task index, timers and events together.

    new: the instance was created in this transaction (it has no task rows to look up yet).
    completed: the task whose completion moved it (for the hooks after the step, e.g. notices).
    first: run on the workflow before the engine, failing the same way (a retry's re-run).
    """
    # Working-time helpers, timers and due dates count on the calendar of the instance's district.
    with using_calendar(calendar_for(session, instance.district_id)), deciding(session, instance):
        try:
            if first is not None:
                first(workflow)
            run_engine(workflow)
        except Exception as exc:  # noqa: BLE001 - any failure of a diagram's code stops the instance
            note_failure(instance, workflow, exc)
            append_event(session, instance, "instance_error", actor=actor,
                         data={"message": instance.error_message})
        opened = store_state(session, instance, workflow, actor, new=new)
    hooks = engine_of(session).hooks.step_stored
    # Now, or after the one flush of a timer batch (engine.runtime.timer_batch).
    after_step(session, lambda: [hook(session, instance, completed, opened, new) for hook in hooks])


def note_failure(instance: Instance, workflow, exc: Exception) -> None:
    """Put the instance in error: the (English) message, the element that failed, when, and
    one more failure (the incidents list, engine.runtime.incidents)."""
    instance.status = "error"
    instance.error_message = str(exc).strip() or exc.__class__.__name__
    failed = failed_element(workflow)
    instance.failed_element, instance.failed_element_name = failed if failed else (None, None)
    instance.failed_at = utcnow()
    instance.failure_count = (instance.failure_count or 0) + 1
    for hook in engine_of(session := object_session(instance)).hooks.instance_failed:
        hook(session, instance)  # who may repair it is told (programmes.staff.incidents)


def store_state(session, instance: Instance, workflow, actor, new: bool = False) -> list:
    """Store the workflow (state, data, completion), then the task index and timers; one flush.
    Returns the tasks this step opened."""
    now = utcnow()
    instance.state_json = dump_workflow(workflow)
    instance.data = current_data(workflow)
    instance.updated_at = now
    index_instance(session, instance)  # what it is found by: a few microseconds of text work
    if instance.status != "error" and workflow.is_completed():
        instance.status = "completed"
        instance.completed_at = now
        append_event(session, instance, "instance_completed", actor=actor)
        engine_of(session).hooks.instance_completed_in(session, instance)
    # One flush for the whole step, at the end: the queries below must not flush first (each
    # autoflush is a pass over the session). They therefore see this transaction's unflushed
    # changes only on objects already loaded, which is why they look at each row's status.
    with session.no_autoflush:
        opened = _sync_human_tasks(session, instance, workflow, now, new)
        new_timers = _sync_timers(session, instance, workflow)
        sync_service_calls(session, instance, workflow)  # calls made after commit
    write_instance(session, instance)
    step_flush(session)  # a timer batch flushes once for all its steps
    # New rows by Core; a timer batch that flushes once writes all its steps' at its flush.
    if not defer_new_rows(session, instance, opened, new_timers):
        insert_new_rows(session, [(instance, opened, new_timers)])
    return opened


def insert_new_rows(session, steps: list[tuple[Instance, list[HumanTask], list[dict]]]) -> None:
    """Write the new task rows of these steps (instance, tasks, timer rows) with one Core
    INSERT ... RETURNING id and their timer rows with one executemany, then put the task objects
    in the session as loaded rows (clean: a later change of one is an ORM UPDATE as usual), with
    their instance, district and (none yet) users set, so reading them costs no query."""
    timers = [row for _instance, _tasks, rows in steps for row in rows]
    if timers:
        session.connection().execute(_INSERT_TIMERS, timers)
    pairs = [(instance, task) for instance, tasks, _rows in steps for task in tasks]
    if not pairs:
        return
    rows = [{key: getattr(task, key) for key in _TASK_COLUMNS} for _instance, task in pairs]
    ids = session.connection().execute(_INSERT_TASKS, rows).scalars().all()
    for (instance, task), task_id in zip(pairs, ids):
        district = instance.__dict__.get("district") or session.identity_map.get(
            session.identity_key(District, instance.district_id))
        task.id = task_id
        set_committed_value(task, "instance", instance)
        set_committed_value(task, "assignee", None)
        set_committed_value(task, "completed_by", None)
        if district is not None:
            set_committed_value(task, "district", district)
        make_transient_to_detached(task)
        session.add(task)
    # A rollback must take them out of the session again, as the ORM does with rows it inserted.
    written = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_INSERTED_TASKS_KEY, []).extend((written, task) for _i, task in pairs)


def write_instance(session, instance: Instance) -> None:
    """Write the instance row's changed columns with one Core UPDATE, checking and bumping its
    row_version as the ORM's flush would (StaleDataError when another transaction changed it
    first: the caller answers 409), and mark them written in the session.

    The ORM's unit of work cost a third of a step's CPU (issue 21). An instance not yet in the
    database, or with a changed relationship or an unloaded version, is left to the flush.
    """
    state = inspect(instance)
    if state.key is None or not state.committed_state or "row_version" not in state.dict:
        return
    attrs = state.mapper.attrs
    keys = list(state.committed_state)
    if any(not isinstance(attrs.get(key), ColumnProperty) or key == "row_version" for key in keys):
        return
    values = {attrs[key].columns[0].name: state.dict[key] for key in keys if key in state.dict}
    version = state.dict["row_version"]
    result = session.connection().execute(
        _UPDATE_INSTANCE, {**values, "row_version": version + 1, "_id": instance.id,
                           "_version": version})
    if result.rowcount != 1:
        raise StaleDataError(f"UPDATE statement on table 'instances' expected to update 1 row(s); "
                             f"{result.rowcount} were matched.")
    for key in keys:
        if key in state.dict:
            set_committed_value(instance, key, state.dict[key])
    set_committed_value(instance, "row_version", version + 1)
    if "search_vector" in state.dict:  # computed from search_text by the database
        session.expire(instance, ["search_vector"])


def _sync_human_tasks(session, instance, workflow, now, new: bool = False) -> list[HumanTask]:
    """Bring the task index in line with the workflow; return the tasks this step opened."""
    ready = {t.spiff_task_id: t for t in ready_human_tasks(workflow)} \
        if instance.status == "running" else {}
    open_rows = [] if new else _open_rows(session, instance)
    still_open = []
    for row in open_rows:
        if row.status != "ready":
            continue  # completed in this transaction (not flushed yet)
        if row.spiff_task_id not in ready:
            row.status = "cancelled"  # withdrawn by the engine, e.g. an interrupting timer
        else:
            still_open.append(row)
        ready.pop(row.spiff_task_id, None)
    lanes = instance.version.lanes or {}
    for task in ready.values():
        role = task_role(session, task, lanes)
        still_open.append(HumanTask(
            instance_id=instance.id, spiff_task_id=task.spiff_task_id,
            process_key=instance.process_key, task_spec=task.task_spec, name=task.name,
            lane=task.lane, role=role, district_id=instance.district_id,
            unit_id=organisation.routed_unit(session, task.unit, role,
                                             instance.district_id) if task.unit else None,
            # The task keeps the version of its form that is the latest now.
            form_key=task.form_key,
            form_version=form_versions.number_for_new_task(session, task.form_key) if task.form_key else None,
            status="ready", created_at=now, assignee_id=None, completed_at=None,
            completed_by_id=None, due_at=task.due_at or task_due_at(now, task.due)))
    # Not added to the session: store_state writes them after the step's flush (insert_new_rows).
    opened = still_open[len(still_open) - len(ready):]
    # What the step left open, for open_tasks(): a caller answering the request needs no query.
    session.info.setdefault(_OPEN_TASKS_KEY, {})[instance.id] = still_open
    return opened


def _open_rows(session, instance) -> list[HumanTask]:
    """The instance's ready rows in the database: those in the session as they are there (a
    task completed in this transaction keeps its new status), the others loaded."""
    batched = take_batch_rows(session, "tasks", instance.id)  # a timer batch read them already
    if batched is not None:
        return batched
    rows, missing = [], []
    for task_id, _spiff_id in session.execute(_OPEN_TASK_IDS, {"instance_id": instance.id}):
        known = session.identity_map.get(session.identity_key(HumanTask, task_id))
        if known is not None:
            rows.append(known)
        else:
            missing.append(task_id)
    if missing:
        rows.extend(session.scalars(_OPEN_TASK_OBJECTS, {"ids": missing}))
    return rows


def task_role(session, task, lanes: dict) -> str | None:
    """The role a ready task is offered to: the one its candidateRole expression gave when that
    is a known role's code that may act (a staff complaint's review goes to inspection), else
    its lane's."""
    if task.role and task.role not in READ_ONLY_ROLES and roles_of(session).is_role(task.role):
        return task.role
    return lanes.get(task.lane)


def opened_in_transaction(session, task: HumanTask) -> bool:
    """Whether a step of this session's transaction wrote the task's row (so nothing stored
    before can refer to it, e.g. a notification of it)."""
    return any(row is task for _written, row in session.info.get(_INSERTED_TASKS_KEY, ()))


@event.listens_for(Session, "after_transaction_end")
def _forget_open_tasks(session, transaction) -> None:
    # Committed or rolled back: other transactions may change the tasks from here on.
    if transaction.parent is None:
        session.info.pop(_OPEN_TASKS_KEY, None)
        session.info.pop(_INSERTED_TASKS_KEY, None)


@event.listens_for(Session, "after_soft_rollback")
def _expunge_rolled_back_tasks(session, previous_transaction) -> None:
    # Task rows insert_new_rows wrote in the transaction (or savepoint) rolled back, or in one
    # inside it, are gone: their objects leave the session (the ORM does so for its own inserts).
    inserted = session.info.get(_INSERTED_TASKS_KEY)
    if not inserted:
        return
    kept = []
    for written, task in inserted:
        inside = written
        while inside is not None and inside is not previous_transaction:
            inside = inside.parent
        if inside is None:
            kept.append((written, task))
        elif task in session:
            session.expunge(task)
    session.info[_INSERTED_TASKS_KEY] = kept
    known = session.info.get(_OPEN_TASKS_KEY)
    if known and len(kept) != len(inserted):
        session.info.pop(_OPEN_TASKS_KEY, None)  # may name expunged tasks: read from the index


def open_tasks(session, instance: Instance) -> list[HumanTask]:
    """The instance's ready tasks: as the last step of this session left them, or from the index."""
    known = session.info.get(_OPEN_TASKS_KEY, {}).get(instance.id)
    if known is not None:
        return [task for task in known if task.status == "ready"]
    return list(session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                        HumanTask.status == "ready")))


def _sync_timers(session, instance, workflow) -> list[dict]:
    """Bring the timer rows in line with the workflow; return the rows to add (store_state
    writes them after its flush)."""
    waiting = {t.spiff_task_id: t for t in waiting_timers(workflow)} \
        if instance.status == "running" else {}
    if not waiting and instance.waiting_timer_count == 0:
        return []  # no timer waits, none waited before: nothing to read or write
    # The waiting rows, and the rows of timers waiting again (a cycle timer after it fired).
    rows = take_batch_rows(session, "timers", instance.id)  # all of them, from a timer batch
    if rows is None:
        rows = session.scalars(_TIMER_ROWS, {"instance_id": instance.id,
                                             "spiff_task_ids": list(waiting)}).all()
    by_spiff_id = {row.spiff_task_id: row for row in rows}
    pending = dict(waiting)
    added = []
    for row in rows:
        if row.status != "waiting":
            continue  # fired or cancelled, possibly in this transaction (engine.runtime.timers)
        if row.spiff_task_id in pending:
            row.due_at = pending.pop(row.spiff_task_id).due_at
        else:
            row.status = "cancelled"
    for timer in pending.values():
        existing = by_spiff_id.get(timer.spiff_task_id)
        if existing is not None:
            existing.status, existing.due_at, existing.fired_at = "waiting", timer.due_at, None
            existing.waiting_since = utcnow()
        else:
            added.append({"instance_id": instance.id, "spiff_task_id": timer.spiff_task_id,
                          "task_spec": timer.task_spec, "due_at": timer.due_at})
    instance.waiting_timer_count = len(waiting)
    return added

def check_submitted_bounds(session, data, what: str = "the submitted data") -> None:
    """InvalidData if submitted data is over the engine's size or depth bound (as a script's
    result would be), before anything looks into it."""
    try:
        engine_of(session).check_data(data, what)
    except DataTooLarge as exc:
        kind, _what, limit = exc.params
        if kind == "depth":
            raise InvalidData("The submitted data nests deeper than {limit} levels.",
                              {"data": "too deep"}, limit=limit) from None
        raise InvalidData("The submitted data is larger than {limit} bytes.",
                          {"data": "too large"}, limit=limit) from None
