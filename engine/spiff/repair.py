"""Repairing a workflow that stopped (engine.runtime.incidents): which task failed, running it
again, editing the data the next step sees, moving the token from one activity to another.

This is the one place the incident actions reach into SpiffWorkflow's private task API
(_set_state, _add_child, _remove_task): SpiffWorkflow 3.2 leaves a failed task in
TaskState.ERROR, with the data it was given, and offers no public way back from there.
"""
import copy

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

# BPMN activities (tasks and sub-processes), by SpiffWorkflow class name along the MRO: a token
# may be moved between these only, not onto events or gateways.
_ACTIVITY_CLASSES = frozenset({"UserTask", "ManualTask", "ScriptTask", "ServiceTask", "NoneTask",
                               "BusinessRuleTask", "SendTask", "ReceiveTask", "SubWorkflowTask"})
_ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
BOUNDARY_SPLIT = ".BoundaryEventSplit"  # the parser's task in front of an activity with boundary events


class MoveRefused(Exception):
    """A token move that cannot be made: an English template and its values."""

    def __init__(self, template: str, **values):
        super().__init__(template.format(**values))
        self.template, self.values = template, values


NO_SUCH_ACTIVITY = "The process has no activity {element}."
NOT_ACTIVE = "No token is at {element} now."
SAME_ELEMENT = "The token is at {element} already."


def failed_tasks(workflow: BpmnWorkflow) -> list:
    """The tasks SpiffWorkflow left in error (a failing script, a post-script of a user task)."""
    return list(workflow.get_tasks(state=TaskState.ERROR))


def failed_element(workflow: BpmnWorkflow) -> tuple[str, str] | None:
    """(BPMN id, name) of the first failed task, or None."""
    for task in failed_tasks(workflow):
        bpmn_id = getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name
        return bpmn_id, getattr(task.task_spec, "bpmn_name", None) or bpmn_id
    return None


def rerun_failed(workflow: BpmnWorkflow) -> list[str]:
    """Make the failed tasks ready again; run the user tasks among them (their post-script) at
    once, as their completion did. Engine tasks run on the next run_engine. Returns their BPMN ids."""
    ids = []
    for task in failed_tasks(workflow):
        task._set_state(TaskState.READY)
        ids.append(getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name)
        if getattr(task.task_spec, "manual", False):
            task.run()
    return ids


def data_tasks(workflow: BpmnWorkflow) -> list:
    """The tasks whose data "the instance's data" is: the active ones (the next step reads
    theirs) and each (sub-)workflow's last completed task (engine.spiff.workflows.current_data)."""
    tasks = list(workflow.get_tasks(state=_ACTIVE))
    for wf in [workflow, *workflow.get_active_subprocesses()]:
        if wf.last_task is not None and wf.last_task not in tasks:
            tasks.append(wf.last_task)
    return tasks


def apply_data_changes(workflow: BpmnWorkflow, changes: dict) -> None:
    """Apply a data diff ({"added": {k: v}, "changed": {k: {"old", "new"}}, "removed": {k: old}})
    to every task of data_tasks: the keys it names are set or removed, other keys are left as
    each task has them."""
    for task in data_tasks(workflow):
        for key, value in (changes.get("added") or {}).items():
            task.data[key] = copy.deepcopy(value)
        for key, pair in (changes.get("changed") or {}).items():
            task.data[key] = copy.deepcopy(pair.get("new") if isinstance(pair, dict) else pair)
        for key in (changes.get("removed") or {}):
            task.data.pop(key, None)


def is_activity(task_spec) -> bool:
    """A BPMN task or sub-process (not an event or a gateway)."""
    return any(cls.__name__ in _ACTIVITY_CLASSES for cls in type(task_spec).__mro__)


def activities(workflow: BpmnWorkflow) -> dict[str, str]:
    """BPMN id -> name of the activities of the workflow's processes."""
    found = {}
    for process_spec in [workflow.spec, *workflow.subprocess_specs.values()]:
        for task_spec in process_spec.task_specs.values():
            bpmn_id = getattr(task_spec, "bpmn_id", None)
            if bpmn_id and is_activity(task_spec):
                found[bpmn_id] = getattr(task_spec, "bpmn_name", None) or bpmn_id
    return found


def active_activities(workflow: BpmnWorkflow) -> dict[str, str]:
    """BPMN id -> name of the activities a token is at now (ready, waiting, running or failed)."""
    found = {}
    for task in workflow.get_tasks(state=_ACTIVE):
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if bpmn_id and is_activity(task.task_spec):
            found[bpmn_id] = getattr(task.task_spec, "bpmn_name", None) or bpmn_id
    return found


def move_token(workflow: BpmnWorkflow, from_element: str, to_element: str) -> None:
    """Cancel the activity from_element (with its boundary events) and start to_element in
    the same (sub-)process, with the data the cancelled task had; MoveRefused otherwise.
    The moved-to task is made ready: the next run_engine runs it if it is an engine task."""
    if from_element == to_element:
        raise MoveRefused(SAME_ELEMENT, element=from_element)
    source = next((t for t in workflow.get_tasks(state=_ACTIVE)
                   if getattr(t.task_spec, "bpmn_id", None) == from_element
                   and is_activity(t.task_spec)), None)
    if source is None:
        if from_element not in activities(workflow):
            raise MoveRefused(NO_SUCH_ACTIVITY, element=from_element)
        raise MoveRefused(NOT_ACTIVE, element=from_element)
    process_spec = source.workflow.spec
    target_spec = next((s for s in process_spec.task_specs.values()
                        if getattr(s, "bpmn_id", None) == to_element and is_activity(s)), None)
    if target_spec is None:
        raise MoveRefused(NO_SUCH_ACTIVITY, element=to_element)
    # An activity with boundary events is entered through its split (which arms the events).
    target_spec = process_spec.task_specs.get(target_spec.name + BOUNDARY_SPLIT, target_spec)
    anchor = source
    if anchor.parent is not None and anchor.parent.task_spec.name.endswith(BOUNDARY_SPLIT):
        anchor = anchor.parent  # its boundary events go with it
    data = copy.deepcopy(source.data)
    parent = anchor.parent
    for dropped in list(anchor):  # the task and its descendants: no event of theirs waits on
        workflow.event_manager.remove_task(dropped)
        if dropped.id in workflow.subprocesses:
            workflow.delete_subprocess(dropped)
    source.workflow._remove_task(anchor.id)
    task = parent._add_child(target_spec, TaskState.FUTURE)
    task.data = data
    task.task_spec._predict(task, mask=TaskState.PREDICTED_MASK | TaskState.FUTURE)  # its successors
    task._set_state(TaskState.READY)
    task.task_spec._on_ready(task)
