"""A running workflow's tasks: one by id, the timers and messages it waits on (and delivering
a message), which elements completed or are active."""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (CycleTimerEventDefinition,
                                                              TimerEventDefinition)
from SpiffWorkflow.util.task import TaskState

from models import clock

from engine.spiff.parsing import EXTERNAL_MESSAGE_ROLE
from engine.spiff.pruning import PRUNED_COMPLETIONS


def find_task(workflow: BpmnWorkflow, spiff_task_id: str):
    """The workflow task with this id, or None."""
    try:
        return workflow.get_task_from_id(UUID(spiff_task_id))
    except Exception:  # noqa: BLE001 - Spiff raises its own TaskNotFoundException
        return None


def find_ready_task(workflow: BpmnWorkflow, spiff_task_id: str):
    """The workflow task with this id if it is ready, else None."""
    task = find_task(workflow, spiff_task_id)
    return task if task is not None and task.has_state(TaskState.READY) else None


@dataclass
class WaitingTimer:
    spiff_task_id: str
    task_spec: str
    due_at: datetime  # naive UTC


def _timer_due_at(task) -> datetime | None:
    value = task._get_internal_data("event_value")
    if value is None:
        return None
    if isinstance(value, dict):  # cycle timers keep their next firing under "next"
        value = value.get("next")
    try:
        due = TimerEventDefinition.get_datetime(value)
    except (TypeError, ValueError):
        return None
    return due.astimezone(timezone.utc).replace(tzinfo=None)


def make_timers_due(workflow: BpmnWorkflow, spiff_task_ids) -> None:
    """Let these waiting timer events fire on the next engine run, whatever the clock says.

    The timer table decides when a timer is due; SpiffWorkflow would otherwise compare with
    its own clock and could leave a timer the scheduler has claimed (and logged) waiting.
    """
    for spiff_task_id in spiff_task_ids:
        task = find_task(workflow, spiff_task_id)
        definition = getattr(task.task_spec, "event_definition", None) if task else None
        if task is None or not task.has_state(TaskState.WAITING):
            continue
        if isinstance(definition, CycleTimerEventDefinition):
            value = task._get_internal_data("event_value")
            just_passed = clock.now() - timedelta(microseconds=1)
            if isinstance(value, dict) and datetime.fromisoformat(value["next"]) > just_passed:
                value["next"] = just_passed.isoformat()
        elif isinstance(definition, TimerEventDefinition):
            task._set_internal_data(event_fired=True)


def waiting_timers(workflow: BpmnWorkflow) -> list[WaitingTimer]:
    """Timer events the workflow is waiting on, with the moment each is due."""
    out = []
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if not isinstance(definition, TimerEventDefinition):
            continue
        due_at = _timer_due_at(task)
        if due_at is not None:
            out.append(WaitingTimer(str(task.id), task.task_spec.bpmn_id, due_at))
    return out


def waiting_message_names(workflow: BpmnWorkflow) -> list[str]:
    """Names of the messages the workflow is waiting for now."""
    names = []
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, MessageEventDefinition) and definition.name not in names:
            names.append(definition.name)
    return names


def waiting_message_roles(workflow: BpmnWorkflow, name: str) -> list[str | None]:
    """For each event waiting now for the named message, the role its externalMessageRole
    property names (None: an internal message, sent only by the system after its checks)."""
    roles = []
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, MessageEventDefinition) and definition.name == name:
            properties = (getattr(task.task_spec, "extensions", None) or {}).get("properties", {})
            roles.append((properties.get(EXTERNAL_MESSAGE_ROLE) or "").strip() or None)
    return roles


def external_message_names(workflow: BpmnWorkflow) -> list[str]:
    """Names of the messages the workflow waits for now that a diagram lets callers send."""
    return [name for name in waiting_message_names(workflow)
            if all(waiting_message_roles(workflow, name))]


def deliver_message(workflow: BpmnWorkflow, name: str, payload: dict) -> bool:
    """Hand a named message to the events waiting for it; False if none waits."""
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, MessageEventDefinition) and definition.name == name:
            workflow.catch(BpmnEvent(definition, payload=payload))
            return True
    return False


def completed_elements(workflow: BpmnWorkflow) -> dict[str, int]:
    """How many times each BPMN element has completed (for marking the diagram).

    The tasks still in the tree plus those prune_history dropped (counted in the root).
    """
    counts: dict[str, int] = dict(workflow.task_tree.internal_data.get(PRUNED_COMPLETIONS, {}))
    for task in workflow.get_tasks(state=TaskState.COMPLETED):
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if bpmn_id:
            counts[bpmn_id] = counts.get(bpmn_id, 0) + 1
    return counts


def active_elements(workflow: BpmnWorkflow) -> list[str]:
    """BPMN ids of the elements that are ready or waiting now."""
    ids = []
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if bpmn_id and bpmn_id not in ids:
            ids.append(bpmn_id)
    return ids
