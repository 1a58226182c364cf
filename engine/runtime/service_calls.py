"""Service tasks' calls (issue 22): written with the step that reached the task, performed by
the scheduler after commit, completed (or retried, or made an incident) in a transaction of
their own.

1. A step that reaches a service task (engine.spiff.service_tasks: parameters computed in the
   sandbox, the task waits) writes a `service_calls` row with it (service_queue.py's
   sync_service_calls, called by engine.runtime.steps.store_state) and the event `service_call_queued`.
2. The scheduler claims due rows (claim_service_calls: SKIP LOCKED on PostgreSQL, a lease) and
   commits; then, with no transaction open, performs each call (perform_service_call: HTTP
   through connectors/, with the call's idempotency key, the same on every attempt, and the
   attempt number in its own header).
3. record_service_call, in a new transaction, appends `service_call_attempted` (a summary
   without secrets) and then either completes the task with the response mapped into the data
   and runs the instance on (`service_task_completed`, advance_instance), or puts the call off
   (SERVICE_RETRY_BACKOFF_SECONDS doubling), or after SERVICE_RETRY_ATTEMPTS stops the instance
   (`service_call_failed`, an incident whose retry runs the task again and re-queues the call).
E-mail and SMS connectors queue their message in the outbox in step 3.
"""
import logging
from datetime import timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import undefer

from connectors import find_connector, perform_http_call, queue_connector_message, snapshot
from connectors.http_calls import CallOutcome
from connectors.messages import MessageRefused
from models import Instance, ServiceCall, utcnow

from engine.core import engine_of
from engine.events import append_event
from engine.runtime.steps import advance_instance
from engine.spiff.data_bounds import DataTooLarge
from engine.runtime.service_queue import QUEUED, idempotency_key, sync_service_calls  # noqa: F401
from engine.spiff.service_tasks import (complete_service_task, fail_service_task,
                                        waiting_service_task)

log = logging.getLogger(__name__)

ATTEMPTED = "service_call_attempted"
COMPLETED, FAILED = "service_task_completed", "service_call_failed"
LEASE_MARGIN_SECONDS = 60


def _locking(session, query, of, skip_locked=False):
    if session.get_bind().dialect.name == "postgresql":
        # "of": lock only this table's rows, not the eagerly joined ones (an instance's version).
        return query.with_for_update(of=of, skip_locked=skip_locked)
    return query  # SQLite: every transaction already holds the write lock (BEGIN IMMEDIATE)


def claim_service_calls(session, now=None, limit: int = 20) -> list[dict]:
    """Claim due calls (and those whose claimer's lease ran out) for one attempt each; return
    what performing them needs, as plain data. The caller commits before performing them."""
    now = now or utcnow()
    due = or_(and_(ServiceCall.status == "pending", ServiceCall.due_at <= now),
              and_(ServiceCall.status == "running", ServiceCall.claimed_until < now))
    # A suspended instance's call waits for its resumption (a cancelled one's is never made).
    running = select(Instance.id).where(Instance.id == ServiceCall.instance_id,
                                        Instance.status == "running").exists()
    rows = session.scalars(_locking(session, select(ServiceCall).where(due, running)
                                    .order_by(ServiceCall.due_at).limit(limit),
                                    ServiceCall, skip_locked=True)).all()
    orders = []
    for row in rows:
        connector = find_connector(session, row.connector)
        config = snapshot(connector) if connector is not None and connector.enabled else None
        row.status, row.attempts = "running", (row.attempts or 0) + 1
        timeout = config["timeout_seconds"] if config else 0
        row.claimed_until = now + timedelta(seconds=timeout + LEASE_MARGIN_SECONDS)
        orders.append({"id": row.id, "instance_id": row.instance_id, "task_spec": row.task_spec,
                       "spiff_task_id": row.spiff_task_id, "connector_name": row.connector,
                       "connector": config, "params": dict(row.params or {}),
                       "idempotency_key": row.idempotency_key, "attempt": row.attempts})
    session.flush()
    return orders


def perform_service_call(order: dict, secrets: dict) -> CallOutcome | None:
    """One attempt of an HTTP call, outside any transaction; None for the calls made when the
    outcome is recorded (e-mail and SMS go to the outbox then)."""
    connector = order["connector"]
    if connector is None:
        message = f"no enabled connector is named {order['connector_name']!r}"
        return CallOutcome(False, summary={"attempt": order["attempt"], "error": message},
                           error=message)
    if connector["kind"] != "http":
        return None
    return perform_http_call(connector, order["params"], secrets, order["idempotency_key"],
                             order["attempt"])


