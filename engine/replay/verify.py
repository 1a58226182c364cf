"""Verification by re-execution: a fresh workflow of the pinned version, the recorded events
re-applied in order (engine.replay.run), the result compared with the stored state.

Read-only: the replay reads the instance, its events and its task/timer index through the
caller's session (no autoflush, no flush, no commit) and builds its workflow in memory only.
"""
import copy
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import select

from models import Instance, ProcessVersion, User, clock

from workcal.store import calendar_for, using_calendar
from engine.events import read_events
from engine.replay.compare import (COUNTS, DATA_IN_ROW, DATA_IN_STATE, OPEN_TASKS, active_difference,
                             counts_difference, data_changes, data_difference)
from engine.replay.items import Item
from engine.replay.run import FAILS, RUN_REASONS, Diverged, Run
from engine.core import engine_of
from engine.spiff.workflow_tasks import active_elements, completed_elements
from engine.spiff.workflows import current_data

# Reasons, as English templates (see replay_compare: the page translates them); the ones of
# re-applying an event are in replay_run.
NO_START = "The history does not begin with the start of the instance."
UNREADABLE = "The stored state cannot be read: {error}"
STATUS = "After the last event the instance is {stored} in the stored state, {replayed} on re-execution."
SET_BY = "Event {seq} ({element}) set this key on re-execution."
REASONS = (*RUN_REASONS, NO_START, UNREADABLE, STATUS, SET_BY, DATA_IN_STATE, DATA_IN_ROW, OPEN_TASKS,
           COUNTS)


@dataclass
class ReplayStep:
    """One recorded event and the workflow right after re-applying it."""
    seq: int
    type: str
    at: datetime
    actor: User | None
    actor_name: str | None
    task_spec: str | None
    task_name: str | None
    submitted: dict
    data_after: dict
    changes: list[tuple[str, object, object]]
    element_counts: dict[str, int]
    active: list[str]
    ran_element: str | None = None
    # The version of the process in force after this event: the one the instance started on,
    # then each `instance_migrated` event's target (engine.migration).
    version: ProcessVersion | None = None
    # Inside a multi-instance activity: the item the event's task belongs to.
    item: Item | None = None
    # The how-manieth time this event ran its element (per item inside a multi-instance
    # activity), and how many times it ran it in the whole history replayed.
    pass_number: int | None = None
    pass_total: int | None = None

    @property
    def migrated(self) -> bool:
        """This event moved the instance to another version."""
        return self.type == "instance_migrated"


@dataclass
class Replay:
    """The outcome of re-executing an instance's events."""
    instance_id: int
    steps: list[ReplayStep] = field(default_factory=list)
    matches: bool = True
    first_divergence: int | None = None
    reason: str | None = None
    status: str = "running"  # the status the re-execution reached: running|completed|error
    # The reason as (English template, values) sentences, for a page to translate.
    reason_parts: list[tuple[str, dict]] = field(default_factory=list)

    def diverge(self, seq: int | None, *parts: tuple[str, dict]) -> None:
        """Record a mismatch (the first one only), its reason in (template, values) sentences."""
        if self.matches:
            self.matches, self.first_divergence, self.reason_parts = False, seq, list(parts)
            self.reason = " ".join(template.format(**values) for template, values in parts)


def replay_instance(session, instance: Instance, keep_steps: bool = True) -> Replay:
    """Re-execute an instance's recorded events and compare the result with its stored state."""
    result = Replay(instance.id)
    with session.no_autoflush:  # read-only: never flush the caller's pending changes
        events = read_events(session, instance.id)
        run = Run(session, instance, events)
        # Each event runs at its recorded time in this context only (models.clock): other
        # requests and the scheduler keep the real time meanwhile.
        with clock.context_moments(), using_calendar(calendar_for(session, instance.district_id)):
            _replay_events(run, events, result)
        _count_passes(result.steps)
        result.status = run.status
        if result.matches:
            _compare_with_stored(session, instance, run, result)
    if not keep_steps:
        result.steps = []
    return result


def _replay_events(run: Run, events: list, result: Replay) -> None:
    if not events or events[0].type != "instance_started":
        result.diverge(events[0].seq if events else None, (NO_START, {}))
        return
    data: dict = {}
    for i, event in enumerate(events):
        next_event = events[i + 1] if i + 1 < len(events) else None
        clock.set_context_moment(event.at)  # scripts and timers of this step read its moment
        errored = run.error is not None
        if not isinstance(event.data, dict):
            event = _with_data(event)
        try:
            ran = run.apply(event, next_event)
        except Diverged as exc:
            result.diverge(event.seq, exc.part)
            return
        except Exception as exc:  # noqa: BLE001 - e.g. an event whose data was mangled
            failure = f"{exc.__class__.__name__}: {exc}"
            result.diverge(event.seq, (FAILS, {"seq": event.seq, "error": failure}))
            return
        if run.error is not None and not errored and (
                next_event is None or next_event.type != "instance_error"):
            result.diverge(event.seq, (FAILS, {"seq": event.seq, "error": run.error}))
        after = current_data(run.workflow) if run.workflow is not None else {}
        run.discover()
        result.steps.append(_step(event, ran, data, after, run.workflow, run.version, run.item))
        data = after
        if not result.matches:
            return


