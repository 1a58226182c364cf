"""Completing a task: the task a user may act on, whether it is open and free for them, its
form's check of the submitted data, and the completion that runs the instance onwards."""

from sqlalchemy.orm import joinedload, lazyload, object_session

from models import HumanTask, Instance, User, utcnow
from people import access

from workcal.jalali import local_today
from workcal.store import calendar_for, using_calendar, zone_of
from engine.core import engine_of
from models.errors import Conflict, Forbidden, InvalidData, NotFound, WorkflowError
from engine.events import append_event
from formjs import versions as form_versions
from formjs.forms import FormNotFound, readonly_fields, validate_submission
from engine.runtime.steps import advance_instance, check_submitted_bounds, note_failure, store_state
from engine.spiff.workflow_tasks import find_ready_task


# A task to complete: its instance with the stored workflow, in one query. Its district and
# users are not joined: the acting user and the districts are in the session already.
_TASK_WITH_STATE = (joinedload(HumanTask.instance).undefer(Instance.state_json),
                    lazyload(HumanTask.district), lazyload(HumanTask.assignee),
                    lazyload(HumanTask.completed_by))


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
    if task.instance.status == "suspended":
        raise Conflict("This instance is suspended: its tasks wait until it is resumed.",
                       {"status": "suspended"})
    if task.status != "ready" or task.instance.status != "running":
        raise Conflict("This task is no longer open.", {"status": task.status})


def require_free_for(task: HumanTask, user: User) -> None:
    # The substitute of the assignee (people.access) may take over the task while standing in.
    if task.assignee_id not in (None, user.id) and not access.stands_in_for(user, task.assignee_id):
        raise Conflict("This task is claimed by {who}.", {"assignee": task.assignee.username},
                       who=task.assignee.display_name)


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
        note_failure(instance, workflow, exc)
        ran = False
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
        store_state(session, instance, workflow, actor)
    return task
