"""Domain functions that run instances: start, complete a task, deliver a message; and the
step every one of them ends with (advance_instance: run, store, index tasks and timers).

Each takes the session and the acting user, flushes, and never commits: the
request or job that called it owns the transaction.
"""

from sqlalchemy import bindparam, event, or_, select
from sqlalchemy.orm import Session, joinedload, lazyload, object_session, undefer

from models import District, HumanTask, Instance, ProcessVersion, Timer, User, utcnow
from people import access, organisation
from people.catalogue import roles_of
from people.permissions import READ_ONLY_ROLES

from workcal.jalali import local_today
from workcal.store import calendar_for, using_calendar, zone_of
from engine.core import engine_of
from models.errors import Conflict, Forbidden, InvalidData, NotFound, WorkflowError
from engine.events import GENESIS_SHA256, append_event
from engine.spiff.data_bounds import DataTooLarge
from formjs import versions as form_versions
from formjs.forms import (FormNotFound, form_fields, load_form, readonly_fields,
                          validate_submission)
from engine.spiff.workflows import (current_data, deliver_message, dump_workflow,
                                    external_message_names, find_ready_task, ready_human_tasks,
                                    run_engine, start_data_declared, waiting_message_names,
                                    waiting_message_roles, waiting_timers)
from workcal.working_time import task_due_at


# The statements of every step, built once (building one costs about as much as running it).
_LATEST_VERSION = (select(ProcessVersion).where(ProcessVersion.process_key == bindparam("key"))
                   .order_by(ProcessVersion.version.desc()).limit(1))
_OPEN_TASKS_KEY = "engine.open_tasks"  # session.info: instance id -> tasks its last step left open
_OPEN_TASK_ROWS = select(HumanTask).options(lazyload("*")).where(
    HumanTask.instance_id == bindparam("instance_id"), HumanTask.status == "ready")
_TIMER_ROWS = select(Timer).where(Timer.instance_id == bindparam("instance_id"), or_(
    Timer.status == "waiting", Timer.spiff_task_id.in_(bindparam("spiff_task_ids", expanding=True))))
# A task to complete: its instance with the stored workflow, in one query. Its district and
# users are not joined: the acting user and the districts are in the session already.
_TASK_WITH_STATE = (joinedload(HumanTask.instance).undefer(Instance.state_json),
                    lazyload(HumanTask.district), lazyload(HumanTask.assignee),
                    lazyload(HumanTask.completed_by))
_INSTANCE_WITH_STATE = (undefer(Instance.state_json),)


def latest_version(session, process_key: str) -> ProcessVersion:
    """The newest deployed version of a process, or NotFound."""
    version = session.scalars(_LATEST_VERSION, {"key": process_key}).first()
    if version is None:
        raise NotFound("No process {key} is deployed.", key=process_key)
    return version


def advance_instance(session, instance: Instance, workflow, actor, *, new: bool = False,
                     completed: HumanTask | None = None) -> None:
    """Run the engine, then write state, task index, timers and events together.

    new: the instance was created in this transaction (it has no task rows to look up yet).
    completed: the task whose completion moved it (for the hooks after the step, e.g. notices).
    """
    # Working-time helpers, timers and due dates count on the calendar of the instance's district.
    with using_calendar(calendar_for(session, instance.district_id)):
        try:
            run_engine(workflow)
        except Exception as exc:  # noqa: BLE001 - any failure of a diagram's code stops the instance
            instance.status = "error"
            instance.error_message = str(exc).strip() or exc.__class__.__name__
            append_event(session, instance, "instance_error", actor=actor,
                         data={"message": instance.error_message})
        opened = _store_state(session, instance, workflow, actor, new=new)
    for hook in engine_of(session).hooks.step_stored:
        hook(session, instance, completed, opened, new)


def _store_state(session, instance: Instance, workflow, actor, new: bool = False) -> list:
    now = utcnow()
    instance.state_json = dump_workflow(workflow)
    instance.data = current_data(workflow)
    instance.updated_at = now
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
        _sync_timers(session, instance, workflow)
    session.flush()
    return opened


def _sync_human_tasks(session, instance, workflow, now, new: bool = False) -> list[HumanTask]:
    """Bring the task index in line with the workflow; return the tasks this step opened."""
    ready = {t.spiff_task_id: t for t in ready_human_tasks(workflow)} \
        if instance.status == "running" else {}
    open_rows = [] if new else session.scalars(_OPEN_TASK_ROWS, {"instance_id": instance.id}).all()
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
            status="ready", created_at=now,
            due_at=task.due_at or task_due_at(now, task.due)))
    opened = still_open[len(still_open) - len(ready):]
    session.add_all(opened)
    # What the step left open, for open_tasks(): a caller answering the request needs no query.
    session.info.setdefault(_OPEN_TASKS_KEY, {})[instance.id] = still_open
    return opened


