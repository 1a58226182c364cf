"""Which events a step causes, as webhook deliveries queued in the step's transaction.

instance.started and task.created (the tasks a step opened), task.completed (the task whose
completion moved it), task.escalated (a follow-up task an escalation timer opened, the staff
notifications' list), instance.completed, and message.closed (a 137 message's instance
completed). Only what identifies the case goes out: ids, process, district, tracking code,
task names and due dates, never the case data; a confidential case's title stays here.

The enabled subscriptions are cached per process for SUBSCRIPTIONS_CACHE_SECONDS, so a step
reads nothing more when nobody subscribed (a step's statements are counted: tests/engine/
test_step_writes.py); a change made in this process empties the cache at once, one made in
another process is seen within that time (a delivery to a subscription disabled meanwhile is
cancelled by the sender, notifications.webhooks.claim_due_deliveries).
"""
import threading
import time as monotonic_time
import weakref

from sqlalchemy import event
from sqlalchemy.orm import Session

from notifications.webhooks import enabled_subscriptions, queue_event
from programmes.staff.events import ESCALATION_TASKS

SUBSCRIPTIONS_CACHE_SECONDS = 10.0
MESSAGE_137 = "citizen_message_137"
_SOURCES = weakref.WeakSet()  # every WebhookEvents of this process, for forget_subscriptions
_CHANGED = "webhooks.subscriptions_changed"  # session.info: forget again once it commits


def forget_subscriptions(session=None) -> None:
    """Empty every cache of subscriptions in this process (one was made or changed in the
    session's transaction: again when it commits, so no step in between keeps the old list)."""
    if session is not None:
        session.info[_CHANGED] = True
    for source in list(_SOURCES):
        source.forget()


@event.listens_for(Session, "after_commit")
def _forget_on_commit(session) -> None:
    if session.info.pop(_CHANGED, False):
        forget_subscriptions()


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session) -> None:
    # A step of this transaction may have cached what is now undone.
    if session.info.pop(_CHANGED, False):
        forget_subscriptions()


class WebhookEvents:
    """The step_stored hook of one engine, with its cache of the enabled subscriptions."""

    def __init__(self):
        self._cached: tuple[float, list] | None = None
        self._generation = 0  # counts forget(): a read begun before one is not kept
        self._lock = threading.Lock()
        _SOURCES.add(self)

    def forget(self) -> None:
        """Read the subscriptions again at the next step."""
        with self._lock:
            self._cached = None
            self._generation += 1

    def subscriptions(self, session) -> list[tuple[int, frozenset]]:
        """(id, event kinds) of the enabled subscriptions, at most SUBSCRIPTIONS_CACHE_SECONDS old."""
        now = monotonic_time.monotonic()
        with self._lock:
            cached, generation = self._cached, self._generation
        if cached is not None and now - cached[0] < SUBSCRIPTIONS_CACHE_SECONDS:
            return cached[1]
        with session.no_autoflush:  # a step flushes once, at its end
            rows = enabled_subscriptions(session)
        with self._lock:
            if generation == self._generation:
                self._cached = (now, rows)
        return rows

    def on_step(self, session, instance, completed, opened, started: bool = False) -> None:
        """Queue the events of this step for every subscription that asked for them."""
        subscriptions = self.subscriptions(session)
        if not subscriptions:
            return
        with session.no_autoflush:
            for kind, data in step_events(instance, completed, opened, started):
                ids = [sid for sid, kinds in subscriptions if kind in kinds]
                if ids:
                    queue_event(session, ids, kind, data)


def step_events(instance, completed, opened, started: bool) -> list[tuple[str, dict]]:
    """(kind, data) of each event of one step, in the order they happened."""
    case = instance_data(instance)
    events = []
    if started:
        events.append(("instance.started", {"instance": case}))
    if completed is not None:
        events.append(("task.completed", {"instance": case, "task": task_data(completed)}))
    for task in opened:
        kind = "task.escalated" if (task.process_key, task.task_spec) in ESCALATION_TASKS \
            else "task.created"
        events.append((kind, {"instance": case, "task": task_data(task)}))
    # completed_at is the step's moment (engine.runtime.steps.store_state) only in the step
    # that completed it.
    if instance.status == "completed" and instance.completed_at is not None \
            and instance.completed_at == instance.updated_at:
        events.append(("instance.completed", {"instance": case}))
        if instance.process_key == MESSAGE_137:
            data = instance.data or {}
            events.append(("message.closed", {"instance": case, "message": {
                "tracking_code": instance.tracking_code, "channel": data.get("channel"),
                "outcome": data.get("outcome")}}))
    return events


def _iso(moment) -> str | None:
    return moment.isoformat(timespec="seconds") + "Z" if moment is not None else None


def instance_data(instance) -> dict:
    """What an event says of its instance (no case data)."""
    return {"id": instance.id, "process_key": instance.process_key,
            "title": None if instance.confidential else instance.title,
            "tracking_code": instance.tracking_code, "status": instance.status,
            "district": instance.district.code if instance.district is not None else None,
            "confidential": bool(instance.confidential),
            "completed_at": _iso(instance.completed_at)}


def task_data(task) -> dict:
    """What an event says of a task."""
    return {"id": task.id, "task_spec": task.task_spec, "name": task.name, "role": task.role,
            "status": task.status, "due_at": _iso(task.due_at),
            "completed_at": _iso(task.completed_at)}
