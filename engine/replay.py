"""Verification by re-execution: a fresh workflow of the pinned version, the recorded events
re-applied in order, the result compared with the stored state.

Read-only: the replay reads the instance, its events and its task/timer index through the
caller's session (no autoflush, no flush, no commit) and builds its workflow in memory only.
"""
import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from models import HumanTask, Instance, ProcessVersion, Timer, User, clock

from .calendar_store import calendar_for, using_calendar
from .events import list_events
from .instance_migration import switch_version
from .replay_compare import (COUNTS, DATA_IN_ROW, DATA_IN_STATE, OPEN_TASKS, active_difference,
                             counts_difference, data_changes, data_difference)
from .workflows import (active_elements, completed_elements, current_data, deliver_message,
                        load_workflow, make_timers_due, new_workflow, run_engine)

NO_EFFECT = {"tracking_code_issued", "task_claimed", "task_unclaimed", "task_reassigned",
             # A public survey answer goes to the register, not into the workflow: the summary
             # task that reads the answers records the computed tables in its own completion.
             "survey_answer_received", "instance_completed", "instance_error"}
# engine.timers._fire logs every due timer of an instance, then runs the engine once: timer
# events this close together came from one scheduler pass and are re-applied the same way.
SAME_FIRING = timedelta(seconds=1)
# Reasons, as English templates (see replay_compare: the page translates them).
BEFORE_START = "Event {seq} ({type}) comes before the instance was started."
AFTER_ERROR = "Event {seq} ({type}) comes after the instance stopped with an error on re-execution: {error}"
NO_READY_TASK = "Event {seq} completes {element}, but no such task is ready at that point."
NO_WAITING_TIMER = "Event {seq} fires the timer {element}, but no such timer is waiting at that point."
NO_WAITING_MESSAGE = "Event {seq} delivers the message {name}, but nothing waits for it at that point."
UNKNOWN_EVENT = "Event {seq} has the type {type}, which re-execution does not know."
STARTED_TWICE = "Event {seq} starts the instance a second time."
NOT_FINISHED = ("Event {seq} records that the instance finished, but on re-execution it is still "
                "{status} (open: {open}).")
NO_ERROR = "Event {seq} records an error ({message}), but re-execution ran without one."
FAILS = "Event {seq} fails on re-execution: {error}"
NO_START = "The history does not begin with the start of the instance."
UNREADABLE = "The stored state cannot be read: {error}"
STATUS = "After the last event the instance is {stored} in the stored state, {replayed} on re-execution."
SET_BY = "Event {seq} ({element}) set this key on re-execution."
PINNED = ("Event {seq} started version {recorded} of the process, but the instance is pinned to "
          "version {pinned}.")
REASONS = (PINNED, BEFORE_START, AFTER_ERROR, NO_READY_TASK, NO_WAITING_TIMER, NO_WAITING_MESSAGE,
           UNKNOWN_EVENT, STARTED_TWICE, NOT_FINISHED, NO_ERROR, FAILS, NO_START, UNREADABLE,
           STATUS, SET_BY, DATA_IN_STATE, DATA_IN_ROW, OPEN_TASKS, COUNTS)


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


class _Diverged(Exception):
    """An event cannot be re-applied: the reason's template and values."""

    def __init__(self, template: str, **values):
        super().__init__(template.format(**values))
        self.part = (template, values)


