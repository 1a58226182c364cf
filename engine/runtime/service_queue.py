"""The call rows a step writes for the service tasks it started (engine.runtime.service_calls
performs and records them); apart from it because engine.runtime.steps calls it."""
import hashlib

from sqlalchemy import select

from models import Instance, ServiceCall, utcnow

from engine.events import append_event
from engine.spiff.service_tasks import started_service_calls

QUEUED = "service_call_queued"


def idempotency_key(instance_id: int, task_spec: str, spiff_task_id: str) -> str:
    """The key of one execution of a service task: the same on every attempt and retry."""
    digest = hashlib.sha256(f"{instance_id}:{task_spec}:{spiff_task_id}".encode()).hexdigest()
    return f"city-{instance_id}-{digest[:40]}"


def sync_service_calls(session, instance: Instance, workflow) -> None:
    """Write a call row for each service task this step started (a retried one's row is queued
    again, with its key), with the event `service_call_queued`."""
    calls = started_service_calls(workflow)
    if not calls:
        return
    if instance.id is None:
        session.flush()
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


