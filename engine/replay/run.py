"""The re-execution of an instance's recorded events (engine.replay.verify): a fresh workflow of the
version the instance started on, each event re-applied in order, following its moves to other
versions (engine.migration), in memory only.
"""
import copy
from datetime import timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from models import HumanTask, Instance, ProcessVersion, Timer

from engine.replay.items import Item, item_of
from engine.spiff.version_switch import switch_version
from engine.core import engine_of
from engine.decisions.runner import deciding
from engine.spiff.workflow_tasks import (active_elements, completed_elements, deliver_message,
                                         make_timers_due)
from engine.spiff.workflows import run_engine
from engine.spiff.service_tasks import complete_service_task, fail_service_task
from engine.spiff.repair import MoveRefused, apply_data_changes, move_token, rerun_failed

NO_EFFECT = {"tracking_code_issued", "task_claimed", "task_unclaimed", "task_reassigned",
             # A public survey answer goes to the register, not into the workflow: the summary
             # task that reads the answers records the computed tables in its own completion.
             "survey_answer_received", "instance_completed", "instance_error",
             # A failed step after a timer, undone and put off (engine.runtime.timers): the
             # timer fires later, with its own timer_fired event.
             "timer_retry_scheduled",
             # A service task's call queued and each attempt (engine.runtime.service_calls):
             # what the partner answered is in service_task_completed / service_call_failed.
             "service_call_queued", "service_call_attempted"}
# engine.runtime.timers._fire logs every due timer of an instance, then runs the engine once: timer
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
NOT_IN_ERROR = "Event {seq} retries the failed step, but on re-execution nothing has failed."
PINNED = ("Event {seq} started version {recorded} of the process, but the instance is pinned to "
          "version {pinned}.")
RUN_REASONS = (PINNED, BEFORE_START, AFTER_ERROR, NO_READY_TASK, NO_WAITING_TIMER, NO_WAITING_MESSAGE,
               UNKNOWN_EVENT, STARTED_TWICE, NOT_FINISHED, NO_ERROR, FAILS, NOT_IN_ERROR)
# The operator's repairs (engine.runtime.incidents); they apply to an instance in error too.
REPAIRS = {"instance_retried", "instance_data_set", "token_moved", "instance_suspended",
           "instance_resumed", "instance_cancelled"}


class Diverged(Exception):
    """An event cannot be re-applied: the reason's template and values."""

    def __init__(self, template: str, **values):
        super().__init__(template.format(**values))
        self.part = (template, values)