class _Run:
    """The workflow being re-executed and how its tasks map to the recorded ones."""

    def __init__(self, session, instance: Instance, events=()):
        self.instance, self.workflow, self.error = instance, None, None
        self.session = session
        # An instance moved to another version (engine.instance_migration) started on the
        # version its first move left; each `instance_migrated` event switches the specs.
        first_move = next((e for e in events if e.type == "instance_migrated"
                           and isinstance(e.data, dict)), None)
        self.start_version = instance.version if first_move is None else self._version(
            first_move.data.get("from_version"), first_move.data.get("from_sha256"))
        # Spiff task ids are fresh UUIDs on re-execution. A recorded id is mapped to the task
        # the re-execution created in the same position: the k-th task of a BPMN element that
        # the original put in its task index (human_tasks / timers rows, in id = creation order)
        # is the k-th of that element that became ready (waiting) here, found in the same tree
        # order. This keeps the items of a multi-instance task or parallel branches apart.
        self.created: dict[str, list[str]] = {}
        for table in (HumanTask, Timer):
            for spec, spiff_id in session.execute(
                    select(table.task_spec, table.spiff_task_id)
                    .where(table.instance_id == instance.id).order_by(table.id)):
                if spiff_id not in self.created.setdefault(spec, []):
                    self.created[spec].append(spiff_id)
        self.seen: dict[str, list] = {}  # bpmn id -> task ids of the re-execution, as they appeared
        self.mapped: dict[str, object] = {}  # recorded spiff id -> task id of the re-execution

    @property
    def status(self) -> str:
        if self.error is not None:
            return "error"
        return "completed" if self.workflow is not None and self.workflow.is_completed() else "running"

    def discover(self) -> None:
        """Note the user tasks and timers that are open now, in tree order."""
        for task in self.workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
            spec = task.task_spec
            human = task.has_state(TaskState.READY) and getattr(spec, "manual", False)
            timer = isinstance(getattr(spec, "event_definition", None), TimerEventDefinition)
            if (human or timer) and task.id not in self.seen.setdefault(spec.bpmn_id, []):
                self.seen[spec.bpmn_id].append(task.id)

    def pick(self, event, candidates: list):
        """The open task of the re-execution that stands for the event's task, or None."""
        by_id = {task.id: task for task in candidates}
        wanted = self.mapped.get(event.spiff_task_id)
        if wanted is None:
            order = self.created.get(event.task_spec, [])
            seen = self.seen.get(event.task_spec, [])
            if event.spiff_task_id in order and order.index(event.spiff_task_id) < len(seen):
                wanted = seen[order.index(event.spiff_task_id)]
            else:  # not in the index: the first open one no recorded task has taken yet
                taken = set(self.mapped.values())
                wanted = next((t.id for t in candidates if t.id not in taken), None)
            if wanted is not None:
                self.mapped[event.spiff_task_id] = wanted
        return by_id.get(wanted)

    def apply(self, event, next_event) -> str | None:
        """Re-apply one event; the BPMN id it completed or fired, if any."""
        if event.type == "instance_started":
            return self._start(event)
        if event.type in NO_EFFECT:
            return self._check_no_effect(event)
        if self.workflow is None:
            raise _Diverged(BEFORE_START, seq=event.seq, type=event.type)
        if self.error is not None:
            raise _Diverged(AFTER_ERROR, seq=event.seq, type=event.type, error=self.error)
        if event.type == "task_completed":
            return self._complete(event)
        if event.type == "timer_fired":
            return self._fire(event, next_event)
        if event.type == "message_received":
            return self._message(event)
        if event.type == "instance_migrated":
            return self._migrate(event)
        raise _Diverged(UNKNOWN_EVENT, seq=event.seq, type=event.type)

    def _start(self, event) -> str | None:
        if self.workflow is not None:
            raise _Diverged(STARTED_TWICE, seq=event.seq)
        version = self.start_version
        if version is None or event.data.get("content_sha256", version.content_sha256) != version.content_sha256:
            version = version or self.instance.version
            raise _Diverged(PINNED, seq=event.seq, recorded=event.data.get("version"),
                            pinned=version.version)
        self.workflow = new_workflow(version, copy.deepcopy(event.data.get("data") or {}))
        self._run(run_engine, self.workflow)
        return next((spec.bpmn_id for spec in self.workflow.spec.task_specs.values()
                     if type(spec).__name__ == "StartEvent"
                     and completed_elements(self.workflow).get(spec.bpmn_id)), None)

    def _complete(self, event) -> str:
        ready = [t for t in self.workflow.get_tasks(state=TaskState.READY, manual=True)
                 if t.task_spec.bpmn_id == event.task_spec]
        task = self.pick(event, ready)
        if task is None:
            raise _Diverged(NO_READY_TASK, seq=event.seq, element=event.task_spec)
        task.data.update(copy.deepcopy(event.data.get("data") or {}))
        if self._run(task.run):  # the live step stops, without running on, if the task fails
            self._run(run_engine, self.workflow)
        return event.task_spec

    def _fire(self, event, next_event) -> str:
        waiting = [t for t in self.workflow.get_tasks(state=TaskState.WAITING)
                   if t.task_spec.bpmn_id == event.task_spec
                   and isinstance(getattr(t.task_spec, "event_definition", None), TimerEventDefinition)]
        task = self.pick(event, waiting)
        if task is None:
            raise _Diverged(NO_WAITING_TIMER, seq=event.seq, element=event.task_spec)
        make_timers_due(self.workflow, [str(task.id)])
        same_pass = (next_event is not None and next_event.type == "timer_fired"
                     and abs(next_event.at - event.at) <= SAME_FIRING)
        if not same_pass:
            self._run(run_engine, self.workflow)
        return event.task_spec

    def _message(self, event) -> str | None:
        name, payload = event.data.get("name"), copy.deepcopy(event.data.get("payload") or {})
        catching = next((t.task_spec.bpmn_id for t in self.workflow.get_tasks(state=TaskState.WAITING)
                         if getattr(getattr(t.task_spec, "event_definition", None), "name", None) == name),
                        None)
        if not deliver_message(self.workflow, name, payload):
            raise _Diverged(NO_WAITING_MESSAGE, seq=event.seq, name=name)
        self._run(run_engine, self.workflow)
        return catching

    def _version(self, number, sha256) -> ProcessVersion | None:
        """The version of this instance's process with this number and content, or None."""
        version = self.session.scalars(select(ProcessVersion).where(
            ProcessVersion.process_key == self.instance.process_key,
            ProcessVersion.version == number)).first()
        return version if version is not None and version.content_sha256 == sha256 else None

    def _migrate(self, event) -> None:
        """Switch to the target version's specs as the live move did, then run the engine."""
        target = self._version(event.data.get("to_version"), event.data.get("to_sha256"))
        if target is None:
            raise _Diverged(FAILS, seq=event.seq, error=(
                f"version {event.data.get('to_version')} of {self.instance.process_key} with "
                "this content is not deployed"))
        problems = switch_version(self.workflow, target)
        if problems:
            raise _Diverged(FAILS, seq=event.seq, error="; ".join(p.message for p in problems))
        self._run(run_engine, self.workflow)
        return None

    def _check_no_effect(self, event) -> None:
        if event.type == "instance_completed" and self.status != "completed":
            open_ids = ", ".join(active_elements(self.workflow)) if self.workflow else ""
            raise _Diverged(NOT_FINISHED, seq=event.seq, status=self.status, open=open_ids or "-")
        if event.type == "instance_error" and self.error is None:
            raise _Diverged(NO_ERROR, seq=event.seq, message=event.data.get("message", ""))

    def _run(self, function, *args) -> bool:
        """Run a step of the diagram; a failure stops the instance, as in engine.runtime."""
        try:
            function(*args)
            return True
        except Exception as exc:  # noqa: BLE001 - any failure of a diagram's code stops it
            self.error = str(exc).strip() or exc.__class__.__name__
            return False


