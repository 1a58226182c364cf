"""The call rows a step writes for the service tasks it started (engine.runtime.service_calls
performs and records them); apart from it because engine.runtime.steps calls it."""
import hashlib

from sqlalchemy import bindparam, select

from models import Instance, ServiceCall, utcnow

from engine.events import append_event
from engine.spiff.service_tasks import (declares_service_tasks, started_service_calls,
                                        waiting_service_task)

QUEUED = "service_call_queued"
_OPEN_CALLS = select(ServiceCall).where(ServiceCall.instance_id == bindparam("instance_id"),
                                        ServiceCall.status.in_(("pending", "running")))


def idempotency_key(instance_id: int, task_spec: str, spiff_task_id: str) -> str:
    """The key of one execution of a service task: the same on every attempt and retry."""
    digest = hashlib.sha256(f"{instance_id}:{task_spec}:{spiff_task_id}".encode()).hexdigest()
    return f"city-{instance_id}-{digest[:40]}"


def sync_service_calls(session, instance: Instance, workflow) -> None:
    """Write a call row for each service task this step started (a retried one's row is queued
    again, with its key), with the event `service_call_queued`; a call whose task the step
    withdrew (an interrupting boundary event, a moved token) is cancelled before it is made."""
    if not declares_service_tasks(workflow):
        return  # most processes: no query at all
    calls = started_service_calls(workflow)
    if instance.id is None:
        session.flush()
    started = {call["spiff_task_id"] for call in calls}
    for row in session.scalars(_OPEN_CALLS, {"instance_id": instance.id}):
        if row.status not in ("pending", "running"):
            continue  # done or failed in this transaction, not flushed yet (no autoflush here)
        if row.spiff_task_id not in started and (
                instance.status != "running" or waiting_service_task(workflow, row.spiff_task_id) is None):
            row.status, row.claimed_until = "cancelled", None
    now = utcnow()
    for call in calls:
        row = session.scalars(select(ServiceCall).where(
            ServiceCall.instance_id == instance.id,
            ServiceCall.spiff_task_id == call["spiff_task_id"])).first()
        if row is None:
            row = ServiceCall(instance_id=instance.id, spiff_task_id=call["spiff_task_id"],
                              task_spec=call["task_spec"], created_at=now,
                              idempotency_key=idempotency_key(instance.id, call["task_spec"],
                                                              call["spiff_task_id"]))
            session.add(row)
        row.connector, row.params = call["connector"] or "", call["params"]
        row.status, row.attempts, row.due_at = "pending", 0, now
        row.claimed_until, row.last_error, row.completed_at = None, None, None
        append_event(session, instance, QUEUED, task_spec=call["task_spec"],
                     spiff_task_id=call["spiff_task_id"],
                     data={"connector": row.connector, "parameters": sorted(call["params"])})