class Run:
    """The workflow being re-executed and how its tasks map to the recorded ones."""

    def __init__(self, session, instance: Instance, events=()):
        self.instance, self.workflow, self.error = instance, None, None
        self.suspended = self.cancelled = False  # the operator's suspend / cancel (no workflow effect)
        self.version: ProcessVersion | None = None  # the version in force after the last event
        self.session = session
        # An instance moved to another version (engine.migration) started on the
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
        # The multi-instance item the last event's task belongs to (engine.replay.items).
        self.item: Item | None = None

    @property
    def status(self) -> str:
        if self.cancelled:
            return "cancelled"
        if self.error is not None:
            return "error"
        if self.suspended:
            return "suspended"
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
        self.item = None
        if event.type == "instance_started":
            return self._start(event)
        if event.type in NO_EFFECT:
            return self._check_no_effect(event)
        if self.workflow is None:
            raise Diverged(BEFORE_START, seq=event.seq, type=event.type)
        if event.type == "instance_migrated":  # an instance in error is moved too
            return self._migrate(event)
        if event.type in REPAIRS:
            return self._repair(event)
        if self.error is not None:
            raise Diverged(AFTER_ERROR, seq=event.seq, type=event.type, error=self.error)
        if event.type == "task_completed":
            return self._complete(event)
        if event.type == "timer_fired":
            return self._fire(event, next_event)
        if event.type == "message_received":
            return self._message(event)
        if event.type in ("service_task_completed", "service_call_failed"):
            return self._service_call(event)
        if event.type == "instance_migrated":
            return self._migrate(event)
        raise Diverged(UNKNOWN_EVENT, seq=event.seq, type=event.type)

    def _start(self, event) -> str | None:
        if self.workflow is not None:
            raise Diverged(STARTED_TWICE, seq=event.seq)
        version = self.start_version
        if version is None or event.data.get("content_sha256", version.content_sha256) != version.content_sha256:
            version = version or self.instance.version
            raise Diverged(PINNED, seq=event.seq, recorded=event.data.get("version"),
                            pinned=version.version)
        self.workflow = engine_of(self.session).new_workflow(version, copy.deepcopy(event.data.get("data") or {}))
        self.version = version
        self._run(run_engine, self.workflow)
        return next((spec.bpmn_id for spec in self.workflow.spec.task_specs.values()
                     if type(spec).__name__ == "StartEvent"
                     and completed_elements(self.workflow).get(spec.bpmn_id)), None)

    def _complete(self, event) -> str:
        ready = [t for t in self.workflow.get_tasks(state=TaskState.READY, manual=True)
                 if t.task_spec.bpmn_id == event.task_spec]
        task = self.pick(event, ready)
        if task is None:
            raise Diverged(NO_READY_TASK, seq=event.seq, element=event.task_spec)
        self.item = item_of(task)
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
            raise Diverged(NO_WAITING_TIMER, seq=event.seq, element=event.task_spec)
        self.item = item_of(task)
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
            raise Diverged(NO_WAITING_MESSAGE, seq=event.seq, name=name)
        self._run(run_engine, self.workflow)
        return catching

    def _service_call(self, event) -> str:
        """A service task's call answered (its data) or failed for the last time, as live."""
        waiting = [t for t in self.workflow.get_tasks(state=TaskState.STARTED)
                   if t.task_spec.bpmn_id == event.task_spec]
        task = self.pick(event, waiting)
        if task is None:
            raise Diverged(NO_READY_TASK, seq=event.seq, element=event.task_spec)
        self.item = item_of(task)
        if event.type == "service_call_failed":
            self._run(fail_service_task, self.workflow, str(task.id), event.data.get("message", ""))
            return event.task_spec
        if self._run(complete_service_task, self.workflow, str(task.id),
                     copy.deepcopy(event.data.get("data") or {}),
                     copy.deepcopy(event.data.get("result"))):
            self._run(run_engine, self.workflow)
        return event.task_spec

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
            raise Diverged(FAILS, seq=event.seq, error=(
                f"version {event.data.get('to_version')} of {self.instance.process_key} with "
                "this content is not deployed"))
        # The mapping the move used (engine.migration_mapping); a move recorded before
        # mappings existed has none and is re-applied with SpecDiff's alignment, as it was made.
        problems = switch_version(self.workflow, target, event.data.get("mapping"))
        if problems:
            raise Diverged(FAILS, seq=event.seq, error="; ".join(p.message for p in problems))
        self.version = target
        if self.error is None:  # an instance in error is not run by its move (its retry runs it)
            self._run(run_engine, self.workflow)
        return None

    def _repair(self, event) -> str | None:
        """Re-apply an operator's repair as engine.runtime.incidents made it."""
        data = event.data
        if event.type == "instance_retried":
            if self.error is None:
                raise Diverged(NOT_IN_ERROR, seq=event.seq)
            self.error = None
            if self._run(rerun_failed, self.workflow):
                self._run(run_engine, self.workflow)
            return event.task_spec
        if event.type == "instance_data_set":
            apply_data_changes(self.workflow, data.get("changes") or {})
            return None
        if event.type == "token_moved":
            try:
                move_token(self.workflow, data.get("from"), data.get("to"))
            except MoveRefused as exc:
                raise Diverged(FAILS, seq=event.seq, error=str(exc)) from None
            self.error = None
            self._run(run_engine, self.workflow)
            return data.get("to")
        if event.type in ("instance_suspended", "instance_resumed"):
            self.suspended = event.type == "instance_suspended"
        else:
            self.cancelled = True
        return None

    def _check_no_effect(self, event) -> None:
        if event.type == "instance_completed" and self.status != "completed":
            open_ids = ", ".join(active_elements(self.workflow)) if self.workflow else ""
            raise Diverged(NOT_FINISHED, seq=event.seq, status=self.status, open=open_ids or "-")
        if event.type == "instance_error" and self.error is None:
            raise Diverged(NO_ERROR, seq=event.seq, message=event.data.get("message", ""))

    def _run(self, function, *args) -> bool:
        """Run a step of the diagram; a failure stops the instance, as in engine.runtime.steps."""
        try:
            with deciding(self.session, self.instance):  # the versions the live run used
                function(*args)
            return True
        except Exception as exc:  # noqa: BLE001 - any failure of a diagram's code stops it
            self.error = str(exc).strip() or exc.__class__.__name__
            return False