def replay_instance(session, instance: Instance, keep_steps: bool = True) -> Replay:
    """Re-execute an instance's recorded events and compare the result with its stored state."""
    result = Replay(instance.id)
    with session.no_autoflush:  # read-only: never flush the caller's pending changes
        events = list_events(session, instance.id)
        run = _Run(session, instance, events)
        # Each event runs at its recorded time in this context only (models.clock): other
        # requests and the scheduler keep the real time meanwhile.
        with clock.context_moments(), using_calendar(calendar_for(session, instance.district_id)):
            _replay_events(run, events, result)
        result.status = run.status
        if result.matches:
            _compare_with_stored(session, instance, run, result)
    if not keep_steps:
        result.steps = []
    return result


def _replay_events(run: _Run, events: list, result: Replay) -> None:
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
        except _Diverged as exc:
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
        result.steps.append(_step(event, ran, data, after, run.workflow))
        data = after
        if not result.matches:
            return


def _with_data(event):
    """A stand-in for an event whose data is not an object (a row written outside the engine)."""
    return SimpleNamespace(seq=event.seq, type=event.type, at=event.at, actor=event.actor,
                           task_spec=event.task_spec, spiff_task_id=event.spiff_task_id, data={})


def _step(event, ran, before: dict, after: dict, workflow) -> ReplayStep:
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
        active=active_elements(workflow) if workflow is not None else [], ran_element=ran)


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


def _compare_with_stored(session, instance: Instance, run: _Run, result: Replay) -> None:
    last = result.steps[-1].seq if result.steps else None
    try:
        stored = load_workflow(_stored_state_json(session, instance), instance.version)
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
