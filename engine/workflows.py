"""SpiffWorkflow objects in and out of storage: specs per version, run, serialize, inspect."""
import json
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (CycleTimerEventDefinition,
                                                              TimerEventDefinition)
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from .parsing import parse_definition
from .sandbox import SandboxScriptEngine

MAX_ENGINE_STEPS = 10_000  # a runaway loop of engine tasks is stopped, not left spinning

_serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
_specs_lock = threading.Lock()
_specs_by_sha256: dict[str, tuple] = {}
_script_engine_options = {"timeout_seconds": 2.0}


class RunawayProcess(Exception):
    """An instance ran more engine steps in one go than any real procedure needs."""


def configure_scripts(timeout_seconds: float) -> None:
    """Set the sandbox's time limit for scripts and expressions."""
    _script_engine_options["timeout_seconds"] = timeout_seconds


def script_engine() -> SandboxScriptEngine:
    """A sandboxed script engine with the configured limits."""
    return SandboxScriptEngine(timeout_seconds=_script_engine_options["timeout_seconds"])


def specs_for(version) -> tuple:
    """(spec, subprocess_specs) of a deployed version, cached by its content hash."""
    with _specs_lock:
        cached = _specs_by_sha256.get(version.content_sha256)
    if cached is None:
        # No deploy-time code check here: the sandbox refuses such code when it runs, so a
        # stored version that bypassed deploy fails its instance instead of every start.
        parsed = parse_definition(version.bpmn_xml, check_forms=False, check_code=False)
        cached = (parsed.spec, parsed.subprocess_specs)
        with _specs_lock:
            _specs_by_sha256[version.content_sha256] = cached
    return cached


def new_workflow(version, data: dict | None = None) -> BpmnWorkflow:
    """A fresh workflow of a version, with initial data on its start task."""
    spec, subprocess_specs = specs_for(version)
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine())
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(data or {})
    return workflow


def load_workflow(state_json: str) -> BpmnWorkflow:
    """Deserialize a stored workflow and give it the sandboxed script engine."""
    workflow = _serializer.deserialize_json(state_json)
    workflow.script_engine = script_engine()
    return workflow


def dump_workflow(workflow: BpmnWorkflow) -> str:
    """Serialize a workflow to JSON text."""
    return _serializer.serialize_json(workflow)


def run_engine(workflow: BpmnWorkflow) -> None:
    """Run engine tasks (gateways, scripts, timers that are due) until people must act."""
    steps = 0

    def count(_task):
        nonlocal steps
        steps += 1
        if steps > MAX_ENGINE_STEPS:
            raise RunawayProcess(f"stopped after {MAX_ENGINE_STEPS} engine steps without "
                                 "reaching a human task: the diagram loops without end")

    workflow.refresh_timers()
    workflow.do_engine_steps(will_complete_task=count)


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
class ReadyHumanTask:
    spiff_task_id: str
    task_spec: str
    name: str
    lane: str | None
    form_key: str | None
    due_in_hours: float | None


def ready_human_tasks(workflow: BpmnWorkflow) -> list[ReadyHumanTask]:
    """User and manual tasks that wait for a person now."""
    out = []
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        spec = task.task_spec
        props = (getattr(spec, "extensions", None) or {}).get("properties", {})
        due = props.get("dueInHours")
        out.append(ReadyHumanTask(
            spiff_task_id=str(task.id), task_spec=spec.bpmn_id, name=spec.bpmn_name or spec.bpmn_id,
            lane=getattr(spec, "lane", None), form_key=props.get("formKey"),
            due_in_hours=float(due) if due else None))
    return out


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
            just_passed = datetime.now(timezone.utc) - timedelta(microseconds=1)
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


def deliver_message(workflow: BpmnWorkflow, name: str, payload: dict) -> bool:
    """Hand a named message to the events waiting for it; False if none waits."""
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, MessageEventDefinition) and definition.name == name:
            workflow.catch(BpmnEvent(definition, payload=payload))
            return True
    return False


def completed_elements(workflow: BpmnWorkflow) -> dict[str, int]:
    """How many times each BPMN element has completed (for marking the diagram)."""
    counts: dict[str, int] = {}
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


def current_data(workflow: BpmnWorkflow) -> dict:
    """The data a person would call "the instance's data": that of the latest task."""
    task = workflow.last_task
    data = dict(task.data) if task is not None else {}
    return json.loads(json.dumps(data, default=str))