def task_role(session, task, lanes: dict) -> str | None:
    """The role a ready task is offered to: the one its candidateRole expression gave when that
    is a known role's code that may act (a staff complaint's review goes to inspection), else
    its lane's."""
    if task.role and task.role not in READ_ONLY_ROLES and roles_of(session).is_role(task.role):
        return task.role
    return lanes.get(task.lane)


@event.listens_for(Session, "after_transaction_end")
def _forget_open_tasks(session, transaction) -> None:
    # Committed or rolled back: other transactions may change the tasks from here on.
    if transaction.parent is None:
        session.info.pop(_OPEN_TASKS_KEY, None)


def open_tasks(session, instance: Instance) -> list[HumanTask]:
    """The instance's ready tasks: as the last step of this session left them, or from the index."""
    known = session.info.get(_OPEN_TASKS_KEY, {}).get(instance.id)
    if known is not None:
        return [task for task in known if task.status == "ready"]
    return list(session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                        HumanTask.status == "ready")))


def _sync_timers(session, instance, workflow) -> None:
    waiting = {t.spiff_task_id: t for t in waiting_timers(workflow)} \
        if instance.status == "running" else {}
    if not waiting and instance.waiting_timer_count == 0:
        return  # no timer waits, none waited before: nothing to read or write
    # The waiting rows, and the rows of timers waiting again (a cycle timer after it fired).
    rows = session.scalars(_TIMER_ROWS, {"instance_id": instance.id,
                                         "spiff_task_ids": list(waiting)}).all()
    by_spiff_id = {row.spiff_task_id: row for row in rows}
    pending = dict(waiting)
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
        else:
            session.add(Timer(instance_id=instance.id, spiff_task_id=timer.spiff_task_id,
                              task_spec=timer.task_spec, due_at=timer.due_at))
    instance.waiting_timer_count = len(waiting)


def start_instance(session, process_key: str, user: User, district_id: int,
                   data: dict | None = None, title: str = "") -> Instance:
    """Start the latest version of a process in a district and run it to its first wait."""
    district = session.get(District, district_id) if district_id is not None else None
    if district is None:
        raise InvalidData("Unknown district.", {"district": "Unknown district."})
    if not access.can_start_in_district(user, district.id):
        raise Forbidden("You hold no role in this district.")
    return start_instance_for(session, process_key, user, district, data, title)


def check_start_data(session, process_key: str, data) -> None:
    """A caller from outside (the API) starts an instance only with data its diagram takes:
    the fields of its start form (the form of the task it opens first, which shows them as a
    draft, a read-only field excepted) and the keys its start event declares (startDataKeys).
    Any other key could set what the process computes itself (a deadline, a date of receipt).
    InvalidData names each other key."""
    if data is None:
        return
    if not isinstance(data, dict):
        raise InvalidData("data must be an object.", {"data": "must be an object"})
    keys, forms = start_data_declared(latest_version(session, process_key))
    for form_key in forms:
        try:
            fields = form_fields(load_form(form_key, session=session))
        except (FormNotFound, ValueError):
            continue  # refused at deploy; nothing of it is accepted
        keys.update(field["path"].split(".")[0].split("[")[0] for field in fields
                    if not field["readonly"])
    unknown = sorted(str(key) for key in data if key not in keys)
    if unknown:
        raise InvalidData("This process does not take {keys} at its start.",
                          {key: "not a start field of this process" for key in unknown},
                          keys=", ".join(unknown))


def start_instance_for(session, process_key: str, actor: User, district: District,
                       data: dict | None = None, title: str = "",
                       tracking_prefix: str | None = None) -> Instance:
    """Start a process on behalf of actor without checking roles (callers check access).

    The citizen portal and Open311 start instances for citizens, who hold no role;
    tracking_prefix: passed to the instance_starting hooks (a tracking code's prefix for an
    instance whose process has none).
    """
    if data is not None and not isinstance(data, dict):
        raise InvalidData("data must be an object.", {"data": "must be an object"})
    check_submitted_bounds(session, data or {})
    version = latest_version(session, process_key)
    data = dict(data or {})
    instance = Instance(process_version_id=version.id, version=version, process_key=process_key,
                        district_id=district.id, status="running", title=title or version.name,
                        state_json="{}", started_by_id=actor.id,
                        last_event_seq=0, last_event_sha256=GENESIS_SHA256, waiting_timer_count=0)
    engine = engine_of(session)
    for hook in engine.hooks.instance_starting:  # e.g. a tracking code, also into its data
        hook(session, instance, data, tracking_prefix)
    instance.data = dict(data)
    workflow = engine.new_workflow(version, data)
    session.add(instance)
    session.flush()
    append_event(session, instance, "instance_started", actor=actor,
                 data={"version": version.version, "content_sha256": version.content_sha256,
                       "district": district.code, "data": data})
    for hook in engine.hooks.instance_started:
        hook(session, instance, actor)
    advance_instance(session, instance, workflow, actor, new=True)
    return instance


