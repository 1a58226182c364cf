"""Trying a diagram from another tool without deploying it: does SpiffWorkflow load it, does it run?

Used by scripts/corpus_report.py (docs/CORPUS.md); kept here because only engine/ touches
SpiffWorkflow.
"""
from SpiffWorkflow.bpmn import BpmnWorkflow

from engine.spiff.parsing import CityBpmnParser
from engine.spiff.sandbox import SandboxScriptEngine
from engine.spiff.workflow_tasks import find_ready_task
from engine.spiff.workflows import ready_human_tasks, run_engine


def spiff_loads(tree) -> None:
    """Raise what SpiffWorkflow's parser raises on a parsed BPMN tree (nothing when it loads)."""
    CityBpmnParser(validator=None).add_bpmn_xml(tree.getroot(), filename=None)


def run_with_empty_data(parsed, max_rounds: int = 50) -> None:
    """Start an instance of a parsed definition and run it, completing user/manual tasks with
    empty data, until it waits for something else or ends; raise what it raises."""
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=SandboxScriptEngine())
    run_engine(workflow)
    for _ in range(max_rounds):
        ready = ready_human_tasks(workflow)
        if not ready:
            break
        find_ready_task(workflow, ready[0].spiff_task_id).run()
        run_engine(workflow)
