"""Incidents and the operator's repairs of an instance: retry the failed step, set the case
data, move the token, suspend and resume, cancel; the list of instances in error.

Each action takes (session, instance, user, ..., reason), checks the permission
repair_instances in the instance's district, appends one event with the actor and the reason
to the instance's chain (the replay re-applies it: engine.replay.run), flushes and never commits.

The case data an operator sets (set_instance_data) is the data the next step sees: that of
every active task (ready, waiting or failed: a retried script reads the failed task's data) and
of the last completed task (what the instance page shows as its data). The edit is stored as a
diff of top-level keys (added, changed with old and new, removed), so that a task's own keys
that were not edited stay as they were; personal fields in the diff are sealed like any event.
"""
import copy

from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from models import HumanTask, Instance, Timer, User, utcnow
from models.errors import Conflict, Forbidden, InvalidData, NotFound
from people.permissions import districts_with, may

from engine.core import engine_of
from engine.events import append_event
from engine.runtime.steps import advance_instance, check_submitted_bounds, store_state
from engine.spiff.repair import (NOT_ACTIVE, SAME_ELEMENT, MoveRefused, active_activities, activities, apply_data_changes,
                                 move_token as move_workflow_token, rerun_failed)
from engine.spiff.workflows import current_data, ready_human_tasks

PERMISSION = "repair_instances"
# The events of the actions (engine.replay.run re-applies each).
RETRIED, DATA_SET, TOKEN_MOVED = "instance_retried", "instance_data_set", "token_moved"
SUSPENDED, RESUMED, CANCELLED = "instance_suspended", "instance_resumed", "instance_cancelled"
ACTION_EVENTS = (RETRIED, DATA_SET, TOKEN_MOVED, SUSPENDED, RESUMED, CANCELLED)
MAX_REASON = 1000


def get_instance_to_repair(session, instance_id, user: User) -> Instance:
    """The instance (with its stored state) if the user may repair it; NotFound / Forbidden."""
    try:
        instance_id = int(instance_id)
    except (TypeError, ValueError):
        raise NotFound("Instance {instance_id} does not exist.", instance_id=instance_id) from None
    instance = session.get(Instance, instance_id, options=[undefer(Instance.state_json)])
    if instance is None:
        raise NotFound("Instance {instance_id} does not exist.", instance_id=instance_id)
    require_may_repair(user, instance)
    return instance


def may_repair(user: User, instance: Instance) -> bool:
    """The user holds repair_instances in the instance's district (or city-wide)."""
    return user is not None and may(user, PERMISSION, instance.district_id)


def require_may_repair(user: User, instance: Instance) -> None:
    if not may_repair(user, instance):
        raise Forbidden("You may not repair the instances of this district.")


def _reason(reason) -> str:
    text = (reason or "").strip() if isinstance(reason, str) else ""
    if not text:
        raise InvalidData("Say why (a reason is required).", {"reason": "required"})
    if len(text) > MAX_REASON:
        raise InvalidData("The reason is longer than {limit} characters.", {"reason": "too long"},
                          limit=MAX_REASON)
    return text


def _require_status(instance: Instance, *allowed: str) -> None:
    if instance.status in allowed:
        return
    details = {"status": instance.status}
    # One sentence per status, so that each is translated whole.
    if instance.status == "running":
        raise Conflict("This action is not possible: the instance is running.", details)
    if instance.status == "error":
        raise Conflict("This action is not possible: the instance stopped with an error.", details)
    if instance.status == "suspended":
        raise Conflict("This action is not possible: the instance is suspended.", details)
    if instance.status == "cancelled":
        raise Conflict("This action is not possible: the instance was cancelled.", details)
    raise Conflict("This action is not possible: the instance has finished.", details)


def _workflow(session, instance: Instance):
    return engine_of(session).load_workflow(instance.state_json, instance.version)


def _clear_incident(instance: Instance) -> None:
    instance.error_message = None
    instance.failed_element = instance.failed_element_name = instance.failed_at = None
    instance.failure_count = 0