def get_task(session, task_id: int, user: User, with_state: bool = False) -> HumanTask:
    """A task the user may act on, or NotFound / Forbidden.

    with_state: load the instance's stored workflow (state_json) in the same query.
    """
    task = session.get(HumanTask, task_id, options=_TASK_WITH_STATE if with_state else None)
    if task is None:
        raise NotFound("Task {task_id} does not exist.", task_id=task_id)
    # Viewers who cannot act see a task once it is done; read-only roles (auditors) see open
    # ones too: every action re-checks can_act_on_task, which never holds for them.
    if not access.can_act_on_task(user, task) and not (
            (task.status != "ready" or access.is_read_only(user))
            and access.can_view_instance(user, task.instance)):
        raise Forbidden("This task belongs to another role or district.")
    return task


def require_ready(task: HumanTask) -> None:
    if task.status == "completed":
        who = task.completed_by.display_name if task.completed_by else "someone else"
        raise Conflict("This task was already completed by {who}.",
                       {"completed_by": task.completed_by.username if task.completed_by else None},
                       who=who)
    if task.status != "ready" or task.instance.status != "running":
        raise Conflict("This task is no longer open.", {"status": task.status})


def require_free_for(task: HumanTask, user: User) -> None:
    # The substitute of the assignee (people.access) may take over the task while standing in.
    if task.assignee_id not in (None, user.id) and not access.stands_in_for(user, task.assignee_id):
        raise Conflict("This task is claimed by {who}.", {"assignee": task.assignee.username},
                       who=task.assignee.display_name)


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


