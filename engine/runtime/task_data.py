"""The data a task's form is about: the task's own data, not the instance's latest."""
import json

from sqlalchemy import bindparam, select

from models import Event, HumanTask
from models.errors import UnreadableState

from engine.core import engine_of
from engine.events import revealed_data
from engine.spiff.workflow_tasks import find_ready_task

_SUBMITTED = (select(Event.data).where(Event.instance_id == bindparam("instance_id"),
                                       Event.type == "task_completed",
                                       Event.spiff_task_id == bindparam("spiff_task_id"))
              .order_by(Event.seq.desc()).limit(1))


def _json_safe(data) -> dict:
    return json.loads(json.dumps(dict(data or {}), default=str))


def task_data(session, task: HumanTask) -> dict:
    """A JSON-safe copy of the data a task works on.

    A ready task: the data the engine gives it (one load of the stored workflow), e.g. in a
    multi-instance sub-process its own item with that branch's earlier answers, whereas
    instance.data is the data of whichever task of the instance completed last. A completed
    task: what was submitted to it (its task_completed event). Otherwise (a cancelled task, or
    a ready row the stored state no longer has) the instance's data.
    """
    instance = task.instance
    if task.status == "ready" and instance.state_json:
        try:
            workflow = engine_of(session).load_workflow(instance.state_json, instance.version)
        except UnreadableState:
            workflow = None  # shown from the instance's data; completing it is refused
        spiff_task = find_ready_task(workflow, task.spiff_task_id) if workflow else None
        if spiff_task is not None:
            return _json_safe(spiff_task.data)
    elif task.status == "completed":
        event = session.scalars(_SUBMITTED, {"instance_id": task.instance_id,
                                             "spiff_task_id": task.spiff_task_id}).first()
        event = revealed_data(session, task.instance_id, event)  # personal data opened
        if isinstance(event, dict) and isinstance(event.get("data"), dict):
            return _json_safe(event["data"])
    return _json_safe(instance.data)


def shown_task_data(session, task: HumanTask, shown: dict | None = None) -> dict:
    """task_data, with what the server computes for an open task now (e.g. a briefing's 137
    figures): what its page and the API show, and what its completion will keep (shown:
    server_data's answer when the caller has it already)."""
    data = task_data(session, task)
    if task.status == "ready":
        data.update(_json_safe(server_data(session, task) if shown is None else shown))
    return data


def server_data(session, task: HumanTask) -> dict:
    """What the server computes for an open task now (hooks shown_data; empty when none is
    registered or the task is not open): its form shows these fields read-only."""
    if task.status != "ready":
        return {}
    return engine_of(session).hooks.data_shown(session, task)
