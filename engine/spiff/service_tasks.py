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

from SpiffWorkflow.bpmn.serializer.default.task_spec import EventConverter
from SpiffWorkflow.bpmn.specs.defaults import IntermediateThrowEvent
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


def _wait_for_call(spec, task):
    """Compute the connector's parameters in the sandbox, keep them with the task, mark it
    started in this run (sync_service_calls writes its row) and leave it waiting (None)."""
    params = {}
    for name, param in (spec.operation_params or {}).items():
        expression = (param or {}).get("value")
        params[name] = task.workflow.script_engine.evaluate(task, expression) if expression else None
    # What crosses to the call row and the partner is JSON: dates become ISO text.
    params = json.loads(json.dumps(params, default=str))
    task.internal_data[CALL_KEY] = {"connector": spec.operation_name, "params": params}
    top = getattr(task.workflow, "top_workflow", None) or task.workflow
    top.__dict__.setdefault(_STARTED, []).append(str(task.id))
    return None  # SpiffWorkflow: STARTED, the engine runs on elsewhere and this waits


class WaitingServiceTask(ServiceTask):
    """A service task that computes its connector's parameters and waits (STARTED)."""

    def _run_hook(self, task):
        return _wait_for_call(self, task)


class CallingThrowEvent(IntermediateThrowEvent):
    """A message throw event that names a connector (a serviceTaskOperator in its extension
    elements): the message leaves through the connector, as a service task's call."""

    def __init__(self, wf_spec, bpmn_id, event_definition, operation_name=None,
                 operation_params=None, result_variable=None, **kwargs):
        super().__init__(wf_spec, bpmn_id, event_definition, **kwargs)
        self.operation_name, self.operation_params = operation_name, operation_params or {}
        self.result_variable = result_variable

    def _run_hook(self, task):
        return _wait_for_call(self, task)


class _CallingThrowEventConverter(EventConverter):
    def to_dict(self, spec):
        dct = super().to_dict(spec)
        dct.update(operation_name=spec.operation_name, operation_params=spec.operation_params,
                   result_variable=spec.result_variable)
        return dct


WAITING_SPECS = (WaitingServiceTask, CallingThrowEvent)


def calling_throw_event_parser(parser_class):
    """An intermediate throw event parser that makes a CallingThrowEvent of an event whose
    extension elements name a connector (and the usual event otherwise)."""
    class CallingThrowEventParser(parser_class):
        def create_task(self):
            operator = self.parse_extensions().get("serviceTaskOperator")
            task = super().create_task()
            if operator is None or task.__class__ is not IntermediateThrowEvent:
                return task
            # The parser built the event with its definition and flows; it calls out instead.
            task.__class__ = CallingThrowEvent
            task.operation_name, task.operation_params = operator["name"], operator["parameters"]
            task.result_variable = operator.get("resultVariable")
            return task
    return CallingThrowEventParser


def register_service_tasks(registry) -> None:
    """Serialize waiting service tasks under SpiffWorkflow's type name, and restore them as such."""
    ServiceTaskConverter(WaitingServiceTask, registry, typename="ServiceTask")
    _CallingThrowEventConverter(CallingThrowEvent, registry, typename="CallingThrowEvent")


def with_waiting_service_tasks(parser_classes: dict) -> dict:
    """A parser-class table whose service tasks wait for their call."""
    table = {tag: (parser, WaitingServiceTask if spec is ServiceTask else spec)
             for tag, (parser, spec) in parser_classes.items()}
    for tag, (parser, spec) in table.items():
        if tag.endswith("}intermediateThrowEvent"):
            table[tag] = (calling_throw_event_parser(parser), spec)
    return table


_DECLARES = weakref.WeakKeyDictionary()  # process spec -> has a service task (specs never change)


def declares_service_tasks(workflow) -> bool:
    """True if the workflow's process (or a sub-process of it) has a service task; cached per
    spec, so a step of any other process pays a dictionary look-up."""
    found = _DECLARES.get(workflow.spec)
    if found is None:
        specs = [workflow.spec, *(getattr(workflow, "subprocess_specs", None) or {}).values()]
        found = any(isinstance(task_spec, WAITING_SPECS)
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
            not isinstance(task.task_spec, WAITING_SPECS):
        return None
    return task


def complete_service_task(workflow, spiff_task_id: str, data: dict, result=None) -> None:
    """The call succeeded: its mapped data into the task's data, the result under the diagram's
    resultVariable if it named one, and the task completed (the engine runs on after)."""
    task = waiting_service_task(workflow, spiff_task_id)
    if task is None:
        raise LookupError(f"the service task {spiff_task_id} is not waiting for its call")
    task.data.update(data or {})
    variable = getattr(task.task_spec, "result_variable", None)
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