def retry_instance(session, instance: Instance, user: User, reason: str | None = None) -> Instance:
    """Run the failed step again (after a diagram or data fix): running on success, else the
    incident stays with one failure more. The reason is optional here."""
    require_may_repair(user, instance)
    _require_status(instance, "error")
    text = (reason or "").strip() if isinstance(reason, str) else ""
    workflow = _workflow(session, instance)
    element, count = instance.failed_element, instance.failure_count or 0
    instance.status = "running"
    append_event(session, instance, RETRIED, actor=user, task_spec=element,
                 data={"reason": text, "element": element, "failures": count})
    _reopen_tasks(session, instance, workflow)
    advance_instance(session, instance, workflow, user, first=rerun_failed)
    if instance.status != "error":
        _clear_incident(instance)
    session.flush()
    return instance


def data_changes(before: dict, after: dict) -> dict:
    """The diff of two case data: {"added": {k: new}, "changed": {k: {"old", "new"}},
    "removed": {k: old}} over top-level keys (empty parts left out)."""
    added = {k: after[k] for k in after if k not in before}
    changed = {k: {"old": before[k], "new": after[k]} for k in after
               if k in before and before[k] != after[k]}
    removed = {k: before[k] for k in before if k not in after}
    return {part: values for part, values in
            (("added", added), ("changed", changed), ("removed", removed)) if values}


def set_instance_data(session, instance: Instance, user: User, data, reason: str,
                      merge: bool = False) -> dict:
    """Replace (or, merge=True, update) the case data; returns the diff the event records.
    Refused (InvalidData) for data that is not an object, too large, or no change."""
    require_may_repair(user, instance)
    _require_status(instance, "running", "error", "suspended")
    text = _reason(reason)
    if not isinstance(data, dict):
        raise InvalidData("The data must be a JSON object.", {"data": "must be an object"})
    check_submitted_bounds(session, data)
    data = copy.deepcopy(data)
    workflow = _workflow(session, instance)
    before = current_data(workflow)
    after = {**before, **data} if merge else data
    changes = data_changes(before, after)
    if not changes:
        raise InvalidData("The data are unchanged.", {"data": "unchanged"})
    apply_data_changes(workflow, changes)
    append_event(session, instance, DATA_SET, actor=user,
                 data={"reason": text, "changes": changes})
    _store_without_step(session, instance, workflow, user)
    return changes


def move_token(session, instance: Instance, user: User, from_element: str, to_element: str,
               reason: str) -> Instance:
    """Cancel the activity from_element and start to_element (same process), then run on."""
    require_may_repair(user, instance)
    _require_status(instance, "running", "error")
    text = _reason(reason)
    workflow = _workflow(session, instance)
    from_element, to_element = (str(from_element or "").strip(), str(to_element or "").strip())
    try:
        move_workflow_token(workflow, from_element, to_element)
    except MoveRefused as exc:
        raise _move_refused(exc) from None
    was = instance.status
    instance.status = "running"
    append_event(session, instance, TOKEN_MOVED, actor=user, task_spec=to_element,
                 data={"reason": text, "from": from_element, "to": to_element})
    _reopen_tasks(session, instance, workflow)
    advance_instance(session, instance, workflow, user)
    if was == "error" and instance.status != "error":
        _clear_incident(instance)
    session.flush()
    return instance


def _move_refused(exc: MoveRefused) -> InvalidData:
    """The refusal in a template pybabel finds (app.i18n.translate_error translates it)."""
    element = exc.values.get("element")
    if exc.template == NOT_ACTIVE:
        return InvalidData("No token is at {element} now.", {"from": "not active"}, element=element)
    if exc.template == SAME_ELEMENT:
        return InvalidData("The token is at {element} already.", {"to": "same"}, element=element)
    return InvalidData("The process has no activity {element}.", {"element": "unknown"},
                       element=element)