def _queue_message(session, order: dict) -> CallOutcome:
    connector = order["connector"]
    summary = {"attempt": order["attempt"], "connector": connector["name"],
               "channel": connector["kind"]}
    try:
        with session.begin_nested():
            message = queue_connector_message(session, connector, order["params"],
                                              order["instance_id"])
            session.flush()
    except MessageRefused as exc:
        summary["error"] = str(exc)
        return CallOutcome(False, summary=summary, error=str(exc))
    summary["outbox_message"] = message.id
    return CallOutcome(True, summary=summary)


def _within_bounds(engine, outcome: CallOutcome) -> CallOutcome:
    """A successful answer too large or deep for the case data counts as a failed attempt."""
    try:
        engine.check_data({"data": outcome.data, "result": outcome.result}, "the partner's answer")
    except DataTooLarge as exc:
        message = f"the answer cannot be kept in the case data: {exc}"
        return CallOutcome(False, summary={**outcome.summary, "error": message}, error=message)
    return outcome


def record_service_call(session, order: dict, outcome: CallOutcome | None) -> str:
    """Record an attempt's outcome and act on it; returns what became of the call (done,
    retry, failed, cancelled, stale). Flushes; the caller commits."""
    row = session.scalars(_locking(session, select(ServiceCall).where(
        ServiceCall.id == order["id"]), ServiceCall)).first()
    if row is None or row.status != "running" or row.attempts != order["attempt"]:
        return "stale"  # another scheduler's lease ran out and it took the call again
    instance = session.scalars(_locking(session, select(Instance).options(
        undefer(Instance.state_json)).where(Instance.id == row.instance_id), Instance)).one()
    now = utcnow()
    engine = engine_of(session)
    if instance.status in ("completed", "cancelled"):
        row.status, row.claimed_until = "cancelled", None
        session.flush()
        return "cancelled"
    if instance.status != "running":  # suspended (or in error): the call waits, uncounted
        row.status, row.attempts, row.claimed_until = "pending", row.attempts - 1, None
        row.due_at = now + timedelta(seconds=engine.service_retry_backoff_seconds)
        session.flush()
        return "retry"
    workflow = engine.load_workflow(instance.state_json, instance.version)
    if waiting_service_task(workflow, row.spiff_task_id) is None:
        row.status, row.claimed_until = "cancelled", None  # withdrawn (e.g. a boundary timer)
        session.flush()
        return "cancelled"
    if outcome is None:
        outcome = _queue_message(session, order)
    elif outcome.ok:
        outcome = _within_bounds(engine, outcome)
    row.claimed_until = None
    event = {**outcome.summary, "attempts": engine.service_retry_attempts}
    ids = {"task_spec": row.task_spec, "spiff_task_id": row.spiff_task_id}
    if outcome.ok:
        append_event(session, instance, ATTEMPTED, **ids, data={**event, "ok": True})
        row.status, row.completed_at, row.last_error = "done", now, None
        append_event(session, instance, COMPLETED, **ids,
                     data={"data": outcome.data, "result": outcome.result})
        advance_instance(session, instance, workflow, None, first=lambda wf: complete_service_task(
            wf, row.spiff_task_id, outcome.data, outcome.result))
        return "done"
    row.last_error = outcome.error
    if row.attempts < engine.service_retry_attempts:
        row.status = "pending"
        row.due_at = now + timedelta(
            seconds=engine.service_retry_backoff_seconds * 2 ** (row.attempts - 1))
        append_event(session, instance, ATTEMPTED, **ids,
                     data={**event, "ok": False, "next_attempt_at": row.due_at.isoformat()})
        session.flush()
        return "retry"
    row.status = "failed"
    append_event(session, instance, ATTEMPTED, **ids, data={**event, "ok": False})
    message = (f"The call of the connector {order['connector_name']} failed "
               f"{row.attempts} times: {outcome.error}")
    append_event(session, instance, FAILED, **ids, data={"message": message})
    advance_instance(session, instance, workflow, None,
                     first=lambda wf: fail_service_task(wf, row.spiff_task_id, message))
    return "failed"
