"""What the elements of a deployed version declare: their properties, their names, the data
its start takes."""
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask

from engine.spiff.workflows import specs_for


def element_properties(version, bpmn_id: str) -> dict:
    """The extension properties (spiffworkflow:property) of an element of a deployed version."""
    spec, subprocess_specs = specs_for(version)
    for process_spec in (spec, *subprocess_specs.values()):
        for task_spec in process_spec.task_specs.values():
            if getattr(task_spec, "bpmn_id", None) == bpmn_id:
                return dict((getattr(task_spec, "extensions", None) or {}).get("properties", {}))
    return {}


START_DATA_KEYS = "startDataKeys"  # the start event's property: data a caller may start with more


def start_data_declared(version) -> tuple[set[str], set[str]]:
    """What a caller may start an instance of this version with: (the keys its start events
    declare in startDataKeys, a comma list; the form keys of the start form, i.e. the forms of
    the user tasks the instance opens first: those reached from the start through scripts and
    gateways, before anything waits)."""
    spec, _subprocess_specs = specs_for(version)
    keys, forms, seen = set(), set(), set()
    ahead = [task_spec for task_spec in spec.task_specs.values() if isinstance(task_spec, StartEvent)]
    for start in ahead:
        properties = (getattr(start, "extensions", None) or {}).get("properties", {})
        declared = (properties.get(START_DATA_KEYS) or "").split(",")
        keys.update(key.strip() for key in declared if key.strip())
    while ahead:
        task_spec = ahead.pop()
        if id(task_spec) in seen:
            continue
        seen.add(id(task_spec))
        properties = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
        if getattr(task_spec, "manual", False):
            if properties.get("formKey"):
                forms.add(properties["formKey"])
        elif isinstance(task_spec, StartEvent) or not isinstance(task_spec, (CatchingEvent,
                                                                             SubWorkflowTask)):
            ahead.extend(task_spec.outputs)  # a script, a gateway: the instance runs on
    return keys, forms


def element_names(version) -> dict[str, str]:
    """BPMN id -> name of every named element of a deployed version (its events, tasks and
    gateways), so pages can say "the ten-day deadline" rather than its id."""
    spec, subprocess_specs = specs_for(version)
    return {task_spec.bpmn_id: task_spec.bpmn_name
            for process_spec in (spec, *subprocess_specs.values())
            for task_spec in process_spec.task_specs.values()
            if getattr(task_spec, "bpmn_id", None) and getattr(task_spec, "bpmn_name", None)}