def suspend_instance(session, instance: Instance, user: User, reason: str) -> Instance:
    """Suspend a running instance: its open tasks leave the inboxes and its timers wait."""
    require_may_repair(user, instance)
    _require_status(instance, "running")
    text = _reason(reason)
    instance.status = "suspended"
    _set_rows(session, instance, HumanTask, "ready", "suspended")
    _set_rows(session, instance, Timer, "waiting", "suspended")
    append_event(session, instance, SUSPENDED, actor=user, data={"reason": text})
    session.flush()
    return instance


def resume_instance(session, instance: Instance, user: User, reason: str | None = None) -> Instance:
    """Resume a suspended instance: its tasks are open again, its timers wait again (a timer
    due meanwhile fires on the scheduler's next pass). The reason is optional here."""
    require_may_repair(user, instance)
    _require_status(instance, "suspended")
    text = (reason or "").strip() if isinstance(reason, str) else ""
    instance.status = "running"
    _set_rows(session, instance, HumanTask, "suspended", "ready")
    instance.waiting_timer_count = _set_rows(session, instance, Timer, "suspended", "waiting")
    append_event(session, instance, RESUMED, actor=user, data={"reason": text})
    session.flush()
    return instance


def cancel_instance(session, instance: Instance, user: User, reason: str) -> Instance:
    """Cancel an instance that has not finished: status cancelled, its open tasks and its
    timers cancelled. Its state and history are kept."""
    require_may_repair(user, instance)
    _require_status(instance, "running", "error", "suspended")
    text = _reason(reason)
    instance.status = "cancelled"
    instance.updated_at = utcnow()  # not completed_at: reports read that as closed
    for status in ("ready", "suspended"):
        _set_rows(session, instance, HumanTask, status, "cancelled")
    for status in ("waiting", "suspended"):
        _set_rows(session, instance, Timer, status, "cancelled")
    instance.waiting_timer_count = 0
    append_event(session, instance, CANCELLED, actor=user, data={"reason": text})
    session.flush()
    return instance


def _set_rows(session, instance: Instance, table, old: str, new: str) -> int:
    rows = session.scalars(select(table).where(table.instance_id == instance.id,
                                               table.status == old)).all()
    for row in rows:
        row.status = new
    return len(rows)


def _reopen_tasks(session, instance: Instance, workflow) -> None:
    """Open again the task rows the failure withdrew whose workflow task is still ready (a
    parallel branch's), so that the step after a retry or a move does not index them twice."""
    ready = {task.spiff_task_id for task in ready_human_tasks(workflow)}
    if not ready:
        return
    for row in session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                       HumanTask.status == "cancelled",
                                                       HumanTask.spiff_task_id.in_(ready))):
        row.status = "ready"
    # The step's task sync reads the ready rows without flushing first (store_state).
    session.flush()


def _store_without_step(session, instance: Instance, workflow, user: User) -> None:
    """Store the edited workflow: the data of its tasks changed, nothing ran."""
    store_state(session, instance, workflow, user)


def element_choices(session, instance: Instance) -> tuple[dict[str, str], dict[str, str]]:
    """(activities a token is at now, every activity of the process): BPMN id -> name, for the
    move-token form."""
    workflow = _workflow(session, instance)
    return active_activities(workflow), activities(workflow)


def _incidents_query(user: User):
    query = select(Instance).where(Instance.status == "error")
    districts = districts_with(user, PERMISSION)
    if districts is not None:
        query = query.where(Instance.district_id.in_(districts or [-1]))
    return query


def list_incidents(session, user: User, limit: int = 200, process_key: str | None = None) -> list[Instance]:
    """Instances in error the user may repair, the most recent failure first."""
    query = _incidents_query(user)
    if process_key:
        query = query.where(Instance.process_key == process_key)
    return list(session.scalars(query.order_by(Instance.failed_at.desc().nulls_last(),
                                               Instance.updated_at.desc(), Instance.id.desc())
                                .limit(limit)))


def count_incidents(session, user: User) -> int:
    """How many instances in error the user may repair (0 without the permission)."""
    if districts_with(user, PERMISSION) == set():
        return 0
    return session.scalar(select(func.count()).select_from(_incidents_query(user).subquery()))