def validate_task_data(task: HumanTask, data, locale: str = "fa", server_keys=()) -> dict:
    """Check submitted data against the task's form; InvalidData with per-field messages.

    server_keys: fields whose value the server gives (hooks shown_data), read-only here: what
    the client sent for them is dropped, and they are not asked of it."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InvalidData("data must be an object.", {"data": "must be an object"})
    check_submitted_bounds(object_session(task), data)
    if not task.form_key:
        return {}
    try:  # the version the task was created with
        schema = form_versions.task_schema(object_session(task), task)
    except FormNotFound as exc:
        raise WorkflowError("The form {form} of this task is missing.", form=task.form_key) from exc
    schema = readonly_fields(schema, server_keys)
    # A date declared not in the past counts from today in the city's time zone.
    # A choice whose options the server gives (valuesKey) is checked against those options.
    clean, errors = validate_submission(schema, data, locale=locale,
                                        context=server_keys if isinstance(server_keys, dict) else None,
                                        today=local_today(zone_of(object_session(task))))
    if errors:
        raise InvalidData("Some fields are not valid.", errors)
    return clean


def complete_task(session, task_id: int, user: User, data: dict | None, locale: str = "fa", *,
                  access_checked: bool = False) -> HumanTask:
    """Complete a ready task with validated form data and run the instance onwards.

    The user must hold the task's role in its district, and the task must be free for them and
    not one done on a page of its own. access_checked: the caller decided who may do it (a
    programme's own page, the portal answering a satisfaction check for a citizen), so the
    user's roles are not asked. A concurrent change of the instance surfaces as SQLAlchemy's
    StaleDataError at the flush; the caller owns the transaction and answers it.
    """
    engine = engine_of(session)
    if access_checked:
        task = session.get(HumanTask, task_id, options=_TASK_WITH_STATE)
        if task is None:
            raise NotFound("Task {task_id} does not exist.", task_id=task_id)
    else:
        task = get_task(session, task_id, user, with_state=True)
        if not access.can_act_on_task(user, task):
            raise Forbidden("This task belongs to another role or district.")
    require_ready(task)
    if not access_checked:
        require_free_for(task, user)
        if engine.hooks.page_of(task) is not None:
            raise Conflict("This task is completed on its own page, which records more than this form.")
    actor = user
    # A substitute acting for an absent colleague: the event names both (people.access).
    absent = None if access_checked else access.on_behalf_of(user, task)
    shown = engine.hooks.data_shown(session, task)
    clean = validate_task_data(task, data, locale, server_keys=shown)
    clean.update(engine.hooks.data_at_completion(session, task, shown))  # the client's copies are dropped
    instance = task.instance
    workflow = engine.load_workflow(instance.state_json, instance.version)
    spiff_task = find_ready_task(workflow, task.spiff_task_id)
    if spiff_task is None:
        raise Conflict("This task is no longer open.")
    spiff_task.data.update(clean)
    try:
        with using_calendar(calendar_for(session, instance.district_id)):  # its post-script's
            spiff_task.run()
        ran = True
    except Exception as exc:  # noqa: BLE001 - e.g. a failing post-script of the task
        instance.status, instance.error_message, ran = "error", str(exc), False
    now = utcnow()
    task.status, task.completed_at, task.completed_by_id, task.completed_by = \
        "completed", now, actor.id, actor
    task.assignee_id = task.assignee_id or actor.id
    noted = {}  # what the hooks wrote, for the event (a quality record's code)
    for hook in engine.hooks.task_completed:
        noted.update(hook(session, task, actor, clean, now) or {})
    if absent is not None:
        noted["on_behalf_of"] = absent.username
    append_event(session, instance, "task_completed", actor=actor, task_spec=task.task_spec,
                 spiff_task_id=task.spiff_task_id, data={"task": task.name, "data": clean, **noted})
    if ran:
        advance_instance(session, instance, workflow, actor, completed=task)
    else:
        append_event(session, instance, "instance_error", actor=actor,
                     data={"message": instance.error_message})
        _store_state(session, instance, workflow, actor)
    return task


def send_message(session, instance_id: int, user: User, name: str, payload: dict | None) -> Instance:
    """Deliver a named message (with a JSON payload) from outside (the API) to a running instance
    waiting for it: only a message whose catch event declares externalMessageRole, and only by
    a holder of that role in the instance's district (or city-wide). Internal messages (a Mardom
    Salam programme's closing) are sent by the system after its own checks (send_message_for)."""
    instance = session.get(Instance, instance_id, options=_INSTANCE_WITH_STATE)
    if instance is None:
        raise NotFound("Instance {id} does not exist.", id=instance_id)
    if not access.can_view_instance(user, instance) or not access.can_start_in_district(
            user, instance.district_id):
        raise Forbidden("This instance belongs to another district.")
    if payload is not None and not isinstance(payload, dict):
        raise InvalidData("payload must be an object.", {"payload": "must be an object"})
    if instance.status != "running":
        raise Conflict("This instance is no longer running.")
    workflow = engine_of(session).load_workflow(instance.state_json, instance.version)
    roles = waiting_message_roles(workflow, name)
    if not roles:
        raise Conflict("This instance is not waiting for the message {name}.",
                       {"waiting_for": external_message_names(workflow)}, name=name)
    if not all(roles):
        raise Forbidden("The message {name} is not accepted from outside: the system sends it "
                        "after its own checks.", name=name)
    if not all(access.has_role(user, role, instance.district_id) for role in roles):
        raise Forbidden("Only a holder of the role {role} in this district may send the message "
                        "{name}.", role=", ".join(sorted(set(roles))), name=name)
    return _deliver(session, instance, workflow, user, name, payload)


def send_message_for(session, instance: Instance, actor: User, name: str,
                     payload: dict | None) -> Instance:
    """Deliver a message on behalf of actor without checking roles (callers check access)."""
    if instance.status != "running":
        raise Conflict("This instance is no longer running.")
    check_submitted_bounds(session, payload or {}, "the message payload")
    workflow = engine_of(session).load_workflow(instance.state_json, instance.version)
    return _deliver(session, instance, workflow, actor, name, payload)


def _deliver(session, instance: Instance, workflow, actor: User, name: str,
             payload: dict | None) -> Instance:
    if not deliver_message(workflow, name, payload or {}):
        raise Conflict("This instance is not waiting for the message {name}.",
                       {"waiting_for": waiting_message_names(workflow)}, name=name)
    append_event(session, instance, "message_received", actor=actor,
                 data={"name": name, "payload": payload or {}})
    advance_instance(session, instance, workflow, actor)
    return instance


def waiting_messages(session, instance: Instance) -> list[str]:
    """Names of the messages a running instance waits for now."""
    return waiting_message_names(engine_of(session).load_workflow(instance.state_json, instance.version))