def _count_passes(steps: list[ReplayStep]) -> None:
    """Number each step's run of its element among the steps that ran the same element for
    the same item (the items of a parallel multi-instance activity interleave)."""
    seen: dict[tuple, int] = {}
    for step in steps:
        if step.ran_element:
            key = (step.ran_element, step.item)
            seen[key] = step.pass_number = seen.get(key, 0) + 1
    for step in steps:
        if step.ran_element:
            step.pass_total = seen[(step.ran_element, step.item)]


def _with_data(event):
    """A stand-in for an event whose data is not an object (a row written outside the engine)."""
    return SimpleNamespace(seq=event.seq, type=event.type, at=event.at, actor=event.actor,
                           task_spec=event.task_spec, spiff_task_id=event.spiff_task_id, data={})


def _step(event, ran, before: dict, after: dict, workflow, version, item=None) -> ReplayStep:
    submitted = event.data.get("data") if event.type in ("instance_started", "task_completed") \
        else event.data.get("payload") if event.type == "message_received" else event.data
    task_name = event.data.get("task")
    if task_name is None and ran and workflow is not None:
        spec = _spec_of(workflow, ran)
        task_name = getattr(spec, "bpmn_name", None) or ran if spec is not None else None
    return ReplayStep(
        seq=event.seq, type=event.type, at=event.at, actor=event.actor,
        actor_name=event.actor.display_name if event.actor is not None else None,
        task_spec=event.task_spec, task_name=task_name, submitted=copy.deepcopy(submitted or {}),
        data_after=after, changes=data_changes(before, after),
        element_counts=completed_elements(workflow) if workflow is not None else {},
        active=active_elements(workflow) if workflow is not None else [], ran_element=ran,
        version=version, item=item)


def _spec_of(workflow, bpmn_id: str):
    for process_spec in [workflow.spec, *workflow.subprocess_specs.values()]:
        if bpmn_id in process_spec.task_specs:
            return process_spec.task_specs[bpmn_id]
    return None


def _stored_state_json(session, instance: Instance) -> str:
    if "state_json" in instance.__dict__:  # loaded already: what the caller sees
        return instance.state_json
    # A column query: the state is not kept on the instance (verify_all walks many).
    return session.scalar(select(Instance.state_json).where(Instance.id == instance.id))


def _compare_with_stored(session, instance: Instance, run: Run, result: Replay) -> None:
    last = result.steps[-1].seq if result.steps else None
    try:
        stored = engine_of(session).load_workflow(_stored_state_json(session, instance), instance.version)
    except Exception as exc:  # noqa: BLE001 - a state that does not load is a finding too
        result.diverge(last, (UNREADABLE, {"error": str(exc)}))
        return
    if instance.status != run.status:
        result.diverge(last, (STATUS, {"stored": instance.status, "replayed": run.status}))
        return
    replayed = current_data(run.workflow)
    for template, stored_data in ((DATA_IN_STATE, current_data(stored)),
                                  (DATA_IN_ROW, instance.data or {})):
        found = data_difference(stored_data, replayed)
        if found is not None:
            # The first event whose result differs: the last one that set this key here.
            key, values = found
            setter = next((s for s in reversed(result.steps)
                           if any(k == key for k, _, _ in s.changes)), None)
            if setter is None:
                result.diverge(last, (template, values))
            else:
                result.diverge(setter.seq, (template, values), (SET_BY, {
                    "seq": setter.seq, "element": setter.ran_element or setter.type}))
            return
    if instance.status == "running":
        values = active_difference(active_elements(stored), active_elements(run.workflow))
        if values:
            result.diverge(last, (OPEN_TASKS, values))
            return
    values = counts_difference(completed_elements(stored), completed_elements(run.workflow))
    if values:
        result.diverge(last, (COUNTS, values))


def verify_instance(session, instance_id: int) -> Replay:
    """Replay one instance by id (LookupError if there is none)."""
    instance = session.get(Instance, instance_id)
    if instance is None:
        raise LookupError(f"instance {instance_id} does not exist")
    return replay_instance(session, instance)


def instance_ids(session, process_key: str | None = None, limit: int | None = None) -> list[int]:
    """Ids of the instances to verify (of one process, or all), in id order."""
    query = select(Instance.id).order_by(Instance.id)
    if process_key:
        query = query.where(Instance.process_key == process_key)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def iter_verify(session, process_key: str | None = None, limit: int | None = None):
    """Yield (instance id, Replay without steps) for every instance (of one process), in id order."""
    for instance_id in instance_ids(session, process_key, limit):
        # One state at a time: the instance row without its state (replay_instance reads it
        # with a column query) and the replay without its steps.
        with session.no_autoflush:
            instance = session.get(Instance, instance_id)
        yield instance_id, replay_instance(session, instance, keep_steps=False)


def verify_all(session, process_key: str | None = None,
               limit: int | None = None) -> list[tuple[int, Replay]]:
    """Replay every instance (of one process) in id order; the replays keep no steps."""
    return list(iter_verify(session, process_key, limit))
