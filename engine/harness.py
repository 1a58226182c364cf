"""Drive a workflow in memory, without a database, on the code path production runs (tests, tools)."""
from dataclasses import dataclass, replace

from SpiffWorkflow.bpmn import BpmnWorkflow
# Re-exported for callers outside engine/: what a failing script or expression of a task raises
# (the task is on its `.task`).
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.util.task import TaskState

from engine.spiff.parsing import parse_definition
from engine.core import Engine
from engine.spiff.workflow_tasks import find_ready_task
from engine.spiff.workflows import cache_specs, ready_human_tasks, run_engine

__all__ = ["HumanTaskSpec", "WorkflowTaskException", "complete_ready_task", "evaluate",
           "human_task_specs", "ready_task_data", "ready_task_ids", "workflow_from_bpmn"]


def workflow_from_bpmn(xml: bytes | str, data: dict | None = None, *, check_code: bool = True,
                       timeout_seconds: float | None = None, engine: Engine | None = None) -> BpmnWorkflow:
    """A new, not yet run workflow of a BPMN file checked as at deploy, with data on its start task.

    check_code=False skips the deploy-time code check, like a stored version that bypassed
    deploy: the sandbox then refuses such code when it runs. engine: the parts to run with (a
    bare Engine by default); timeout_seconds overrides its time limit of scripts and expressions.
    """
    parsed = parse_definition(xml, check_code=check_code)
    engine = engine or Engine()
    if timeout_seconds is not None:
        engine = replace(engine, script_timeout_seconds=timeout_seconds)
    # Shared by content hash with the versions of the same file, as deployed workflows are, so
    # that dump_workflow stores its states without specs and load_workflow finds them again.
    spec, subprocess_specs = cache_specs(parsed.content_sha256, parsed.spec, parsed.subprocess_specs)
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=engine.script_engine())
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(data or {})
    return workflow


def ready_task_ids(workflow: BpmnWorkflow) -> list[str]:
    """BPMN ids of the user and manual tasks that wait for a person now, sorted."""
    return sorted(task.task_spec for task in ready_human_tasks(workflow))


def _one_ready_task(workflow: BpmnWorkflow, bpmn_id: str):
    found = [task for task in ready_human_tasks(workflow) if task.task_spec == bpmn_id]
    if len(found) != 1:
        raise LookupError(f"expected one ready task {bpmn_id!r}; ready: {ready_task_ids(workflow)}")
    return find_ready_task(workflow, found[0].spiff_task_id)


def ready_task_data(workflow: BpmnWorkflow, bpmn_id: str) -> dict:
    """The data the one ready task with this BPMN id starts with (what its form is shown)."""
    return dict(_one_ready_task(workflow, bpmn_id).data)


def complete_ready_task(workflow: BpmnWorkflow, bpmn_id: str, data: dict | None = None) -> None:
    """Complete the one ready task with this BPMN id with form data and run the engine onwards."""
    task = _one_ready_task(workflow, bpmn_id)
    task.data.update(data or {})
    task.run()
    run_engine(workflow)


@dataclass
class HumanTaskSpec:
    """A user or manual task of a diagram: its lane and extension properties (formKey, dueIn...)."""
    bpmn_id: str
    lane: str | None
    properties: dict


def human_task_specs(workflow: BpmnWorkflow, nested: bool = False) -> dict[str, HumanTaskSpec]:
    """The user and manual tasks of the workflow's main process (nested: and of its
    sub-processes), by BPMN id."""
    out = {}
    specs = list(workflow.spec.task_specs.values())
    if nested:
        specs += [spec for sub in workflow.subprocess_specs.values() for spec in sub.task_specs.values()]
    for spec in specs:
        if getattr(spec, "manual", False):
            properties = (getattr(spec, "extensions", None) or {}).get("properties", {})
            out[spec.bpmn_id] = HumanTaskSpec(spec.bpmn_id, getattr(spec, "lane", None), dict(properties))
    return out


def evaluate(workflow: BpmnWorkflow, expression: str):
    """Evaluate an expression over the first ready task's data with the workflow's script engine."""
    task = workflow.get_tasks(state=TaskState.READY)[0]
    return workflow.script_engine.evaluate(task, expression)


def ready_tasks(workflow: BpmnWorkflow) -> list:
    """Every ready task of the workflow (engine and human), for tests that look at task data."""
    return workflow.get_tasks(state=TaskState.READY)
