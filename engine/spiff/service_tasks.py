"""BPMN service tasks that wait for a connector's call (SpiffWorkflow side).

SpiffWorkflow's ServiceTask calls `script_engine.call_service` inside the engine run, which
would hold the step (and its request and transaction) for as long as the partner takes. Here the
task computes its parameters in the sandbox when it runs and then waits: its `_run_hook` returns
None, so SpiffWorkflow leaves it STARTED. The runtime (engine.runtime.service_calls) writes a
call row with the step; the scheduler performs the call after commit and completes the task
(complete_service_task) or fails it (fail_service_task) in a transaction of its own.

The diagram's XML is SpiffWorkflow's own:
    <spiffworkflow:serviceTaskOperator id="CONNECTOR" resultVariable="...">
      <spiffworkflow:parameters>
        <spiffworkflow:parameter id="NAME" type="str" value="PYTHON EXPRESSION" />
"""
import json
import weakref
from uuid import UUID

from SpiffWorkflow.spiff.serializer.task_spec import ServiceTaskConverter
from SpiffWorkflow.spiff.specs.defaults import ServiceTask
from SpiffWorkflow.util.task import TaskState


CALL_KEY = "service_call"  # task.internal_data: {"connector", "params"} computed when it ran
_STARTED = "_city_started_service_calls"  # on the top workflow object (never serialized)


def find_task(workflow, spiff_task_id: str):
    """The workflow task with this id, or None (as engine.spiff.workflow_tasks', which imports
    the parser: this module is imported by it)."""
    try:
        return workflow.get_task_from_id(UUID(spiff_task_id))
    except Exception:  # noqa: BLE001 - Spiff raises its own TaskNotFoundException
        return None


class ServiceCallFailed(Exception):
    """A service task's call failed on every attempt (the instance stops: an incident)."""


class WaitingServiceTask(ServiceTask):
    """A service task that computes its connector's parameters and waits (STARTED)."""

    def _run_hook(self, task):
        params = {}
        for name, param in (self.operation_params or {}).items():
            expression = (param or {}).get("value")
            value = task.workflow.script_engine.evaluate(task, expression) if expression else None
            params[name] = value
        # What crosses to the call row and the partner is JSON: dates become ISO text.
        params = json.loads(json.dumps(params, default=str))
        task.internal_data[CALL_KEY] = {"connector": self.operation_name, "params": params}
        top = getattr(task.workflow, "top_workflow", None) or task.workflow
        top.__dict__.setdefault(_STARTED, []).append(str(task.id))
        return None  # SpiffWorkflow: STARTED, the engine runs on elsewhere and this waits


def register_service_tasks(registry) -> None:
    """Serialize waiting service tasks under SpiffWorkflow's type name, and restore them as such."""
    ServiceTaskConverter(WaitingServiceTask, registry, typename="ServiceTask")


def with_waiting_service_tasks(parser_classes: dict) -> dict:
    """A parser-class table whose service tasks wait for their call."""
    return {tag: (parser, WaitingServiceTask if spec is ServiceTask else spec)
            for tag, (parser, spec) in parser_classes.items()}


_DECLARES = weakref.WeakKeyDictionary()  # process spec -> has a service task (specs never change)


def declares_service_tasks(workflow) -> bool:
    """True if the workflow's process (or a sub-process of it) has a service task; cached per
    spec, so a step of any other process pays a dictionary look-up."""
    found = _DECLARES.get(workflow.spec)
    if found is None:
        specs = [workflow.spec, *(getattr(workflow, "subprocess_specs", None) or {}).values()]
        found = any(isinstance(task_spec, WaitingServiceTask)
                    for spec in specs for task_spec in spec.task_specs.values())
        _DECLARES[workflow.spec] = found
    return found


def started_service_calls(workflow) -> list[dict]:
    """The service tasks this run of the workflow started: spiff_task_id, task_spec (BPMN id),
    connector, params, result_variable."""
    calls = []
    for spiff_task_id in workflow.__dict__.pop(_STARTED, []):
        task = find_task(workflow, spiff_task_id)
        if task is None or not task.has_state(TaskState.STARTED):
            continue
        call = task.internal_data.get(CALL_KEY) or {}
        calls.append({"spiff_task_id": spiff_task_id, "task_spec": task.task_spec.bpmn_id,
                      "connector": call.get("connector"), "params": call.get("params") or {}})
    return calls


def waiting_service_task(workflow, spiff_task_id: str):
    """The service task of this id if it still waits for its call, else None (withdrawn)."""
    task = find_task(workflow, spiff_task_id)
    if task is None or not task.has_state(TaskState.STARTED) or \
            not isinstance(task.task_spec, WaitingServiceTask):
        return None
    return task


def complete_service_task(workflow, spiff_task_id: str, data: dict, result=None) -> None:
    """The call succeeded: its mapped data into the task's data, the result under the diagram's
    resultVariable if it named one, and the task completed (the engine runs on after)."""
    task = waiting_service_task(workflow, spiff_task_id)
    if task is None:
        raise LookupError(f"the service task {spiff_task_id} is not waiting for its call")
    task.data.update(data or {})
    variable = task.task_spec.result_variable
    if result is not None and variable and not variable.startswith("spiff__"):
        task.data[variable] = result
    task.complete()


def fail_service_task(workflow, spiff_task_id: str, message: str) -> None:
    """The call failed for the last time: the task in ERROR (the incident's retry runs it again,
    engine.spiff.repair.rerun_failed), and ServiceCallFailed for the step's error path."""
    task = waiting_service_task(workflow, spiff_task_id)
    if task is not None:
        task._set_state(TaskState.ERROR)
    raise ServiceCallFailed(message)
